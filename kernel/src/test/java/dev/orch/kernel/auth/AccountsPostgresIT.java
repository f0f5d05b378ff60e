package dev.orch.kernel.auth;

import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The whole accounts suite again, on PostgreSQL: the same migrations and repository code. */
class AccountsPostgresIT extends AccountsIT {
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
