package dev.orch.kernel.executor;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link EscalationIT} suite again, on PostgreSQL: the V010 migration and the analytics queries. */
class EscalationPostgresIT extends EscalationIT {
  /** Registered before the suite's fixture, so it drops the schema after the fixture closed the kernel. */
  @RegisterExtension @Order(1) final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
