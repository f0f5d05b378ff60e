package dev.orch.kernel.store;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.testing.PgTestDatabase;
import org.junit.jupiter.api.AfterEach;

/** The pool checks again, on PostgreSQL with a pool of several connections. */
class DbPostgresTest extends DbTest {
  private PgTestDatabase pg;

  @Override
  protected OrchConfig.Db dbConfig() {
    if (pg == null) {
      pg = PgTestDatabase.create();
    }
    return new OrchConfig.Db(pg.url(), "FULL", 5000, 8);
  }

  @AfterEach
  void dropSchema() throws Exception {
    db.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
    pg.close();
  }
}
