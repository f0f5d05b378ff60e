package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.RateSpec;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two nodes' limiters on one PostgreSQL database share one count per client. */
@ExtendWith(VertxExtension.class)
class SharedRateLimiterPostgresTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();
  final List<Db> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (Db db : opened) {
      db.close().await(10, TimeUnit.SECONDS);
    }
  }

  private RateLimiter node(Vertx vertx) throws Exception {
    Db db = Db.open(vertx, schemas.db()).await(60, TimeUnit.SECONDS);
    opened.add(db);
    return RateLimiter.shared(db).rule("login", RateSpec.parse("login", "6/hour"));
  }

  private static int status(Future<Void> taken) throws Exception {
    try {
      taken.await(10, TimeUnit.SECONDS);
      return 200;
    } catch (OrchestratorException refused) {
      return refused.status();
    }
  }

  @Test
  @DisplayName("two nodes' limiters on one database let a client through as often as the limit says, not twice as often")
  void countsAcrossNodes(Vertx vertx) throws Exception {
    RateLimiter a = node(vertx);
    RateLimiter b = node(vertx);
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      statuses.add(status((i % 2 == 0 ? a : b).take("login", "10.0.0.1")));
    }
    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 200, 429, 429);
    assertThat(status(b.take("login", "10.0.0.2"))).as("another client has its own count").isEqualTo(200);
  }
}
