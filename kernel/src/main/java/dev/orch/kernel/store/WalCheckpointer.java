package dev.orch.kernel.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies SQLite's write-ahead log into the database file from a connection of its own, on a timer.
 * The pool's connection has automatic checkpoints switched off: they would otherwise run inside
 * whichever commit crossed the log's size threshold, copying megabytes and syncing twice while
 * every task waiting for that commit waits too. A passive checkpoint never blocks the writer.
 */
final class WalCheckpointer {
  private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
  static final long INTERVAL_MS = 500;

  private final Vertx vertx;
  private final Connection connection;
  private final long timer;
  private boolean running;
  private volatile boolean stopped;

  private WalCheckpointer(Vertx vertx, Connection connection) {
    this.vertx = vertx;
    this.connection = connection;
    this.timer = vertx.setPeriodic(INTERVAL_MS, id -> checkpoint());
  }

  /** Opens its connection (on a worker thread) and starts the timer. */
  static Future<WalCheckpointer> start(Vertx vertx, DataSource dataSource) {
    return vertx.executeBlocking(dataSource::getConnection).map(c -> new WalCheckpointer(vertx, c));
  }

  private void checkpoint() {
    if (running || stopped) {
      return;
    }
    running = true;
    try {
      start();
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // Vert.x is closing its worker pool: the checkpoint at close copies what is left.
      running = false;
    }
  }

  private void start() {
    vertx.executeBlocking(() -> {
      try (Statement st = connection.createStatement();
          ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        return rs.next() ? rs.getInt(3) : 0;
      }
    }, false).onComplete(ar -> {
      running = false;
      if (ar.failed()) {
        LOG.warn("checkpoint failed, retried on the next tick [reason: {}]", ar.cause().getMessage());
      }
    });
  }

  /** Stops the timer and closes the connection (SQLite checkpoints once more when the last one closes). */
  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return vertx.executeBlocking(() -> {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.warn("checkpoint connection not closed cleanly [reason: {}]", e.getMessage());
      }
      return null;
    });
  }
}
