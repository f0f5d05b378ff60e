package dev.orch.kernel.testing;

import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a suite again on PostgreSQL: each kernel the test starts gets a throwaway schema, dropped
 * after the test (after the suite's own {@code @AfterEach} closed the kernel). Register it with
 * {@code @RegisterExtension} and route the suite's config through {@link #on}.
 */
public final class PgSchemas implements AfterEachCallback {
  private final List<PgTestDatabase> schemas = new ArrayList<>();
  private PgTestDatabase shared;

  /** {@code config} pointed at a fresh schema. */
  public JsonObject on(JsonObject config) {
    PgTestDatabase pg = PgTestDatabase.create();
    schemas.add(pg);
    return config.put("db_url", pg.url());
  }

  /**
   * The test's one schema as a pool configuration, for suites that open the database themselves,
   * perhaps twice in a test (a second "node"): created on first use, dropped after the test, once the
   * suite's own {@code @AfterEach} has closed its pools.
   */
  public OrchConfig.Db db() {
    if (shared == null) {
      shared = PgTestDatabase.create();
      schemas.add(shared);
    }
    return new OrchConfig.Db(shared.url(), "FULL", 5000, 8);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    schemas.forEach(PgTestDatabase::close);
    schemas.clear();
    shared = null;
  }
}
