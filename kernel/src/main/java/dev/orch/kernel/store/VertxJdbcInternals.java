package dev.orch.kernel.store;

import io.vertx.jdbcclient.impl.ConnectionImpl;
import io.vertx.jdbcclient.impl.actions.JDBCColumnDescriptor;
import io.vertx.jdbcclient.impl.actions.SQLValueProvider;
import io.vertx.jdbcclient.spi.JDBCDecoderImpl;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.internal.SqlConnectionInternal;
import java.sql.Connection;
import java.sql.JDBCType;
import java.sql.SQLException;

/**
 * The one place that uses Vert.x JDBC client internals, where no public API serves (an architecture
 * test keeps every other class off {@code impl} and {@code internal} packages). Pinned by
 * {@code VertxJdbcInternalsTest}: an upgrade that changes either behaviour fails it.
 */
public final class VertxJdbcInternals {
  private VertxJdbcInternals() {}

  /**
   * The JDBC connection under a pooled connection, for the group commit's plain JDBC. The client's own
   * helper, {@code JDBCUtils.unwrap} (vert-x3/vertx-jdbc-client#285), is not public in 5.0. Under the
   * pool's {@link AutoCommitRestoring} proxy: a group's many calls (savepoints above all) go to the
   * driver's connection directly, not through reflection; the proxy's flag is clear whenever the pool
   * hands the connection out, and a group leaves autocommit on, as the proxy would.
   */
  static Connection physical(SqlConnection conn) {
    io.vertx.sqlclient.internal.Connection c = ((SqlConnectionInternal) conn).unwrap();
    while (!(c instanceof ConnectionImpl) && c.unwrap() != c) {
      c = c.unwrap();
    }
    if (!(c instanceof ConnectionImpl jdbc)) {
      throw new IllegalStateException("not a JDBC client connection: " + c.getClass().getName());
    }
    try {
      return jdbc.getJDBCConnection().unwrap(Connection.class);
    } catch (SQLException e) {
      return jdbc.getJDBCConnection();
    }
  }

  /**
   * Reads REAL and FLOAT columns as {@code Double}. The client reads them as {@code Float}, and SQLite
   * reports every computed real (a {@code SUM}, an {@code AVG}, a difference) as one of the two, so
   * money sums kept only 7 digits. Both databases store 8-byte reals, and JDBC itself defines FLOAT as
   * a double, so nothing is lost by reading them wide. The decoder SPI (vert-x3/vertx-jdbc-client#235)
   * takes its value and column types from the client's {@code impl.actions} package. Installed through
   * {@code META-INF/services/io.vertx.jdbcclient.spi.JDBCDecoder}, consulted when a connection opens.
   */
  public static final class DoublePrecisionDecoder extends JDBCDecoderImpl {
    @Override
    protected Object decodeNumber(SQLValueProvider value, JDBCColumnDescriptor column) throws SQLException {
      JDBCType type = column.jdbcType();
      if (type == JDBCType.REAL || type == JDBCType.FLOAT) {
        return cast(value.apply(Double.class));
      }
      return super.decodeNumber(value, column);
    }
  }
}
