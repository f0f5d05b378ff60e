package dev.orch.kernel.http;

import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed-window request counts in the {@code rate_windows} table, shared by every node of a cluster:
 * one upsert per request adds it to its window and returns the window's count so far. Windows are
 * aligned to the epoch, so every node puts a request in the same window. Expired rows are swept
 * now and then by whichever node counts.
 */
final class SharedRateWindows {
  private static final Logger LOG = LoggerFactory.getLogger(SharedRateWindows.class);
  /** A count that does not come back in this long counts as the database being away. */
  static final long TIMEOUT_MS = 2_000;
  /** One request in this many sweeps the expired windows. */
  static final int SWEEP_EVERY = 1_000;
  private static final String HIT = "INSERT INTO rate_windows (rule, client, window_start, hits, expires_at)"
      + " VALUES (?, ?, ?, 1, ?) ON CONFLICT (rule, client, window_start)"
      + " DO UPDATE SET hits = rate_windows.hits + 1 RETURNING hits";
  private static final String SWEEP = "DELETE FROM rate_windows WHERE expires_at < ?";

  private final Db db;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong lastWarning = new AtomicLong();

  SharedRateWindows(Db db) {
    this.db = db;
  }

  /** Counts one request of {@code client} under {@code rule}; the window's count including it. */
  Future<Integer> hit(String rule, String client, Duration window, long nowMillis) {
    long windowMillis = Math.max(1, window.toMillis());
    long start = nowMillis / windowMillis * windowMillis;
    double expiresAt = (start + windowMillis) / 1000.0;
    Future<Integer> counted = db.client().preparedQuery(HIT).execute(Tuple.of(rule, client, start, expiresAt))
        .map(rows -> {
          // Through JDBC, RETURNING arrives as result rows (SQLite) or as generated keys (PostgreSQL).
          io.vertx.sqlclient.Row row = rows.size() > 0 ? rows.iterator().next()
              : rows.property(io.vertx.jdbcclient.JDBCPool.GENERATED_KEYS);
          return row.getInteger("hits");
        })
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    if (requests.incrementAndGet() % SWEEP_EVERY == 0) {
      db.client().preparedQuery(SWEEP).execute(Tuple.of(nowMillis / 1000.0))
          .onFailure(err -> LOG.debug("rate windows not swept [reason: {}]", err.getMessage()));
    }
    return counted;
  }

  /** Logs, at most once a minute, that counting fell back to this node's own buckets. */
  void unavailable(Throwable cause) {
    long now = System.currentTimeMillis();
    long last = lastWarning.get();
    if (now - last > 60_000 && lastWarning.compareAndSet(last, now)) {
      LOG.warn("rate limits counted on this node only: the database does not answer [reason: {}]",
          cause.getMessage());
    }
  }
}
