package dev.orch.kernel.store;

import io.vertx.jdbcclient.impl.actions.JDBCColumnDescriptor;
import io.vertx.jdbcclient.impl.actions.SQLValueProvider;
import io.vertx.jdbcclient.spi.JDBCDecoderImpl;
import java.sql.JDBCType;
import java.sql.SQLException;

/**
 * Reads REAL and FLOAT columns as {@code Double}. The Vert.x JDBC client reads them as
 * {@code Float}, and SQLite reports every computed real (a {@code SUM}, an {@code AVG}, a
 * difference) as one of the two, so money sums kept only 7 digits. Both databases store 8-byte
 * reals, and JDBC itself defines FLOAT as a double, so nothing is lost by reading them wide.
 *
 * <p>Installed through {@code META-INF/services/io.vertx.jdbcclient.spi.JDBCDecoder}, which the
 * client consults when it opens a connection.
 */
public final class DoublePrecisionDecoder extends JDBCDecoderImpl {
  @Override
  protected Object decodeNumber(SQLValueProvider value, JDBCColumnDescriptor column) throws SQLException {
    JDBCType type = column.jdbcType();
    if (type == JDBCType.REAL || type == JDBCType.FLOAT) {
      return cast(value.apply(Double.class));
    }
    return super.decodeNumber(value, column);
  }
}
