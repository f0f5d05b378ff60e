package dev.orch.kernel.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategy;
import dev.orch.kernel.bus.Busy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * bcrypt on its own bounded worker pool. bcrypt reads only the first 72 bytes of a password; a
 * longer one is first reduced with SHA-512 (the library's pre-hash strategy), so every byte counts
 * and no two long passwords sharing a 72-byte prefix are equal. Passwords of 72 bytes or less hash
 * exactly as plain bcrypt does, so hashes from the original's database still verify.
 *
 * <p>The pool ({@code auth.bcrypt_workers} threads) is apart from Vert.x's worker pool, where the
 * database and its fsync run, so a wave of sign-ins cannot stall them. At most
 * {@code auth.bcrypt_max_queue} hashes wait for a thread; beyond that a call fails at once with
 * {@link Busy} (503 with {@code Retry-After}) instead of queueing without bound.
 */
public final class PasswordHasher {
  private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;
  private static final LongPasswordStrategy LONG = LongPasswordStrategies.hashSha512(VERSION);
  public static final int DEFAULT_WORKERS = 2;
  public static final int DEFAULT_MAX_QUEUE = 32;

  private final WorkerExecutor pool;
  private final int cost;
  private final int capacity;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Future<String> dummy;

  /** A hasher with the default pool. */
  public PasswordHasher(Vertx vertx, int cost) {
    this(vertx, cost, DEFAULT_WORKERS, DEFAULT_MAX_QUEUE);
  }

  /**
   * @param workers threads that run bcrypt
   * @param maxQueue hashes that may wait for a thread
   */
  public PasswordHasher(Vertx vertx, int cost, int workers, int maxQueue) {
    this.pool = vertx.createSharedWorkerExecutor("orch-bcrypt", workers);
    this.cost = cost;
    this.capacity = workers + maxQueue;
  }

  public Future<String> hash(String password) {
    return submit(() -> BCrypt.with(VERSION, LONG).hashToString(cost, password.toCharArray()));
  }

  /** True when {@code password} matches {@code hash}; a malformed hash never matches. */
  public Future<Boolean> verify(String password, String hash) {
    return submit(() -> {
      byte[] bytes = hash.getBytes(StandardCharsets.UTF_8);
      try {
        return BCrypt.verifyer(VERSION, LONG).verify(password.getBytes(StandardCharsets.UTF_8), bytes).verified;
      } catch (IllegalArgumentException malformed) {
        return false;
      }
    });
  }

  private <T> Future<T> submit(Callable<T> work) {
    if (pending.incrementAndGet() > capacity) {
      pending.decrementAndGet();
      return Future.failedFuture(new Busy("Too many sign-ins at once, try again shortly", 1));
    }
    return pool.executeBlocking(work, false).onComplete(done -> pending.decrementAndGet());
  }

  /**
   * Spends one comparison's time against a dummy hash, so an unknown or locked-out email answers
   * as slowly as a wrong password (API.md §5.4).
   */
  public Future<Boolean> burn(String password) {
    Future<String> d = dummy;
    if (d == null || d.failed()) {
      d = hash("orch-timing-safety-dummy");
      dummy = d;
    }
    return d.compose(h -> verify(password, h)).map(ignored -> false);
  }
}
