package dev.orch.kernel.store;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.testing.PgSchemas;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The pool checks again, on PostgreSQL with a pool of several connections. */
class DbPostgresTest extends DbTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();

  @Override
  protected OrchConfig.Db dbConfig() {
    return schemas.db();
  }
}
