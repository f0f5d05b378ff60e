package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.progress.ProgressVerticle;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.PgTestDatabase;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The event-stream suite again, on PostgreSQL, where event numbers are taken under the counter
 * row's lock; plus a second node (its own Vert.x and pool on the same schema) emitting at the same
 * time as the kernel.
 */
class EventsPostgresIT extends EventsIT {
  private PgTestDatabase pg;

  @Override
  protected JsonObject config(Path dataDir) {
    pg = PgTestDatabase.create();
    return super.config(dataDir).put("db_url", pg.url());
  }

  @AfterEach
  void dropSchema() {
    stop();
    pg.close();
  }

  @Test
  @DisplayName("two nodes emit 300 events at once: a stream sees ids 1..300 in order, and a reconnect resumes without gap")
  void twoNodes() throws Exception {
    Vertx other = Vertx.vertx();
    try {
      Db otherDb = Db.open(other, new OrchConfig.Db(pg.url(), "FULL", 5000, 8)).await(60, TimeUnit.SECONDS);
      other.deployVerticle(new ProgressVerticle(otherDb, Clock.systemUTC())).await(30, TimeUnit.SECONDS);
      Progress remote = new Progress(other.eventBus());
      SseClient first = connect(project, Map.of());
      awaitSubscribed(first);

      // The other node's publishes stay on its own bus here (no cluster), so this node's streams learn
      // of those events from the gaps they leave, or at the next keep-alive: the log fills them in.
      List<Future<Long>> sent = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        sent.add(progress.emit(project, null, EventTypes.TOOL_CALL, "here " + i, null));
        sent.add(remote.emit(project, null, EventTypes.TOOL_CALL, "there " + i, null));
        if (i == 75) {
          TestKernel.await(Future.all(sent));
          first.awaitEvents(100, WAIT);
          first.close();
        }
      }
      TestKernel.await(Future.all(sent));
      assertThat(sent.stream().map(Future::result).sorted().toList()).containsExactlyElementsOf(range(1, 300));
      List<Long> seen = first.ids();
      assertThat(seen).containsExactlyElementsOf(range(1, seen.size()));

      SseClient second = connect(project, Map.of("Last-Event-ID", Long.toString(seen.get(seen.size() - 1))));
      long end = TestKernel.await(remote.emit(project, null, EventTypes.PROJECT_COMPLETE, "All tasks finished.", null));
      assertThat(end).isEqualTo(301);
      second.awaitEnd(WAIT);
      List<Long> resumed = second.ids();
      assertThat(resumed).containsExactlyElementsOf(range(seen.get(seen.size() - 1) + 1, 301));
      assertThat(second.events().get(resumed.size() - 1).data().getString("message")).isEqualTo("All tasks finished.");
      otherDb.close().await(10, TimeUnit.SECONDS);
    } finally {
      other.close().await(30, TimeUnit.SECONDS);
    }
  }
}
