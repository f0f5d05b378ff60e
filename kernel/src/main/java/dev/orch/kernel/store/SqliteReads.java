package dev.orch.kernel.store;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import org.apache.commons.dbcp2.DelegatingPreparedStatement;
import org.apache.commons.dbcp2.PStmtKey;
import org.apache.commons.dbcp2.PoolablePreparedStatement;
import org.apache.commons.dbcp2.PoolingConnection;
import org.apache.commons.pool2.KeyedObjectPool;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericKeyedObjectPool;
import org.apache.commons.pool2.impl.GenericKeyedObjectPoolConfig;

/**
 * SQLite's read-only connections, shaped for the asynchronous client, which spent four fifths of a
 * primary-key read around the query rather than in it:
 *
 * <ul>
 *   <li>Statements are kept prepared. The client prepares every statement afresh and closes it after
 *       one execution; here closing returns it, parameters cleared, to a per-connection cache keyed by
 *       its SQL (Commons DBCP's {@link PoolingConnection}), the least recently used closed beyond
 *       {@link #STATEMENTS}. A cached statement holds no read snapshot: the client closes each result
 *       set, which resets the statement and ends its read transaction, so the next run sees the last
 *       commit.
 *   <li>Result sets describe their columns by name only. The client builds a full description of
 *       every column of every result (type number, type name and class, which sqlite-jdbc derives
 *       from the declared type with a regular expression, and a {@code Class.forName}), for a decoder
 *       that on SQLite reads each value by its storage class and never looks at them
 *       ({@link VertxJdbcInternals.Decoder}).
 * </ul>
 */
final class SqliteReads {
  /** The distinct statements a connection keeps: the API uses a few hundred in all. */
  static final int STATEMENTS = 256;

  private SqliteReads() {}

  /** {@code connection} shaped as above; closing the result closes its statements and the connection. */
  static Connection of(Connection connection) {
    Statements statements = new Statements(connection);
    GenericKeyedObjectPoolConfig<DelegatingPreparedStatement> config = new GenericKeyedObjectPoolConfig<>();
    // One connection runs one statement at a time: one idle statement per SQL text is enough.
    config.setMaxTotalPerKey(-1);
    config.setMaxIdlePerKey(1);
    config.setMaxTotal(STATEMENTS);
    config.setBlockWhenExhausted(false);
    config.setMaxWait(Duration.ZERO);
    config.setJmxEnabled(false);
    statements.setStatementPool(new GenericKeyedObjectPool<>(statements, config));
    return statements;
  }

  /** The statement cache, handing out statements whose result sets are {@link #namesOnly}. */
  private static final class Statements extends PoolingConnection {
    Statements(Connection connection) {
      super(connection);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"}) // DBCP's own factory passes its pool the same way
    public PooledObject<DelegatingPreparedStatement> makeObject(PStmtKey key) throws SQLException {
      if (key.getStmtType() != StatementType.PREPARED_STATEMENT) {
        return super.makeObject(key);
      }
      PreparedStatement statement = (PreparedStatement) key.createStatement(getDelegate());
      return new DefaultPooledObject<>(new NamedColumns(statement, key, (KeyedObjectPool) getStatementPool(), this));
    }
  }

  private static final class NamedColumns extends PoolablePreparedStatement<PStmtKey> {
    NamedColumns(PreparedStatement statement, PStmtKey key, KeyedObjectPool<PStmtKey, PoolablePreparedStatement<PStmtKey>> pool,
        Statements connection) {
      super(statement, key, pool, connection);
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
      return namesOnly(super.getResultSet());
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
      return namesOnly(super.executeQuery());
    }
  }

  /** {@code results}, whose metadata reports each column's name and count, and no type. */
  static ResultSet namesOnly(ResultSet results) {
    if (results == null) {
      return null;
    }
    return proxy(ResultSet.class, results, (method, args) -> method.getName().equals("getMetaData")
        ? proxy(ResultSetMetaData.class, results.getMetaData(), SqliteReads::untyped)
        : NOT_HANDLED);
  }

  /** The answers that would cost a type lookup: any type, no type name, no class. */
  private static Object untyped(Method method, Object[] args) {
    return switch (method.getName()) {
      case "getColumnType" -> Types.OTHER;
      case "getColumnTypeName", "getColumnClassName" -> null;
      default -> NOT_HANDLED;
    };
  }

  private static final Object NOT_HANDLED = new Object();

  @FunctionalInterface
  private interface Answers {
    /** The answer to {@code method}, or {@link #NOT_HANDLED} for the target's own. */
    Object answer(Method method, Object[] args) throws SQLException;
  }

  private static <T> T proxy(Class<T> type, T target, Answers answers) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
      Object answer = answers.answer(method, args);
      if (answer != NOT_HANDLED) {
        return answer;
      }
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }
}
