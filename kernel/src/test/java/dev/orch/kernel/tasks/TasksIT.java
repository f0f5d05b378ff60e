package dev.orch.kernel.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code /api/tasks} (API.md §3.5) over real HTTP and SQLite. */
class TasksIT extends TaskApiFixture {

  @Test
  @DisplayName("the task list answers TaskOut with dependencies, by priority then creation order")
  void listShape() {
    String p = project(alice);
    String plan = plan(p);
    String a = task(p, plan, "Alpha", "completed", 0, 20, "haiku");
    String b = task(p, plan, "Beta", "pending", 0, 10, "sonnet");
    String c = task(p, plan, "Gamma", "blocked", 1, 20, "opus", a, b);
    k.sql("UPDATE tasks SET output_text = 'done', model_used = 'claude-haiku-4-5-20251001', prompt_tokens = 7,"
        + " completion_tokens = 3, cost_usd = 0.25, completed_at = 1500.5, started_at = 1500 WHERE id = ?", a);

    JsonArray list = okList(k.get("/api/tasks/project/" + p, alice));
    assertThat(ids(list)).containsExactly(b, a, c);
    JsonObject gamma = list.getJsonObject(2);
    assertThat(gamma.fieldNames()).containsExactly("id", "project_id", "plan_id", "title", "description", "task_type",
        "priority", "status", "model_tier", "model_used", "wave", "phase", "tools", "verification_status",
        "verification_notes", "requirement_ids", "prompt_tokens", "completion_tokens", "cost_usd", "output_text",
        "output_artifacts", "error", "depends_on", "started_at", "completed_at", "created_at", "updated_at",
        "git_branch", "git_commit_sha");
    assertThat(gamma.getJsonArray("depends_on").getList()).containsExactlyInAnyOrder(a, b);
    assertThat(gamma.getJsonArray("tools")).containsExactly("read_file");
    assertThat(gamma.getJsonArray("output_artifacts")).isEmpty();
    JsonObject alpha = list.getJsonObject(1);
    assertThat(alpha.getString("output_text")).isEqualTo("done");
    assertThat(alpha.getDouble("cost_usd")).isEqualTo(0.25);
    assertThat(alpha.getDouble("completed_at")).isEqualTo(1500.5);
    assertThat(alpha.getJsonArray("depends_on")).isEmpty();
  }

  @Test
  @DisplayName("the task list filters by status, wave, phase, tier and a case-insensitive search of title or description")
  void listFilters() {
    String p = project(alice);
    String plan = plan(p);
    String a = task(p, plan, "Write the Parser", "pending", 0, 1, "haiku");
    String b = task(p, plan, "Docs", "failed", 1, 2, "sonnet");
    String c = task(p, plan, "100% coverage", "pending", 1, 3, "ollama");
    k.sql("UPDATE tasks SET phase = 'Polish', description = 'explain the PARSER' WHERE id = ?", b);

    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?status=pending", alice)))).containsExactly(a, c);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?wave=1", alice)))).containsExactly(b, c);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?phase=Polish", alice)))).containsExactly(b);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?model_tier=ollama", alice)))).containsExactly(c);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?search=parser", alice)))).containsExactly(a, b);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?search=0%25", alice)))).as("% is literal")
        .containsExactly(c);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?search=e_p", alice)))).as("_ is literal").isEmpty();
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?search=E%20P", alice)))).containsExactly(a, b);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?status=pending&wave=1", alice)))).containsExactly(c);
    assertThat(ids(okList(k.get("/api/tasks/project/" + p + "?model_tier=gpt", alice)))).as("tier not validated")
        .isEmpty();
  }

  @Test
  @DisplayName("the task list sorts by any of its four fields in either direction, ties by creation order")
  void listSort() {
    String p = project(alice);
    String plan = plan(p);
    String a = task(p, plan, "A", "running", 2, 5, "haiku");
    String b = task(p, plan, "B", "blocked", 0, 5, "haiku");
    String c = task(p, plan, "C", "completed", 1, 1, "haiku");
    String d = task(p, plan, "D", "blocked", 0, 9, "haiku");
    String base = "/api/tasks/project/" + p;
    assertThat(ids(okList(k.get(base + "?sort=priority", alice)))).containsExactly(c, a, b, d);
    assertThat(ids(okList(k.get(base + "?sort=priority&sort_dir=desc", alice)))).containsExactly(d, a, b, c);
    assertThat(ids(okList(k.get(base + "?sort=created_at&sort_dir=desc", alice)))).containsExactly(d, c, b, a);
    assertThat(ids(okList(k.get(base + "?sort=wave", alice)))).containsExactly(b, d, c, a);
    assertThat(ids(okList(k.get(base + "?sort=status", alice)))).containsExactly(b, d, c, a);
    assertThat(ids(okList(k.get(base + "?sort=status&sort_dir=desc", alice)))).containsExactly(a, c, b, d);
  }

  @Test
  @DisplayName("exclude_output blanks outputs, booleans read as the contract says, and pages do not overlap")
  void listOutputAndPaging() {
    String p = project(alice);
    String plan = plan(p);
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(task(p, plan, "T" + i, "completed", 0, 50, "haiku"));
    }
    k.sql("UPDATE tasks SET output_text = 'big output' WHERE project_id = ?", p);
    String base = "/api/tasks/project/" + p;
    for (String yes : new String[] {"true", "1", "YES", "On"}) {
      JsonObject first = okList(k.get(base + "?exclude_output=" + yes, alice)).getJsonObject(0);
      assertThat(first.getValue("output_text")).as(yes).isNull();
      assertThat(first.getJsonArray("output_artifacts")).isEmpty();
    }
    for (String no : new String[] {"false", "0", "no", "OFF"}) {
      assertThat(okList(k.get(base + "?exclude_output=" + no, alice)).getJsonObject(0).getString("output_text"))
          .as(no).isEqualTo("big output");
    }
    assertThat(ids(okList(k.get(base + "?limit=2", alice)))).containsExactlyElementsOf(all.subList(0, 2));
    assertThat(ids(okList(k.get(base + "?limit=2&offset=2", alice)))).containsExactlyElementsOf(all.subList(2, 4));
    assertThat(ids(okList(k.get(base + "?limit=2&offset=4", alice)))).containsExactly(all.get(4));
    assertThat(okList(k.get(base + "?limit=500&offset=5", alice))).isEmpty();
  }

  @Test
  @DisplayName("the task list refuses bad query values with 422 before looking at the project; 404/403 after")
  void listChecks() {
    String p = project(alice);
    String base = "/api/tasks/project/" + p + "?";
    for (String bad : new String[] {"status=done", "status=", "wave=-1", "wave=x", "phase=" + "p".repeat(201),
        "search=" + "s".repeat(201), "sort=title", "sort_dir=up", "exclude_output=maybe", "limit=0", "limit=501",
        "offset=-1"}) {
      var res = k.get(base + bad, alice);
      assertThat(res.statusCode()).as(bad).isEqualTo(422);
      assertThat(res.bodyAsJsonObject().getJsonArray("detail")).as(bad).isNotEmpty();
    }
    assertThat(k.get("/api/tasks/project/000000000000?sort=title", alice).statusCode()).as("422 first").isEqualTo(422);
    assertError(k.get("/api/tasks/project/000000000000", alice), 404, "Project 000000000000 not found");
    assertError(k.get("/api/tasks/project/" + p, bob), 403, "You do not own this project");
    assertThat(okList(k.get("/api/tasks/project/" + p, admin))).isEmpty();
    assertThat(k.get("/api/tasks/project/" + p, null).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("a task is read by its owner and admins; others get 403, unknown ids 404")
  void getTask() {
    String p = project(alice);
    String plan = plan(p);
    String a = task(p, plan, "A", "pending", 0, 1, "haiku");
    String b = task(p, plan, "B", "blocked", 0, 1, "haiku", a);
    JsonObject out = ok(k.get("/api/tasks/" + b, alice));
    assertThat(out.getString("id")).isEqualTo(b);
    assertThat(out.getJsonArray("depends_on")).containsExactly(a);
    assertThat(out.containsKey("retry_count")).isFalse();
    assertThat(out.containsKey("context")).isFalse();
    assertThat(ok(k.get("/api/tasks/" + b, admin)).getString("id")).isEqualTo(b);
    assertError(k.get("/api/tasks/" + b, bob), 403, "You do not own this task's project");
    assertError(k.get("/api/tasks/000000000000", alice), 404, "Task 000000000000 not found");

    k.sql("UPDATE projects SET owner_id = NULL WHERE id = ?", p);
    assertError(k.get("/api/tasks/" + b, alice), 403, "You do not own this task's project");
    assertThat(k.get("/api/tasks/" + b, admin).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("patch applies the present fields unless the task is running or completed")
  void patch() {
    String p = project(alice);
    String plan = plan(p);
    String t = task(p, plan, "Old", "failed", 0, 10, "haiku");
    JsonObject out = ok(k.patch("/api/tasks/" + t, new JsonObject().put("title", "New").put("description", (String) null)
        .put("model_tier", "opus").put("priority", 1000).put("max_tokens", 16_384.0), alice));
    assertThat(out.getString("title")).isEqualTo("New");
    assertThat(out.getString("description")).isEqualTo("Description of Old");
    assertThat(out.getString("model_tier")).isEqualTo("opus");
    assertThat(out.getInteger("priority")).isEqualTo(1000);
    assertThat(column("tasks", t, "max_tokens")).isEqualTo(16_384);
    assertThat(out.getString("status")).as("status untouched").isEqualTo("failed");

    for (String editable : List.of("pending", "blocked", "queued", "needs_review", "cancelled")) {
      setTaskStatus(t, editable);
      assertThat(k.patch("/api/tasks/" + t, new JsonObject().put("priority", 3), alice).statusCode()).as(editable)
          .isEqualTo(200);
    }
    for (String locked : List.of("running", "completed")) {
      setTaskStatus(t, locked);
      assertError(k.patch("/api/tasks/" + t, new JsonObject().put("priority", 3), alice), 400,
          "Cannot edit a running or completed task");
    }
    setTaskStatus(t, "pending");
    assertError(k.patch("/api/tasks/" + t, new JsonObject().put("title", (String) null), alice), 400,
        "No fields to update");
  }

  private void setTaskStatus(String taskId, String status) {
    k.sql("UPDATE tasks SET status = ? WHERE id = ?", status, taskId);
  }

  @Test
  @DisplayName("patch validates strictly (422 first), then 404, then 403, then the task's state")
  void patchChecks() {
    String p = project(alice);
    String t = task(p, plan(p), "T", "running", 0, 10, "haiku");
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("title", ""), new JsonObject().put("title", 5),
        new JsonObject().put("description", "d".repeat(50_001)), new JsonObject().put("model_tier", "gpt"),
        new JsonObject().put("priority", -1), new JsonObject().put("priority", 1001),
        new JsonObject().put("priority", 1.5), new JsonObject().put("priority", "5"),
        new JsonObject().put("priority", true), new JsonObject().put("max_tokens", 0),
        new JsonObject().put("max_tokens", 16_385)}) {
      assertThat(k.patch("/api/tasks/" + t, bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    assertThat(k.patch("/api/tasks/000000000000", new JsonObject().put("priority", -1), alice).statusCode())
        .isEqualTo(422);
    assertError(k.patch("/api/tasks/000000000000", new JsonObject().put("priority", 1), bob), 404,
        "Task 000000000000 not found");
    assertError(k.patch("/api/tasks/" + t, new JsonObject().put("priority", 1), bob), 403,
        "You do not own this task's project");
    assertError(k.patch("/api/tasks/" + t, new JsonObject().put("priority", 1), alice), 400,
        "Cannot edit a running or completed task");
  }

  @Test
  @DisplayName("retry sends a failed task back to pending, counts it, keeps the project status and wakes the executor")
  void retry() {
    String p = project(alice);
    projectStatus(p, "failed");
    String t = task(p, plan(p), "T", "failed", 0, 10, "haiku");
    k.sql("UPDATE tasks SET error = 'boom', output_text = 'partial', retry_count = 4 WHERE id = ?", t);

    JsonObject out = ok(k.post("/api/tasks/" + t + "/retry", null, alice));
    assertThat(out.getString("status")).isEqualTo("pending");
    assertThat(out.getValue("error")).isNull();
    assertThat(out.getValue("output_text")).isNull();
    assertThat(column("tasks", t, "retry_count")).isEqualTo(5);
    assertThat(column("projects", p, "status")).isEqualTo("failed");
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));

    assertError(k.post("/api/tasks/" + t + "/retry", null, alice), 400, "Can only retry failed tasks");
    setTaskStatus(t, "failed");
    assertError(k.post("/api/tasks/" + t + "/retry", null, alice), 400, "Maximum retry limit reached (5)");
    assertError(k.post("/api/tasks/" + t + "/retry", null, bob), 403, "You do not own this task's project");
    assertError(k.post("/api/tasks/000000000000/retry", null, alice), 404, "Task 000000000000 not found");
  }

  /**
   * Stands in for an executor that claims a task the instant it is pending again: a trigger moves it
   * on to running within the very statement that made it pending, so no answer read afterwards can
   * say pending. The timing the trigger makes certain is otherwise a race the executor usually wins.
   */
  private void claimedAtOnce() {
    if (k.kernel.db().dialect() == dev.orch.kernel.store.Dialect.POSTGRES) {
      k.sql("CREATE FUNCTION claim_at_once() RETURNS trigger AS $$ BEGIN"
          + " UPDATE tasks SET status = 'running' WHERE id = NEW.id; RETURN NULL; END $$ LANGUAGE plpgsql");
      k.sql("CREATE TRIGGER claim_at_once AFTER UPDATE OF status ON tasks FOR EACH ROW"
          + " WHEN (NEW.status = 'pending') EXECUTE FUNCTION claim_at_once()");
    } else {
      k.sql("CREATE TRIGGER claim_at_once AFTER UPDATE OF status ON tasks WHEN NEW.status = 'pending'"
          + " BEGIN UPDATE tasks SET status = 'running' WHERE id = NEW.id; END");
    }
  }

  @Test
  @DisplayName("retry and review retry answer the task as the retry left it (pending, cleared), even when the executor claims it at once")
  void retryAnswersWhatItWrote() {
    String p = project(alice);
    String plan = plan(p);
    String failed = task(p, plan, "F", "failed", 0, 10, "haiku");
    k.sql("UPDATE tasks SET error = 'boom', output_text = 'partial' WHERE id = ?", failed);
    String reviewed = task(p, plan, "R", "needs_review", 0, 10, "haiku");
    k.sql("UPDATE tasks SET output_text = 'draft', verification_status = 'gaps_found' WHERE id = ?", reviewed);
    claimedAtOnce();

    JsonObject retried = ok(k.post("/api/tasks/" + failed + "/retry", null, alice));
    JsonObject reviewRetried = ok(k.post("/api/tasks/" + reviewed + "/review", new JsonObject().put("action", "retry"),
        alice));

    assertThat(retried.getString("status")).isEqualTo("pending");
    assertThat(retried.getValue("error")).isNull();
    assertThat(retried.getValue("output_text")).isNull();
    assertThat(retried.getString("title")).isEqualTo("F");
    assertThat(reviewRetried.getString("status")).isEqualTo("pending");
    assertThat(reviewRetried.getValue("output_text")).isNull();
    assertThat(reviewRetried.getValue("verification_status")).isNull();
    assertThat(status(failed)).as("the stand-in executor did claim it").isEqualTo("running");
  }

  @Test
  @DisplayName("cancel ends a pending, blocked or queued task and tells the executor; other states are refused")
  void cancel() {
    String p = project(alice);
    String plan = plan(p);
    for (String from : List.of("pending", "blocked", "queued")) {
      String t = task(p, plan, from, from, 0, 10, "haiku");
      assertThat(ok(k.post("/api/tasks/" + t + "/cancel", null, alice)).getString("status")).isEqualTo("cancelled");
      eventually(() -> assertThat(cancels).contains(cancelOf(p, t)));
    }
    for (String from : List.of("running", "completed", "needs_review", "failed", "cancelled")) {
      String t = task(p, plan, from, from, 0, 10, "haiku");
      assertError(k.post("/api/tasks/" + t + "/cancel", null, alice), 400, "Cannot cancel task in '" + from + "' state");
      assertThat(status(t)).isEqualTo(from);
    }
    String t = task(p, plan, "x", "pending", 0, 10, "haiku");
    assertError(k.post("/api/tasks/" + t + "/cancel", null, bob), 403, "You do not own this task's project");
    assertThat(ok(k.post("/api/tasks/" + t + "/cancel", null, admin)).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("review approve completes the task as it is and wakes the executor for its dependents")
  void reviewApprove() {
    String p = project(alice);
    String t = task(p, plan(p), "T", "needs_review", 0, 10, "haiku");
    k.sql("UPDATE tasks SET output_text = 'draft', completed_at = NULL, verification_status = 'human_needed'"
        + " WHERE id = ?", t);
    JsonObject out = ok(k.post("/api/tasks/" + t + "/review", new JsonObject().put("action", "approve"), alice));
    assertThat(out.getString("status")).isEqualTo("completed");
    assertThat(out.getString("output_text")).isEqualTo("draft");
    assertThat(out.getValue("completed_at")).isNull();
    assertThat(out.getString("verification_status")).isEqualTo("human_needed");
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));
    assertThat(completions).as("approval forwards nothing").isEmpty();
    assertThat(events).as("and emits no task_complete").isEmpty();
    assertError(k.post("/api/tasks/" + t + "/review", new JsonObject().put("action", "approve"), alice), 400,
        "Task is not in needs_review status");
  }

  @Test
  @DisplayName("review retry puts the feedback in the context and sends the task back with a fresh output")
  void reviewRetry() {
    String p = project(alice);
    String plan = plan(p);
    String t = task(p, plan, "T", "needs_review", 0, 10, "haiku");
    k.sql("UPDATE tasks SET output_text = 'draft', completed_at = 9, verification_status = 'gaps_found',"
        + " verification_notes = 'missing tests', retry_count = 1 WHERE id = ?", t);
    JsonObject out = ok(k.post("/api/tasks/" + t + "/review", new JsonObject().put("action", "retry")
        .put("feedback", "Add tests."), alice));
    assertThat(out.getString("status")).isEqualTo("pending");
    assertThat(out.getValue("output_text")).isNull();
    assertThat(out.getValue("completed_at")).isNull();
    assertThat(out.getValue("verification_status")).isNull();
    assertThat(out.getValue("verification_notes")).isNull();
    assertThat(column("tasks", t, "retry_count")).isEqualTo(2);
    JsonArray context = context(t);
    assertThat(context).hasSize(2);
    assertThat(context.getJsonObject(1)).isEqualTo(new JsonObject().put("type", "review_feedback")
        .put("content", "Add tests."));
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));

    String quiet = task(p, plan, "Q", "needs_review", 0, 10, "haiku");
    ok(k.post("/api/tasks/" + quiet + "/review", new JsonObject().put("action", "retry"), alice));
    assertThat(context(quiet)).as("no empty feedback entry").hasSize(1);

    String spent = task(p, plan, "S", "needs_review", 0, 10, "haiku");
    k.sql("UPDATE tasks SET retry_count = 5 WHERE id = ?", spent);
    assertError(k.post("/api/tasks/" + spent + "/review", new JsonObject().put("action", "retry"), alice), 400,
        "Maximum retry limit reached (5)");
    assertThat(ok(k.post("/api/tasks/" + spent + "/review", new JsonObject().put("action", "approve"), alice))
        .getString("status")).as("approval has no limit").isEqualTo("completed");

    for (JsonObject bad : new JsonObject[] {new JsonObject(), new JsonObject().put("action", "reject"),
        new JsonObject().put("action", "retry").put("feedback", "f".repeat(10_001)),
        new JsonObject().put("action", "retry").put("feedback", 3)}) {
      assertThat(k.post("/api/tasks/" + t + "/review", bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    assertThat(k.post("/api/tasks/" + t + "/review", null, alice).statusCode()).isEqualTo(422);
    assertError(k.post("/api/tasks/" + t + "/review", new JsonObject().put("action", "retry"), bob), 403,
        "You do not own this task's project");
  }

  @Test
  @DisplayName("bulk retry handles each id in order and lists every refusal with the contract's reason")
  void bulkRetry() {
    String p = project(alice);
    String plan = plan(p);
    String failed1 = task(p, plan, "F1", "failed", 0, 1, "haiku");
    String pending = task(p, plan, "P", "pending", 0, 1, "haiku");
    String spent = task(p, plan, "S", "failed", 0, 1, "haiku");
    k.sql("UPDATE tasks SET retry_count = 5 WHERE id = ?", spent);
    String failed2 = task(p, plan, "F2", "failed", 0, 1, "haiku");
    String bp = project(bob);
    String bobs = task(bp, plan(bp), "B", "failed", 0, 1, "haiku");

    JsonObject out = ok(k.post("/api/tasks/bulk", new JsonObject().put("action", "retry").put("task_ids",
        new JsonArray().add(failed2).add(pending).add("000000000000").add(bobs).add(spent).add(failed1).add(failed2)),
        alice));
    assertThat(out.fieldNames()).containsExactly("succeeded", "failed");
    assertThat(out.getJsonArray("succeeded")).containsExactly(failed2, failed1);
    assertThat(out.getJsonArray("failed")).containsExactly(
        new JsonObject().put("id", pending).put("reason", "Not in failed state"),
        new JsonObject().put("id", "000000000000").put("reason", "Task 000000000000 not found"),
        new JsonObject().put("id", bobs).put("reason", "You do not own this task's project"),
        new JsonObject().put("id", spent).put("reason", "Max retries reached"),
        new JsonObject().put("id", failed2).put("reason", "Not in failed state"));
    assertThat(status(failed1)).isEqualTo("pending");
    assertThat(column("tasks", failed2, "retry_count")).isEqualTo(1);
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));
  }

  @Test
  @DisplayName("bulk cancel refuses finished or running tasks by status, and admins act on any project")
  void bulkCancel() {
    String p = project(alice);
    String plan = plan(p);
    String pending = task(p, plan, "P", "pending", 0, 1, "haiku");
    String running = task(p, plan, "R", "running", 0, 1, "haiku");
    String blocked = task(p, plan, "B", "blocked", 0, 1, "haiku");
    String completed = task(p, plan, "C", "completed", 0, 1, "haiku");
    JsonObject out = ok(k.post("/api/tasks/bulk", new JsonObject().put("action", "cancel").put("task_ids",
        new JsonArray().add(pending).add(running).add(blocked).add(completed)), admin));
    assertThat(out.getJsonArray("succeeded")).containsExactly(pending, blocked);
    assertThat(out.getJsonArray("failed")).containsExactly(
        new JsonObject().put("id", running).put("reason", "Cannot cancel running task"),
        new JsonObject().put("id", completed).put("reason", "Cannot cancel completed task"));
    eventually(() -> assertThat(cancels).contains(cancelOf(p, pending), cancelOf(p, blocked)));

    JsonObject foreign = ok(k.post("/api/tasks/bulk", new JsonObject().put("action", "cancel").put("task_ids",
        new JsonArray().add(running)), bob));
    assertThat(foreign.getJsonArray("succeeded")).isEmpty();
    assertThat(foreign.getJsonArray("failed").getJsonObject(0).getString("reason"))
        .isEqualTo("You do not own this task's project");
  }

  @Test
  @DisplayName("bulk validates its body: a known action and 1 to 100 string ids")
  void bulkValidation() {
    JsonArray hundredOne = new JsonArray();
    for (int i = 0; i < 101; i++) {
      hundredOne.add("t" + i);
    }
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("task_ids", new JsonArray().add("a")),
        new JsonObject().put("action", "delete").put("task_ids", new JsonArray().add("a")),
        new JsonObject().put("action", "retry"), new JsonObject().put("action", "retry").put("task_ids", new JsonArray()),
        new JsonObject().put("action", "retry").put("task_ids", hundredOne),
        new JsonObject().put("action", "retry").put("task_ids", "a"),
        new JsonObject().put("action", "retry").put("task_ids", new JsonArray().add(1))}) {
      assertThat(k.post("/api/tasks/bulk", bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    JsonArray hundred = new JsonArray();
    for (int i = 0; i < 100; i++) {
      hundred.add("t" + i);
    }
    JsonObject out = ok(k.post("/api/tasks/bulk", new JsonObject().put("action", "cancel").put("task_ids", hundred),
        alice));
    assertThat(out.getJsonArray("failed")).hasSize(100);
    assertThat(k.post("/api/tasks/bulk", new JsonObject().put("action", "retry"), null).statusCode()).isEqualTo(401);
  }
}
