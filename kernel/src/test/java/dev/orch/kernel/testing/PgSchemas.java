package dev.orch.kernel.testing;

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

  /** {@code config} pointed at a fresh schema. */
  public JsonObject on(JsonObject config) {
    PgTestDatabase pg = PgTestDatabase.create();
    schemas.add(pg);
    return config.put("db_url", pg.url());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    schemas.forEach(PgTestDatabase::close);
    schemas.clear();
  }
}
