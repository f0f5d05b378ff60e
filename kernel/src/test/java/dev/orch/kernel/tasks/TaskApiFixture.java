package dev.orch.kernel.tasks;

import dev.orch.kernel.state.TaskContexts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.progress.ProgressAddresses;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real kernel with three users (the first, {@code admin}, is an admin), SQL seeding of plans and
 * task DAGs, and recorders of what the API tells the executor and the progress log over the bus.
 */
abstract class TaskApiFixture {
  @TempDir Path dir;
  TestKernel k;
  String admin;
  String alice;
  String bob;

  /** What the API published to the executor. */
  final List<JsonObject> wakes = new CopyOnWriteArrayList<>();
  final List<JsonObject> cancels = new CopyOnWriteArrayList<>();
  final List<JsonObject> completions = new CopyOnWriteArrayList<>();
  /** Progress events, as {@code {type, message, project_id, task_id, data}}. */
  final List<JsonObject> events = new CopyOnWriteArrayList<>();

  private final AtomicLong createdAt = new AtomicLong(1_000);
  private final AtomicInteger eventIds = new AtomicInteger();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  /** The kernel configuration; the PostgreSQL variants point it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  @BeforeEach
  void startKernel() {
    k = TestKernel.start(config(dir));
    admin = k.signUp("admin@example.com", "password0").getString("access_token");
    alice = k.signUp("alice@example.com", "password1").getString("access_token");
    bob = k.signUp("bob@example.com", "password2").getString("access_token");
    var bus = k.vertx.eventBus();
    listen(bus.<JsonObject>consumer(ExecutorAddresses.WAKE, m -> wakes.add(m.body())));
    listen(bus.<JsonObject>consumer(ExecutorAddresses.CANCEL, m -> cancels.add(m.body())));
    listen(bus.<JsonObject>consumer(ExecutorAddresses.COMPLETED, m -> completions.add(m.body())));
    // This branch has no progress log; stand in for it. Where the real one runs too, the bus hands each
    // event to one of the two, and the real one publishes it on the project's address (see progressOf).
    listen(bus.<JsonObject>consumer(ProgressAddresses.EMIT, m -> {
      JsonObject b = m.body();
      events.add(new JsonObject().put("type", b.getString("type")).put("message", b.getString("message"))
          .put("project_id", b.getString("project_id")).put("task_id", b.getString("task_id"))
          .put("data", b.getJsonObject("data")));
      m.reply(new JsonObject().put("id", (long) eventIds.incrementAndGet()));
    }));
  }

  @AfterEach
  void stopKernel() {
    k.close();
  }

  private void listen(MessageConsumer<?> consumer) {
    consumers.add(consumer);
    TestKernel.await(consumer.completion());
  }

  /** Also records the events the real progress log publishes for {@code projectId}, when it runs. */
  void progressOf(String projectId) {
    listen(k.vertx.eventBus().<JsonObject>consumer(ProgressAddresses.project(projectId), m -> {
      JsonObject b = m.body().copy();
      JsonObject data = new JsonObject();
      for (String key : b.fieldNames()) {
        if (!List.of("id", "type", "message", "project_id", "task_id", "timestamp").contains(key)) {
          data.put(key, b.getValue(key));
        }
      }
      events.add(new JsonObject().put("type", b.getString("type")).put("message", b.getString("message"))
          .put("project_id", b.getString("project_id")).put("task_id", b.getString("task_id"))
          .put("data", data.isEmpty() ? null : data));
    }));
  }

  // ---- seeding ----

  String project(String token, JsonObject config) {
    var res = k.post("/api/projects", new JsonObject().put("name", "P").put("requirements", "Build it.")
        .put("config", config), token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getString("id");
  }

  String project(String token) {
    return project(token, new JsonObject());
  }

  void projectStatus(String projectId, String status) {
    k.sql("UPDATE projects SET status = ? WHERE id = ?", status, projectId);
  }

  String plan(String projectId) {
    String planId = Ids.short12();
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'claude-sonnet-4-6', '{\"summary\":\"s\",\"tasks\":[]}', 'approved', 1)", planId, projectId);
    return planId;
  }

  /** A task row as decomposition would write it; later calls are newer. */
  String task(String projectId, String planId, String title, String status, int wave, int priority, String tier,
      String... dependsOn) {
    String id = Ids.short12();
    double at = createdAt.incrementAndGet();
    k.sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, priority, status, model_tier,"
        + " wave, phase, tools_json, system_prompt, max_tokens, requirement_ids_json, created_at,"
        + " updated_at) VALUES (?, ?, ?, ?, ?, 'code', ?, ?, ?, ?, 'Build', '[\"read_file\"]', 'Be brief.', 2048,"
        + " '[\"R1\"]', ?, ?)",
        id, projectId, planId, title, "Description of " + title, priority, status, tier, wave, at, at);
    k.sql("INSERT INTO task_contexts (task_id, context_json) VALUES (?, ?)", id,
        new JsonArray().add(new JsonObject().put("type", "task_description").put("content", title)).encode());
    for (String dep : dependsOn) {
      k.sql("INSERT INTO task_deps (task_id, depends_on) VALUES (?, ?)", id, dep);
    }
    return id;
  }

  String checkpoint(String projectId, String taskId) {
    String id = Ids.short12();
    k.sql("INSERT INTO checkpoints (id, project_id, task_id, checkpoint_type, summary, attempts_json, question,"
        + " created_at) VALUES (?, ?, ?, 'retry_exhausted', ?, '[{\"message\":\"boom\",\"timestamp\":5.5}]',"
        + " 'How should we proceed? Options: retry with modified approach, skip this task, or fail it.', ?)",
        id, projectId, taskId, "Task 'T' failed after 2 attempts", (double) createdAt.incrementAndGet());
    return id;
  }

  /** One column of one row, e.g. {@code column("tasks", id, "retry_count")}. */
  Object column(String table, String id, String column) {
    var rows = TestKernel.await(k.kernel.db().pool().preparedQuery("SELECT " + column + " FROM " + table + " WHERE id = ?")
        .execute(io.vertx.sqlclient.Tuple.of(id)));
    return rows.iterator().next().getValue(0);
  }

  /** The task's stored context. */
  JsonArray context(String taskId) {
    var rows = TestKernel.await(k.kernel.db().pool().preparedQuery("SELECT " + TaskContexts.COLUMN + " FROM tasks"
        + TaskContexts.JOIN + " WHERE tasks.id = ?").execute(io.vertx.sqlclient.Tuple.of(taskId)));
    return new JsonArray(rows.iterator().next().getString("context_json"));
  }

  String status(String taskId) {
    return (String) column("tasks", taskId, "status");
  }

  // ---- assertions ----

  static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  static void assertError(HttpResponse<Buffer> res, int status, String detail) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(status);
    assertThat(detail(res)).isEqualTo(detail);
  }

  static JsonObject ok(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  static JsonArray okList(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonArray();
  }

  static List<String> ids(JsonArray items) {
    return items.stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  /** Waits up to five seconds for {@code check} to pass: bus deliveries are asynchronous. */
  static void eventually(Runnable check) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  static JsonObject wakeOf(String projectId) {
    return new JsonObject().put("project_id", projectId);
  }

  static JsonObject cancelOf(String projectId, String taskId) {
    return new JsonObject().put("project_id", projectId).put("task_id", taskId);
  }
}
