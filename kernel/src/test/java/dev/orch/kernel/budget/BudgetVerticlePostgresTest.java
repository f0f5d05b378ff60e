package dev.orch.kernel.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The budget suite again, on PostgreSQL, where the pool has many connections and only the table lock
 * keeps reservations apart; plus two "nodes" (separate Vert.x instances and pools) racing.
 */
class BudgetVerticlePostgresTest extends BudgetVerticleTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();

  @Override
  protected OrchConfig.Db dbConfig() {
    return schemas.db();
  }

  @Test
  @DisplayName("two nodes with their own pools race for the last 10 cents: exactly 10 reservations win in all")
  void twoNodes() throws Exception {
    deploy(limits(1.00, 100, 100));
    record(usage(null, null, null, 0.90));
    Vertx other = Vertx.vertx();
    try {
      Db otherDb = Db.open(other, dbConfig()).await(60, TimeUnit.SECONDS);
      other.deployVerticle(new BudgetVerticle(limits(1.00, 100, 100), otherDb, clock)).await(30, TimeUnit.SECONDS);
      List<Future<JsonObject>> replies = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        Vertx node = i % 2 == 0 ? vertx : other;
        replies.add(node.eventBus().<JsonObject>request(BudgetAddresses.RESERVE,
            ReserveRequest.of(0.01, null).toJson(), TIMEOUT).map(Message::body));
      }
      settle(replies);
      assertRace(replies, 10, "Daily budget limit reached");
      assertThat(count("SELECT COUNT(*) FROM budget_reservations")).isEqualTo(10);
    } finally {
      other.close().await(30, TimeUnit.SECONDS);
    }
  }
}
