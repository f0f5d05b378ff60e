package dev.orch.kernel.admin;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link AdminIT} suite again, on PostgreSQL: the same migrations and repository code. */
class AdminPostgresIT extends AdminIT {
  @RegisterExtension final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
