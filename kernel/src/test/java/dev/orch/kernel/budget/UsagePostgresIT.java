package dev.orch.kernel.budget;

import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The usage suite again, on PostgreSQL. */
class UsagePostgresIT extends UsageIT {
  private final List<PgTestDatabase> schemas = new ArrayList<>();

  @Override
  protected JsonObject config(Path dataDir) {
    PgTestDatabase pg = PgTestDatabase.create();
    schemas.add(pg);
    return super.config(dataDir).put("db_url", pg.url());
  }

  @AfterEach
  void dropSchemas() {
    k.close();
    schemas.forEach(PgTestDatabase::close);
  }
}
