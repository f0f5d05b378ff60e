package dev.orch.kernel.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.RateSpec;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client fixed-window limits (API.md §1.9, §18.1). On one node, one Bucket4j bucket per (rule,
 * client), shared by every ApiVerticle instance of the process. In a cluster ({@link #shared}), the
 * count is kept in the database ({@link SharedRateWindows}), so every node sees every node's
 * requests and N nodes do not multiply a limit by N; while the database does not answer, each node
 * falls back to its own buckets.
 *
 * <p>Each rule keeps its clients in a Caffeine cache: at most {@link #MAX_CLIENTS}, a client's bucket
 * forgotten once it has been idle for the rule's window (it would be full again by then), removed by
 * Caffeine's scheduler thread rather than on a request. When more clients come than fit, the least
 * useful are dropped first; one that keeps asking, like a client being limited, stays.
 */
public final class RateLimiter {
  /** The contract's 429 text. */
  public static final String TOO_MANY = "Rate limit exceeded. Try again later.";
  /** Clients tracked per rule; beyond it the cache evicts. */
  static final int MAX_CLIENTS = 100_000;

  private record Rule(RateSpec spec, Cache<String, Bucket> clients) {}

  private final Map<String, Rule> rules = new ConcurrentHashMap<>();
  private final SharedRateWindows shared;

  /** Counts in this process. */
  public RateLimiter() {
    this(null);
  }

  private RateLimiter(SharedRateWindows shared) {
    this.shared = shared;
  }

  /** Counts in the database {@code db}, across every node that uses it. */
  public static RateLimiter shared(dev.orch.kernel.store.Db db) {
    return new RateLimiter(new SharedRateWindows(db));
  }

  /**
   * Takes one permit of {@code rule} for {@code client}: fails with 429 when none is left. Counted
   * cluster-wide when the limiter is shared, else in this process (completes at once).
   */
  public Future<Void> take(String rule, String client) {
    if (shared == null) {
      try {
        acquire(rule, client);
        return Future.succeededFuture();
      } catch (OrchestratorException refused) {
        return Future.failedFuture(refused);
      }
    }
    Rule r = rules.get(rule);
    if (r == null) {
      return Future.failedFuture(new IllegalArgumentException("unknown rate rule " + rule));
    }
    return shared.hit(rule, client, r.spec().window(), System.currentTimeMillis()).transform(ar -> {
      if (ar.failed()) {
        // The database is away: this node's own count still holds a client back.
        shared.unavailable(ar.cause());
        try {
          acquire(rule, client);
          return Future.succeededFuture();
        } catch (OrchestratorException refused) {
          return Future.failedFuture(refused);
        }
      }
      return ar.result() > r.spec().permits() ? Future.failedFuture(new OrchestratorException(429, TOO_MANY))
          : Future.<Void>succeededFuture();
    });
  }

  /** Declares a rule; a rule's spec is fixed once declared. */
  public RateLimiter rule(String name, RateSpec spec) {
    Cache<String, Bucket> clients = Caffeine.newBuilder()
        .maximumSize(MAX_CLIENTS)
        .expireAfterAccess(spec.window())
        .scheduler(Scheduler.systemScheduler())
        .build();
    rules.put(name, new Rule(spec, clients));
    return this;
  }

  /** Takes one permit of {@code rule} for {@code client} in this process; throws 429 when none is left. */
  void acquire(String rule, String client) {
    Rule r = rules.get(rule);
    if (r == null) {
      throw new IllegalArgumentException("unknown rate rule " + rule);
    }
    RateSpec spec = r.spec();
    Bucket bucket = r.clients().get(client, k -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(spec.permits()).refillIntervally(spec.permits(), spec.window()).build())
        .build());
    if (!bucket.tryConsume(1)) {
      throw new OrchestratorException(429, TOO_MANY);
    }
  }

  /** How many clients {@code rule} tracks now, after pending removals. */
  long tracked(String rule) {
    Cache<String, Bucket> clients = rules.get(rule).clients();
    clients.cleanUp();
    return clients.estimatedSize();
  }
}
