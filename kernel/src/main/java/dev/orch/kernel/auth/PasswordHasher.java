package dev.orch.kernel.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;

/**
 * bcrypt on worker threads. bcrypt reads only the first 72 bytes of a password; a longer one is
 * first reduced with SHA-512 (the library's pre-hash strategy), so every byte counts and no two
 * long passwords sharing a 72-byte prefix are equal. Passwords of 72 bytes or less hash exactly as
 * plain bcrypt does, so hashes from the original's database still verify.
 */
public final class PasswordHasher {
  private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;
  private static final LongPasswordStrategy LONG = LongPasswordStrategies.hashSha512(VERSION);

  private final Vertx vertx;
  private final int cost;
  private volatile Future<String> dummy;

  public PasswordHasher(Vertx vertx, int cost) {
    this.vertx = vertx;
    this.cost = cost;
  }

  public Future<String> hash(String password) {
    return vertx.executeBlocking(() -> BCrypt.with(VERSION, LONG).hashToString(cost, password.toCharArray()), false);
  }

  /** True when {@code password} matches {@code hash}; a malformed hash never matches. */
  public Future<Boolean> verify(String password, String hash) {
    return vertx.executeBlocking(() -> {
      byte[] bytes = hash.getBytes(StandardCharsets.UTF_8);
      try {
        return BCrypt.verifyer(VERSION, LONG).verify(password.getBytes(StandardCharsets.UTF_8), bytes).verified;
      } catch (IllegalArgumentException malformed) {
        return false;
      }
    }, false);
  }

  /**
   * Spends one comparison's time against a dummy hash, so an unknown or locked-out email answers
   * as slowly as a wrong password (API.md §5.4).
   */
  public Future<Boolean> burn(String password) {
    Future<String> d = dummy;
    if (d == null) {
      d = hash("orch-timing-safety-dummy");
      dummy = d;
    }
    return d.compose(h -> verify(password, h)).map(ignored -> false);
  }
}
