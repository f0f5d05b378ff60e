package dev.orch.kernel.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connections the pool opens, each returned to autocommit mode when a transaction ends.
 *
 * <p>The Vert.x JDBC client 5.0.x switches autocommit off, not on, after a commit or rollback
 * (vert-x3/vertx-jdbc-client#356, fixed upstream by #358). Every single statement that later ran on
 * that pooled connection then joined a silent transaction: invisible to other connections, committed
 * by some unrelated later transaction, lost if that one rolled back, and on PostgreSQL holding its
 * locks meanwhile. Each connection is wrapped so that the "autocommit off" that directly follows a
 * commit or rollback becomes "autocommit on", also when the commit or rollback itself failed (the
 * client turns autocommit off in a {@code finally}); a client that already restores it is unaffected.
 */
final class AutoCommitRestoring implements DataSource {
  /** Opens a physical connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  /**
   * How long a reopening connection may sit unused before it is checked with a round trip first: a
   * database or network that dropped it meanwhile is found before a statement fails on it. Busy
   * connections are never idle that long, so they pay nothing.
   */
  static final Duration VALIDATE_AFTER_IDLE = Duration.ofSeconds(1);
  private static final int VALIDATION_TIMEOUT_SECONDS = 2;

  private final Opener opener;
  private final boolean reopening;
  private final long validateAfterIdleNanos;

  AutoCommitRestoring(Opener opener) {
    this(opener, false);
  }

  /**
   * @param reopening whether a connection the server or the network closed is replaced by a new one
   *     at the next statement outside a transaction (PostgreSQL): the pool keeps its connections, so
   *     without it a database that went away and came back would leave every pooled connection dead
   */
  AutoCommitRestoring(Opener opener, boolean reopening) {
    this(opener, reopening, VALIDATE_AFTER_IDLE);
  }

  AutoCommitRestoring(Opener opener, boolean reopening, Duration validateAfterIdle) {
    this.opener = opener;
    this.reopening = reopening;
    this.validateAfterIdleNanos = validateAfterIdle.toNanos();
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection connection = opener.open();
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        new Restorer(connection, reopening ? opener : null, validateAfterIdleNanos));
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException("credentials come with the URL");
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    throw new SQLException("not a wrapper of " + type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return false;
  }

  /** A connection is used by one worker at a time; the flag only needs to be visible to the next. */
  private static final class Restorer implements InvocationHandler {
    /** The methods that start work: a dead connection may be replaced before them, outside a transaction. */
    private static final java.util.Set<String> STARTS = java.util.Set.of("createStatement", "prepareStatement",
        "prepareCall", "setAutoCommit");
    private final Opener reopen;
    private final long validateAfterIdleNanos;
    private volatile Connection target;
    private volatile boolean justEnded;
    /** The client switched autocommit off and has not switched it back on: a transaction is open. */
    private volatile boolean inTransaction;
    private volatile long lastUsedNanos = System.nanoTime();

    Restorer(Connection target, Opener reopen, long validateAfterIdleNanos) {
      this.target = target;
      this.reopen = reopen;
      this.validateAfterIdleNanos = validateAfterIdleNanos;
    }

    /**
     * Replaces a connection that was closed under the client (the database restarted, the network
     * dropped) when no transaction of the client's is open on it: one the driver knows is closed,
     * or, after {@link #VALIDATE_AFTER_IDLE} unused, one that fails a round trip. Inside a
     * transaction the failure stands: the client rolls back and its next transaction gets the new
     * connection.
     */
    private void reopenIfClosed(String name) throws SQLException {
      boolean begins = name.equals("setAutoCommit");
      if (reopen == null || !STARTS.contains(name) || (inTransaction && !begins)) {
        return;
      }
      boolean idle = System.nanoTime() - lastUsedNanos >= validateAfterIdleNanos;
      if (target.isClosed() || (idle && !target.isValid(VALIDATION_TIMEOUT_SECONDS))) {
        try {
          target.close();
        } catch (SQLException alreadyGone) {
          // Closing a dead connection only releases what the driver still holds.
        }
        target = reopen.open();
      }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      reopenIfClosed(name);
      lastUsedNanos = System.nanoTime();
      if (name.equals("setAutoCommit")) {
        inTransaction = Boolean.FALSE.equals(args[0]) && !justEnded;
      }
      if (justEnded && name.equals("setAutoCommit") && Boolean.FALSE.equals(args[0])) {
        justEnded = false;
        try {
          target.setAutoCommit(true);
        } catch (SQLException stillOpen) {
          // A commit SQLite refused (a deferred constraint) leaves its transaction open, and turning
          // autocommit on commits it: the failed transaction is rolled back instead.
          if (target.getAutoCommit()) {
            // The driver switched modes before its commit failed (sqlite-jdbc does).
            try (var rollback = target.createStatement()) {
              rollback.execute("ROLLBACK");
            }
          } else {
            target.rollback();
            target.setAutoCommit(true);
          }
        }
        return null;
      }
      boolean ends = (name.equals("commit") || name.equals("rollback")) && (args == null || args.length == 0);
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      } finally {
        justEnded = ends;
      }
    }
  }
}
