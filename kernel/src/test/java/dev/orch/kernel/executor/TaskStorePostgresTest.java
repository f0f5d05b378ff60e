package dev.orch.kernel.executor;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.testing.PgSchemas;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The same forwarding, in PostgreSQL's SQL. */
class TaskStorePostgresTest extends TaskStoreTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();

  @Override
  protected OrchConfig.Db dbConfig() {
    return schemas.db();
  }
}
