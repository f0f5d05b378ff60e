package dev.orch.kernel.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain JDBC for work that runs inside a {@link GroupCommit} transaction, on its worker thread: a
 * statement costs microseconds here, where a round trip through the asynchronous client costs a
 * tenth of a millisecond or more.
 */
public final class Sql {
  /** Statements kept prepared: the hot path uses a few dozen, each many times a second. */
  private static final int CACHED_STATEMENTS = 128;

  private final Connection connection;
  private final Map<String, PreparedStatement> prepared = new java.util.LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
      if (size() > CACHED_STATEMENTS) {
        closeQuietly(eldest.getValue());
        return true;
      }
      return false;
    }
  };

  /** Used by one thread at a time: the group commit's, one group after another. */
  Sql(Connection connection) {
    this.connection = connection;
  }

  Connection connection() {
    return connection;
  }

  /** Runs an INSERT, UPDATE or DELETE; returns the number of rows changed. */
  public int update(String sql, Object... params) throws SQLException {
    PreparedStatement statement = prepare(sql, params);
    try {
      return statement.executeUpdate();
    } catch (SQLException e) {
      evict(sql);
      throw e;
    }
  }

  /** Runs one statement once per parameter list; returns the rows changed by each. */
  public int[] batch(String sql, List<Object[]> paramLists) throws SQLException {
    if (paramLists.isEmpty()) {
      return new int[0];
    }
    PreparedStatement statement = statement(sql);
    try {
      for (Object[] params : paramLists) {
        bind(statement, params);
        statement.addBatch();
      }
      return statement.executeBatch();
    } catch (SQLException | RuntimeException e) {
      evict(sql);
      throw e;
    }
  }

  /** Runs a query; every row as column label → value. */
  public List<Rec> query(String sql, Object... params) throws SQLException {
    PreparedStatement statement = prepare(sql, params);
    try (ResultSet rs = statement.executeQuery()) {
      ResultSetMetaData meta = rs.getMetaData();
      int columns = meta.getColumnCount();
      String[] labels = new String[columns];
      for (int i = 0; i < columns; i++) {
        labels[i] = meta.getColumnLabel(i + 1);
      }
      List<Rec> out = new ArrayList<>();
      while (rs.next()) {
        Map<String, Object> values = new HashMap<>(columns * 2);
        for (int i = 0; i < columns; i++) {
          values.put(labels[i], rs.getObject(i + 1));
        }
        out.add(new Rec(values));
      }
      return out;
    } catch (SQLException e) {
      evict(sql);
      throw e;
    }
  }

  /** The first row of a query, or null. */
  public Rec first(String sql, Object... params) throws SQLException {
    List<Rec> rows = query(sql, params);
    return rows.isEmpty() ? null : rows.get(0);
  }

  private PreparedStatement prepare(String sql, Object[] params) throws SQLException {
    PreparedStatement statement = statement(sql);
    try {
      bind(statement, params);
      return statement;
    } catch (SQLException | RuntimeException e) {
      evict(sql);
      throw e;
    }
  }

  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement statement = prepared.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      prepared.put(sql, statement);
    } else {
      statement.clearParameters();
    }
    return statement;
  }

  /** A statement that failed is prepared afresh next time. */
  private void evict(String sql) {
    closeQuietly(prepared.remove(sql));
  }

  private static void closeQuietly(PreparedStatement statement) {
    if (statement == null) {
      return;
    }
    try {
      statement.close();
    } catch (SQLException ignored) {
      // the connection may be gone already; nothing is left to release
    }
  }

  private static void bind(PreparedStatement statement, Object[] params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      int at = i + 1;
      if (p == null) {
        statement.setNull(at, Types.NULL);
      } else if (p instanceof String s) {
        statement.setString(at, s);
      } else if (p instanceof Double d) {
        statement.setDouble(at, d);
      } else if (p instanceof Integer n) {
        statement.setInt(at, n);
      } else if (p instanceof Long n) {
        statement.setLong(at, n);
      } else if (p instanceof Boolean b) {
        statement.setBoolean(at, b);
      } else {
        throw new IllegalArgumentException("unsupported parameter type " + p.getClass().getName() + " at " + at);
      }
    }
  }

  /** One row. Numbers come back as the driver read them and are converted on access. */
  public record Rec(Map<String, Object> values) {
    public String getString(String column) {
      Object v = values.get(column);
      return v == null ? null : v.toString();
    }

    public Double getDouble(String column) {
      return values.get(column) instanceof Number n ? n.doubleValue() : null;
    }

    public Long getLong(String column) {
      return values.get(column) instanceof Number n ? n.longValue() : null;
    }

    public Integer getInteger(String column) {
      return values.get(column) instanceof Number n ? n.intValue() : null;
    }

    public int intOr(String column, int fallback) {
      Integer v = getInteger(column);
      return v == null ? fallback : v;
    }
  }
}
