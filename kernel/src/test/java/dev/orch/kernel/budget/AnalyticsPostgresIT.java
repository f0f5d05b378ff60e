package dev.orch.kernel.budget;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link AnalyticsIT} suite again, on PostgreSQL: the same migrations and repository code. */
class AnalyticsPostgresIT extends AnalyticsIT {
  @RegisterExtension final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
