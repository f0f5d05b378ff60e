package dev.orch.kernel.tasks;

import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** The {@link TasksIT} suite again, on PostgreSQL. */
class TasksPostgresIT extends TasksIT {
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
