package dev.orch.kernel.git;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link GitIT} suite again, on PostgreSQL; a restart within a test finds the same schema. */
class GitPostgresIT extends GitIT {
  /** Registered before the suite's fixture, so it drops the schema after the fixture closed the kernel. */
  @RegisterExtension @Order(1) final PgSchemas pg = new PgSchemas();
  private JsonObject config;

  @Override
  protected JsonObject config(Path dataDir) {
    if (config == null) {
      config = pg.on(super.config(dataDir));
    }
    return config.copy();
  }
}
