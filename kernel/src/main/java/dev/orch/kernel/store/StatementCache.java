package dev.orch.kernel.store;

import java.sql.Connection;
import java.time.Duration;
import org.apache.commons.dbcp2.DelegatingPreparedStatement;
import org.apache.commons.dbcp2.PStmtKey;
import org.apache.commons.dbcp2.PoolingConnection;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

/**
 * Keeps a connection's prepared statements for reuse. The asynchronous client prepares every
 * statement afresh and closes it after one execution; on SQLite, compiling the SQL was a fifth of a
 * read's cost. Closing a statement from {@link #of} returns it, its parameters cleared, to a
 * per-connection cache keyed by its SQL (Commons DBCP's {@link PoolingConnection}); the least recently
 * used are closed beyond {@link #STATEMENTS}.
 *
 * <p>A cached SQLite statement holds no read snapshot: the client closes each result set, which
 * resets the statement and ends its implicit read transaction, so the next execution sees the last
 * commit.
 */
final class StatementCache {
  /** The distinct statements a connection keeps: the API and executor use a few hundred in all. */
  static final int STATEMENTS = 256;

  private StatementCache() {}

  /** {@code connection}, its statements cached; closing the result closes the cache and the connection. */
  static Connection of(Connection connection) {
    PoolingConnection pooling = new PoolingConnection(connection);
    GenericKeyedObjectPoolConfig<DelegatingPreparedStatement> config = new GenericKeyedObjectPoolConfig<>();
    // One connection runs one statement at a time: one idle statement per SQL text is enough.
    config.setMaxTotalPerKey(-1);
    config.setMaxIdlePerKey(1);
    config.setMaxTotal(STATEMENTS);
    config.setBlockWhenExhausted(false);
    config.setMaxWait(Duration.ZERO);
    config.setJmxEnabled(false);
    pooling.setStatementPool(new GenericKeyedObjectPool<PStmtKey, DelegatingPreparedStatement>(pooling, config));
    return pooling;
  }
}
