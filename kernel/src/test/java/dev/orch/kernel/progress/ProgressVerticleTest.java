package dev.orch.kernel.progress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress log on the bus, against the production schema: a fresh SQLite file here, a fresh
 * PostgreSQL schema in {@link ProgressVerticlePostgresTest}.
 */
@ExtendWith(VertxExtension.class)
class ProgressVerticleTest {
  static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(20_000);

  @TempDir Path dir;
  Vertx vertx;
  Db db;
  final MutableClock clock = new MutableClock();

  /** The database this suite runs on; the PostgreSQL variant points it at a fresh schema. */
  protected OrchConfig.Db dbConfig() {
    return new OrchConfig.Db("jdbc:sqlite:" + dir.resolve("orch.db"), "NORMAL", 5000, 8);
  }

  @BeforeEach
  void deploy(Vertx vertx) throws Exception {
    this.vertx = vertx;
    db = Db.open(vertx, dbConfig()).await(60, TimeUnit.SECONDS);
    vertx.deployVerticle(new ProgressVerticle(db, clock)).await(30, TimeUnit.SECONDS);
    project("p00000000001");
    project("p00000000002");
  }

  @AfterEach
  void closeDb() throws Exception {
    db.close().await(10, TimeUnit.SECONDS);
  }

  // ---- helpers ----

  void project(String id) {
    sql(db, "INSERT INTO projects (id, name, requirements, status, created_at, updated_at)"
        + " VALUES (?, 'n', 'r', 'executing', 1, 1)", id);
  }

  void task(String projectId, String taskId) {
    sql(db, "INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " SELECT ?, ?, 1, 'm', '{}', 'approved', 1 WHERE NOT EXISTS (SELECT 1 FROM plans WHERE id = ?)",
        projectId + "pl", projectId, projectId + "pl");
    sql(db, "INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, created_at, updated_at)"
        + " VALUES (?, ?, ?, 't', 'd', 'code', 1, 1)", taskId, projectId, projectId + "pl");
  }

  static List<Row> sql(Db db, String statement, Object... params) {
    List<Row> rows = new ArrayList<>();
    await(db.pool().preparedQuery(statement).execute(Tuple.wrap(params))).forEach(rows::add);
    return rows;
  }

  static JsonObject body(String projectId, String taskId, String type, String message, JsonObject data) {
    return new JsonObject().put("project_id", projectId).put("task_id", taskId).put("type", type)
        .put("message", message).put("data", data);
  }

  static Future<Long> emit(Vertx vertx, String projectId, String type) {
    return vertx.eventBus().<JsonObject>request(ProgressAddresses.EMIT, body(projectId, null, type, "m", null), TIMEOUT)
        .map(reply -> reply.body().getLong("id"));
  }

  ReplyException failure(Object body) {
    try {
      vertx.eventBus().request(ProgressAddresses.EMIT, body, TIMEOUT).await(30, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a ReplyException", e);
    }
    throw new AssertionError("expected the emit to fail");
  }

  List<JsonObject> subscribe(String projectId) {
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    await(vertx.eventBus().<JsonObject>consumer(ProgressAddresses.project(projectId), m -> seen.add(m.body()))
        .completion());
    return seen;
  }

  static List<Long> seqs(Db db, String projectId) {
    return sql(db, "SELECT seq FROM task_events WHERE project_id = ? ORDER BY id", projectId).stream()
        .map(r -> r.getLong("seq")).toList();
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  static void waitFor(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- tests ----

  @Test
  @DisplayName("100 concurrent emits get the ids 1..100, each stored once under its number")
  void numbersWithoutGaps() {
    List<Future<Long>> replies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      replies.add(emit(vertx, "p00000000001", EventTypes.TOOL_CALL));
    }
    await(Future.all(replies));
    assertThat(replies.stream().map(Future::result).sorted().toList()).containsExactlyElementsOf(range(1, 100));
    assertThat(seqs(db, "p00000000001")).containsExactlyElementsOf(range(1, 100));
  }

  @Test
  @DisplayName("events from one sender are numbered and published in the order they were sent")
  void keepsSendOrder() {
    List<JsonObject> seen = subscribe("p00000000001");
    List<Future<Long>> replies = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      replies.add(vertx.eventBus().<JsonObject>request(ProgressAddresses.EMIT,
          body("p00000000001", null, EventTypes.TOOL_CALL, "call " + i, null), TIMEOUT)
          .map(reply -> reply.body().getLong("id")));
    }
    await(Future.all(replies));
    assertThat(replies.stream().map(Future::result).toList()).containsExactlyElementsOf(range(1, 50));
    waitFor(() -> seen.size() == 50, "50 publishes");
    assertThat(seen).extracting(e -> e.getLong("id")).containsExactlyElementsOf(range(1, 50));
    assertThat(seen).extracting(e -> e.getString("message")).containsExactlyElementsOf(
        range(0, 49).stream().map(i -> "call " + i).toList());
  }

  @Test
  @DisplayName("each project has its own numbering")
  void perProject() {
    List<Future<Long>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(emit(vertx, i % 2 == 0 ? "p00000000001" : "p00000000002", EventTypes.TASK_START));
    }
    await(Future.all(replies));
    assertThat(seqs(db, "p00000000001")).containsExactlyElementsOf(range(1, 10));
    assertThat(seqs(db, "p00000000002")).containsExactlyElementsOf(range(1, 10));
  }

  @Test
  @DisplayName("the event is published after it is stored, as the SSE payload plus its id")
  void publishesAfterStore() {
    task("p00000000001", "t00000000001");
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    List<Long> storedWhenSeen = new CopyOnWriteArrayList<>();
    await(vertx.eventBus().<JsonObject>consumer(ProgressAddresses.project("p00000000001"), m -> {
      seen.add(m.body());
      db.pool().preparedQuery("SELECT COUNT(*) AS n FROM task_events WHERE project_id = ? AND seq = ?")
          .execute(Tuple.of("p00000000001", m.body().getLong("id")))
          .onSuccess(rows -> storedWhenSeen.add(rows.iterator().next().getLong("n")));
    }).completion());
    double before = clock.millis() / 1000.0;
    JsonObject data = new JsonObject().put("cost_usd", 0.25).put("type", "not-this").put("id", 99);
    JsonObject reply = await(vertx.eventBus().<JsonObject>request(ProgressAddresses.EMIT,
        body("p00000000001", "t00000000001", EventTypes.TASK_COMPLETE, "Write it", data), TIMEOUT)
        .map(Message::body));
    assertThat(reply).isEqualTo(new JsonObject().put("id", 1L));
    waitFor(() -> storedWhenSeen.size() == 1, "the publish");
    assertThat(storedWhenSeen).containsExactly(1L);
    JsonObject event = seen.get(0);
    assertThat(event.fieldNames()).containsExactly("type", "message", "project_id", "task_id", "timestamp", "cost_usd",
        "id");
    assertThat(event.getString("type")).isEqualTo(EventTypes.TASK_COMPLETE);
    assertThat(event.getString("message")).isEqualTo("Write it");
    assertThat(event.getString("project_id")).isEqualTo("p00000000001");
    assertThat(event.getString("task_id")).isEqualTo("t00000000001");
    assertThat(event.getDouble("timestamp")).isBetween(before, before + 10);
    assertThat(event.getDouble("cost_usd")).isEqualTo(0.25);
    assertThat(event.getLong("id")).isEqualTo(1L);

    Row row = sql(db, "SELECT task_id, event_type, message, data_json, timestamp, seq FROM task_events").get(0);
    assertThat(row.getString("event_type")).isEqualTo(EventTypes.TASK_COMPLETE);
    assertThat(row.getString("task_id")).isEqualTo("t00000000001");
    assertThat(new JsonObject(row.getString("data_json"))).isEqualTo(data);
    assertThat(row.getDouble("timestamp")).isEqualTo(event.getDouble("timestamp"));
    // The log reads back the same payload that was published.
    List<EventRepository.Stored> replay = await(new EventRepository(db).after("p00000000001", 0, 10));
    assertThat(replay).singleElement().satisfies(s -> assertThat(s.payload()).isEqualTo(event));
  }

  @Test
  @DisplayName("an unknown project fails 404; nothing is stored or published and the numbering is untouched")
  void unknownProject() {
    List<JsonObject> seen = subscribe("nope00000000");
    ReplyException err = failure(body("nope00000000", null, EventTypes.TASK_START, "m", null));
    assertThat(err.failureCode()).isEqualTo(404);
    assertThat(err.getMessage()).isEqualTo("Project nope00000000 not found");
    assertThat(sql(db, "SELECT COUNT(*) AS n FROM task_events").get(0).getLong("n")).isZero();
    assertThat(sql(db, "SELECT COUNT(*) AS n FROM event_counters").get(0).getLong("n")).isZero();
    assertThat(seen).isEmpty();
  }

  @Test
  @DisplayName("a task of another project fails 404 and gives its number back")
  void foreignTask() {
    task("p00000000002", "t00000000002");
    ReplyException err = failure(body("p00000000001", "t00000000002", EventTypes.TASK_START, "m", null));
    assertThat(err.failureCode()).isEqualTo(404);
    assertThat(err.getMessage()).isEqualTo("Task t00000000002 not found");
    assertThat(await(emit(vertx, "p00000000001", EventTypes.TASK_START))).isEqualTo(1L);
  }

  @Test
  @DisplayName("malformed bodies fail 400")
  void malformed() {
    assertThat(failure("text").failureCode()).isEqualTo(400);
    assertThat(failure(new JsonObject().put("type", "x")).failureCode()).isEqualTo(400);
    assertThat(failure(body("p00000000001", null, null, "m", null)).failureCode()).isEqualTo(400);
    assertThat(failure(body("p00000000001", null, "two\nlines", "m", null)).failureCode()).isEqualTo(400);
    assertThat(failure(body("p00000000001", null, "x", "m", null).put("data", "text")).failureCode()).isEqualTo(400);
    assertThat(failure(body("p00000000001", null, "x", "m", null).put("task_id", 7)).failureCode()).isEqualTo(400);
    assertThat(sql(db, "SELECT COUNT(*) AS n FROM task_events").get(0).getLong("n")).isZero();
  }

  @Test
  @DisplayName("Progress.emit answers the id, and null instead of failing when the event cannot be logged")
  void progressHelper() {
    Progress progress = new Progress(vertx.eventBus());
    assertThat(await(progress.emit("p00000000001", null, EventTypes.BUDGET_WARNING, "Budget limit reached.")))
        .isEqualTo(1L);
    assertThat(await(progress.emit("nope00000000", null, EventTypes.BUDGET_WARNING, "m"))).isNull();
  }
}
