package dev.orch.kernel.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.PgSchemas;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The progress suite again, on PostgreSQL, where the pool has many connections and only the counter
 * row's lock keeps numbers in commit order; plus two "nodes" (separate Vert.x instances and pools)
 * numbering one project at once.
 */
class ProgressVerticlePostgresTest extends ProgressVerticleTest {
  @RegisterExtension final PgSchemas schemas = new PgSchemas();

  @Override
  protected OrchConfig.Db dbConfig() {
    return schemas.db();
  }

  @Test
  @DisplayName("two nodes emit 400 events for one project at once: ids 1..400, and whoever sees id n finds 1..n stored")
  void twoNodes() throws Exception {
    Vertx other = Vertx.vertx();
    try {
      Db otherDb = Db.open(other, dbConfig()).await(60, TimeUnit.SECONDS);
      other.deployVerticle(new ProgressVerticle(otherDb, clock)).await(30, TimeUnit.SECONDS);
      // A subscriber on each node checks, for each event it sees, that no lower number is missing.
      List<String> problems = new CopyOnWriteArrayList<>();
      List<Long> seen = new CopyOnWriteArrayList<>();
      for (Vertx node : List.of(vertx, other)) {
        Db nodeDb = node == vertx ? db : otherDb;
        await(node.eventBus().<JsonObject>consumer(ProgressAddresses.project("p00000000001"), m -> {
          long id = m.body().getLong("id");
          nodeDb.pool().preparedQuery("SELECT COUNT(*) AS n FROM task_events WHERE project_id = ? AND seq <= ?")
              .execute(Tuple.of("p00000000001", id))
              .onSuccess(rows -> {
                long n = rows.iterator().next().getLong("n");
                if (n != id) {
                  problems.add("saw " + id + " with " + n + " stored at or below it");
                }
                seen.add(id);
              })
              .onFailure(err -> problems.add(err.toString()));
        }).completion());
      }
      List<Future<Long>> fromThis = new ArrayList<>();
      List<Future<Long>> fromOther = new ArrayList<>();
      List<Future<Long>> otherProject = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fromThis.add(emit(vertx, "p00000000001", EventTypes.TOOL_CALL));
        fromOther.add(emit(other, "p00000000001", EventTypes.TOOL_CALL));
        if (i % 10 == 0) {
          // Another project in between takes another counter and must not disturb this one.
          otherProject.add(emit(other, "p00000000002", EventTypes.TASK_START));
        }
      }
      await(Future.all(fromThis));
      await(Future.all(fromOther));
      await(Future.all(otherProject));
      List<Long> ids = fromThis.stream().map(Future::result).toList();
      List<Long> otherIds = fromOther.stream().map(Future::result).toList();
      // Each node's own events keep their send order.
      assertThat(ids).isSorted();
      assertThat(otherIds).isSorted();
      List<Long> all = new ArrayList<>(ids);
      all.addAll(otherIds);
      assertThat(all.stream().sorted().toList()).containsExactlyElementsOf(range(1, 400));
      assertThat(seqs(db, "p00000000001").stream().sorted().toList()).containsExactlyElementsOf(range(1, 400));
      assertThat(seqs(db, "p00000000002")).containsExactlyElementsOf(range(1, 20));
      waitFor(() -> seen.size() == 400, "each node's publishes");
      assertThat(problems).isEmpty();
      otherDb.close().await(10, TimeUnit.SECONDS);
    } finally {
      other.close().await(30, TimeUnit.SECONDS);
    }
  }
}
