package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Db;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Forwarding a completed task's output into its dependants' contexts, on a real SQLite file. */
@ExtendWith(VertxExtension.class)
class TaskStoreTest {
  @TempDir Path dir;
  Db db;
  TaskStore store;

  protected OrchConfig.Db dbConfig() {
    return new OrchConfig.Db("jdbc:sqlite:" + dir.resolve("orch.db"), "FULL", 5000, 8);
  }

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    db = Db.open(vertx, dbConfig()).await(60, TimeUnit.SECONDS);
    store = new TaskStore(db, Clock.systemUTC(), null);
    sql("INSERT INTO users (id, email, password_hash, created_at) VALUES ('u1', 'a@example.com', 'x', 1)");
    sql("INSERT INTO projects (id, name, requirements, status, owner_id, created_at, updated_at)"
        + " VALUES ('p1', 'p', 'r', 'executing', 'u1', 1, 1)");
    sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES ('pl1', 'p1', 1, 'm', '{}', 'approved', 1)");
    task("done", "completed", "[]");
  }

  @AfterEach
  void close() throws Exception {
    db.close().await(10, TimeUnit.SECONDS);
  }

  private void sql(String statement, Object... params) throws Exception {
    db.pool().preparedQuery(statement).execute(Tuple.wrap(params)).await(10, TimeUnit.SECONDS);
  }

  private void task(String id, String status, String context) throws Exception {
    sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, status, created_at, updated_at)"
        + " VALUES (?, 'p1', 'pl1', ?, 'd', 'code', ?, 1, 1)", id, "Title " + id, status);
    sql("INSERT INTO task_contexts (task_id, context_json) VALUES (?, ?)", id, context);
  }

  private JsonArray context(String id) throws Exception {
    return new JsonArray(db.pool().preparedQuery("SELECT " + dev.orch.kernel.state.TaskContexts.COLUMN + " FROM tasks"
        + dev.orch.kernel.state.TaskContexts.JOIN + " WHERE tasks.id = ?")
        .execute(Tuple.of(id)).await(10, TimeUnit.SECONDS).iterator().next().getString("context_json"));
  }

  private String status(String id) throws Exception {
    return db.pool().preparedQuery("SELECT status FROM tasks WHERE id = ?").execute(Tuple.of(id))
        .await(10, TimeUnit.SECONDS).iterator().next().getString("status");
  }

  private JsonObject forwarded() {
    return new JsonObject().put("type", "dependency_output").put("source_task_id", "done")
        .put("source_task_title", "Title done").put("content", "a \"quoted\" ] answer");
  }

  @Test
  @DisplayName("the output lands at the end of each dependant's context, and a dependant waiting for nothing else is released")
  void appendsAndReleases() throws Exception {
    JsonArray sibling = new JsonArray().add(new JsonObject().put("type", "sibling_tasks").put("content", "- x]: y"));
    task("next", "blocked", sibling.encode());
    task("other", "pending", "[]");
    task("late", "blocked", sibling.encode());
    task("open", "pending", "[]");
    sql("INSERT INTO task_deps (task_id, depends_on) VALUES ('next', 'done'), ('late', 'done'), ('late', 'open')");

    store.forward("done", "Title done", "a \"quoted\" ] answer", 2000, 5).await(10, TimeUnit.SECONDS);

    assertThat(context("next")).containsExactly(sibling.getValue(0), forwarded());
    assertThat(context("late")).containsExactly(sibling.getValue(0), forwarded());
    assertThat(context("other")).as("not a dependant").isEmpty();
    assertThat(status("next")).isEqualTo("pending");
    assertThat(status("late")).as("still waits for another task").isEqualTo("blocked");
  }

  @Test
  @DisplayName("an empty or damaged context becomes a sound array holding just the forwarded output")
  void emptyOrDamagedContexts() throws Exception {
    String[] contexts = {"[]", "[ ]", "", "{\"not\": \"an array\"}", "garbage"};
    for (int i = 0; i < contexts.length; i++) {
      task("d" + i, "blocked", contexts[i]);
      sql("INSERT INTO task_deps (task_id, depends_on) VALUES (?, 'done')", "d" + i);
    }
    store.forward("done", "Title done", "a \"quoted\" ] answer", 2000, 5).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < contexts.length; i++) {
      assertThat(context("d" + i)).as(contexts[i]).containsExactly(forwarded());
    }
  }

  @Test
  @DisplayName("a pending task whose dependency went back to work is not started: it waits as blocked, and is released again")
  void pendingWithAnUnfinishedDependency() throws Exception {
    task("redo", "needs_review", "[]"); // was completed, then sent back after its dependant was released
    task("after", "pending", "[]");
    task("free", "pending", "[]");
    sql("INSERT INTO task_deps (task_id, depends_on) VALUES ('after', 'redo')");
    TaskStore.PassPolicy all = new TaskStore.PassPolicy() {
      @Override
      public java.util.List<TaskStore.Ready> pick(TaskStore.Snapshot snapshot) {
        return snapshot.ready();
      }

      @Override
      public dev.orch.kernel.budget.ReserveRequest firstCall(TaskStore.Claimed task, TaskStore.ExecutingProject project,
          java.util.List<String> knowledge) {
        return null;
      }
    };
    var pass = store.dispatch(new TaskStore.Lease(60, "node-a", 8), () -> {}, all).await(10, TimeUnit.SECONDS);

    assertThat(pass.started()).extracting(started -> started.task().id()).containsExactly("free");
    assertThat(status("after")).isEqualTo("blocked");
    sql("UPDATE tasks SET status = 'completed' WHERE id = 'redo'");
    store.forward("redo", "Title redo", "again", 2000, 6).await(10, TimeUnit.SECONDS);
    assertThat(status("after")).isEqualTo("pending");
  }

  /** Claims every ready task; no budget. */
  static final TaskStore.PassPolicy ALL = new TaskStore.PassPolicy() {
    @Override
    public java.util.List<TaskStore.Ready> pick(TaskStore.Snapshot snapshot) {
      return snapshot.ready();
    }

    @Override
    public dev.orch.kernel.budget.ReserveRequest firstCall(TaskStore.Claimed task, TaskStore.ExecutingProject project,
        java.util.List<String> knowledge) {
      return null;
    }
  };

  /**
   * Runs {@code work} so that it shares one group commit with a unit queued right after it, which
   * blocks until {@code commit} counts down: {@code work}'s unit has then run, and its group has not
   * committed.
   */
  private <T> io.vertx.core.Future<T> inAGroupHeldOpen(Vertx vertx, java.util.function.Supplier<io.vertx.core.Future<T>> work,
      java.util.concurrent.CountDownLatch commit) throws Exception {
    var running = new java.util.concurrent.CountDownLatch(1);
    var release = new java.util.concurrent.CountDownLatch(1);
    // A unit that holds the group worker: once it runs, the next two queue together for the next group.
    vertx.runOnContext(v -> db.group().submit(sql -> {
      running.countDown();
      return release.await(10, TimeUnit.SECONDS);
    }));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    var queued = new java.util.concurrent.CompletableFuture<io.vertx.core.Future<T>>();
    vertx.runOnContext(v -> {
      io.vertx.core.Future<T> f = work.get();
      db.group().submit(sql -> commit.await(10, TimeUnit.SECONDS));
      queued.complete(f);
      release.countDown();
    });
    return queued.get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a dispatch pass answers only once its claims are committed, so no request leaves before the claim is durable")
  void passIsDurableBeforeItAnswers(Vertx vertx) throws Exception {
    task("ready", "pending", "[]");
    var commit = new java.util.concurrent.CountDownLatch(1);

    var pass = inAGroupHeldOpen(vertx, () -> store.dispatch(new TaskStore.Lease(60, "node-a", 8), () -> {}, ALL),
        commit);
    Thread.sleep(300);
    assertThat(pass.isComplete()).as("answered before its group committed").isFalse();
    commit.countDown();

    assertThat(pass.await(10, TimeUnit.SECONDS).started()).extracting(s -> s.task().id()).containsExactly("ready");
  }

  @Test
  @DisplayName("a completion and the pass that follows it answer only once committed, so a dependant's request never"
      + " leaves before the completion it follows is durable")
  void completionIsDurableBeforeItAnswers(Vertx vertx) throws Exception {
    task("first", "pending", "[]");
    task("next", "blocked", "[]");
    sql("INSERT INTO task_deps (task_id, depends_on) VALUES ('next', 'first')");
    var lease = new TaskStore.Lease(60, "node-a", 8);
    TaskStore.Claimed claimed = store.dispatch(lease, () -> {}, ALL).await(10, TimeUnit.SECONDS).started().get(0).task();
    var commit = new java.util.concurrent.CountDownLatch(1);

    var done = inAGroupHeldOpen(vertx, () -> store.completeAndDispatch(claimed,
        new TaskRun.Result("out", 1, 1, 0, "m"), 2000, 7, lease, ALL), commit);
    Thread.sleep(300);
    assertThat(done.isComplete()).as("answered before its group committed").isFalse();
    commit.countDown();

    assertThat(done.await(10, TimeUnit.SECONDS).pass().started()).extracting(s -> s.task().id())
        .containsExactly("next");
  }

  @Test
  @DisplayName("a forwarded output is cut at context_forward_max_chars")
  void trimmed() throws Exception {
    task("next", "blocked", "[]");
    sql("INSERT INTO task_deps (task_id, depends_on) VALUES ('next', 'done')");
    store.forward("done", "Title done", "0123456789", 4, 5).await(10, TimeUnit.SECONDS);
    assertThat(context("next").getJsonObject(0).getString("content")).isEqualTo("0123");
  }
}
