package dev.orch.kernel.projects;

import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** The projects suite again, on PostgreSQL. */
class ProjectsPostgresIT extends ProjectsIT {
  private PgTestDatabase pg;

  @Override
  protected JsonObject config(Path dataDir) {
    pg = PgTestDatabase.create();
    return super.config(dataDir).put("db_url", pg.url());
  }

  @AfterEach
  void dropSchema() {
    k.close();
    pg.close();
  }
}
