package dev.orch.kernel.projects;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link ProjectsIT} suite again, on PostgreSQL: the same migrations and repository code. */
class ProjectsPostgresIT extends ProjectsIT {
  @RegisterExtension final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
