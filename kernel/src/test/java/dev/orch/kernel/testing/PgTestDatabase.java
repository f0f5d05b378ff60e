package dev.orch.kernel.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway schema on a real PostgreSQL: {@code ORCH_TEST_PG_URL}, else the local server
 * (127.0.0.1:5432, database {@code test}). When none answers, the test is skipped with the
 * reason, unless {@code ORCH_TEST_PG_REQUIRED=1} (CI), where it fails.
 */
public final class PgTestDatabase implements AutoCloseable {
  private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private final String baseUrl;
  private final String schema;

  private PgTestDatabase(String baseUrl, String schema) {
    this.baseUrl = baseUrl;
    this.schema = schema;
  }

  /** Checks the server is reachable and names a fresh schema (Flyway creates it). */
  public static PgTestDatabase create() {
    String url = System.getenv().getOrDefault("ORCH_TEST_PG_URL", DEFAULT_URL);
    try (Connection c = DriverManager.getConnection(url)) {
      c.isValid(5);
    } catch (SQLException e) {
      String reason = "PostgreSQL not reachable at " + url.replaceAll("password=[^&]*", "password=***")
          + " (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("ORCH_TEST_PG_REQUIRED"))) {
        throw new AssertionError(reason + "; ORCH_TEST_PG_REQUIRED=1", e);
      }
      Assumptions.abort(reason);
    }
    return new PgTestDatabase(url, "orch_t_" + dev.orch.kernel.store.Ids.hex(6));
  }

  /** The JDBC URL that selects this test's schema. */
  public String url() {
    return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop test schema " + schema, e);
    }
  }
}
