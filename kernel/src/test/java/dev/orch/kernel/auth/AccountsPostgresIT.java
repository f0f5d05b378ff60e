package dev.orch.kernel.auth;

import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link AccountsIT} suite again, on PostgreSQL: the same migrations and repository code. */
class AccountsPostgresIT extends AccountsIT {
  @RegisterExtension final PgSchemas pg = new PgSchemas();

  @Override
  protected JsonObject config(Path dataDir) {
    return pg.on(super.config(dataDir));
  }
}
