package dev.orch.kernel.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /projects/{id}/execute|pause|cancel} (API.md §3.4, §8.2, §18.1 decision 7). Projects run
 * in external mode, so that an executor deployed beside this API leaves their tasks alone.
 */
class ExecutionIT extends TaskApiFixture {
  private static final JsonObject EXTERNAL = new JsonObject().put("execution_mode", "external");

  private static String executePath(String projectId) {
    return "/api/projects/" + projectId + "/execute";
  }

  @Test
  @DisplayName("execute starts a ready project and resumes a paused one, waking the executor each time")
  void execute() {
    String p = project(alice, EXTERNAL);
    task(p, plan(p), "T", "pending", 0, 1, "haiku");
    projectStatus(p, "ready");
    JsonObject out = ok(k.post(executePath(p), null, alice));
    assertThat(out).isEqualTo(new JsonObject().put("status", "executing").put("project_id", p));
    assertThat(column("projects", p, "status")).isEqualTo("executing");
    eventually(() -> assertThat(wakes).containsExactly(wakeOf(p)));

    assertThat(ok(k.post("/api/projects/" + p + "/pause", null, alice)))
        .isEqualTo(new JsonObject().put("status", "paused").put("project_id", p));
    assertThat(column("projects", p, "status")).isEqualTo("paused");
    assertThat(ok(k.post(executePath(p), null, alice)).getString("status")).isEqualTo("executing");
    eventually(() -> assertThat(wakes).hasSize(2));
  }

  @Test
  @DisplayName("execute refuses every other status with the status found")
  void executeRefused() {
    String p = project(alice, EXTERNAL);
    String t = task(p, plan(p), "T", "completed", 0, 1, "haiku");
    for (String status : List.of("draft", "planning", "executing", "cancelled", "failed", "completed")) {
      projectStatus(p, status);
      assertError(k.post(executePath(p), null, alice), 400,
          "Project must be in 'ready' or 'paused' state, got '" + status + "'");
      assertThat(column("projects", p, "status")).isEqualTo(status);
    }
    k.sql("UPDATE tasks SET status = 'pending' WHERE id = ?", t);
    for (String status : List.of("draft", "planning", "cancelled")) {
      projectStatus(p, status);
      assertError(k.post(executePath(p), null, alice), 400,
          "Project must be in 'ready' or 'paused' state, got '" + status + "'");
    }
    assertThat(wakes).isEmpty();
  }

  @Test
  @DisplayName("a failed project runs again once a task retry made work pending (decision 7)")
  void executeAfterRetry() {
    String p = project(alice, EXTERNAL);
    String plan = plan(p);
    task(p, plan, "Done", "completed", 0, 1, "haiku");
    String broken = task(p, plan, "Broken", "failed", 0, 1, "haiku");
    k.sql("UPDATE projects SET status = 'failed', completed_at = 77 WHERE id = ?", p);
    assertError(k.post(executePath(p), null, alice), 400, "Project must be in 'ready' or 'paused' state, got 'failed'");

    ok(k.post("/api/tasks/" + broken + "/retry", null, alice));
    assertThat(column("projects", p, "status")).as("retry leaves the project alone").isEqualTo("failed");
    assertThat(ok(k.post(executePath(p), null, alice)).getString("status")).isEqualTo("executing");
    JsonObject project = ok(k.get("/api/projects/" + p, alice));
    assertThat(project.getString("status")).isEqualTo("executing");
    assertThat(project.getValue("completed_at")).as("no longer finished").isNull();
    eventually(() -> assertThat(wakes).containsExactly(wakeOf(p), wakeOf(p)));
  }

  @Test
  @DisplayName("a completed project runs again after a review retry (decision 7)")
  void executeAfterReviewRetry() {
    String p = project(alice, EXTERNAL);
    String t = task(p, plan(p), "Reviewed", "needs_review", 0, 1, "haiku");
    projectStatus(p, "completed");
    ok(k.post("/api/tasks/" + t + "/review", new JsonObject().put("action", "retry").put("feedback", "Again."), alice));
    assertThat(ok(k.post(executePath(p), null, alice)).getString("status")).isEqualTo("executing");
  }

  @Test
  @DisplayName("pause only stops an executing project")
  void pause() {
    String p = project(alice, EXTERNAL);
    for (String status : List.of("draft", "ready", "paused", "completed", "failed", "cancelled")) {
      projectStatus(p, status);
      assertError(k.post("/api/projects/" + p + "/pause", null, alice), 400, "Project is not executing");
      assertThat(column("projects", p, "status")).isEqualTo(status);
    }
  }

  @Test
  @DisplayName("cancel ends every unfinished task and the project from any status, and stops work in flight")
  void cancel() {
    String p = project(alice, EXTERNAL);
    String plan = plan(p);
    projectStatus(p, "executing");
    String pending = task(p, plan, "P", "pending", 0, 1, "haiku");
    String blocked = task(p, plan, "B", "blocked", 1, 1, "haiku", pending);
    String queued = task(p, plan, "Q", "queued", 0, 1, "haiku");
    String running = task(p, plan, "R", "running", 0, 1, "haiku");
    String completed = task(p, plan, "C", "completed", 0, 1, "haiku");
    String failed = task(p, plan, "F", "failed", 0, 1, "haiku");
    String review = task(p, plan, "N", "needs_review", 0, 1, "haiku");

    assertThat(ok(k.post("/api/projects/" + p + "/cancel", null, alice)))
        .isEqualTo(new JsonObject().put("status", "cancelled").put("project_id", p));
    for (String t : List.of(pending, blocked, queued, running)) {
      assertThat(status(t)).isEqualTo("cancelled");
    }
    assertThat(status(completed)).isEqualTo("completed");
    assertThat(status(failed)).isEqualTo("failed");
    assertThat(status(review)).isEqualTo("needs_review");
    assertThat(column("projects", p, "status")).isEqualTo("cancelled");
    eventually(() -> assertThat(cancels).containsExactly(cancelOf(p, null)));

    assertThat(ok(k.post("/api/projects/" + p + "/cancel", null, alice)).getString("status")).as("again")
        .isEqualTo("cancelled");
    String draft = project(alice, EXTERNAL);
    assertThat(ok(k.post("/api/projects/" + draft + "/cancel", null, alice)).getString("status"))
        .isEqualTo("cancelled");
  }

  @Test
  @DisplayName("execution control checks the project: 404, then 403; admins may act")
  void ownership() {
    String p = project(alice, EXTERNAL);
    projectStatus(p, "ready");
    for (String action : List.of("execute", "pause", "cancel")) {
      assertError(k.post("/api/projects/000000000000/" + action, null, alice), 404, "Project 000000000000 not found");
      assertError(k.post("/api/projects/" + p + "/" + action, null, bob), 403, "You do not own this project");
      assertThat(k.post("/api/projects/" + p + "/" + action, null, null).statusCode()).isEqualTo(401);
    }
    assertThat(column("projects", p, "status")).isEqualTo("ready");
    assertThat(ok(k.post(executePath(p), null, admin)).getString("status")).isEqualTo("executing");
    assertThat(ok(k.post("/api/projects/" + p + "/pause", null, admin)).getString("status")).isEqualTo("paused");
    assertThat(ok(k.post("/api/projects/" + p + "/cancel", null, admin)).getString("status")).isEqualTo("cancelled");
  }
}
