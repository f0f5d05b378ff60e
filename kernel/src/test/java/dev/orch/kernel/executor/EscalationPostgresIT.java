package dev.orch.kernel.executor;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link EscalationIT} suite again, on PostgreSQL: the V010 migration and the analytics queries. */
class EscalationPostgresIT extends EscalationIT {
  @RegisterExtension final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
