package dev.orch.kernel.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code /api/checkpoints} (API.md §3.6, §14.2, §14.5) over real HTTP and SQLite. */
class CheckpointsIT extends TaskApiFixture {

  /** With diagnostic RAG on, so that checkpoint guidance is written to the ingest file. */
  @Override
  protected JsonObject config(Path dataDir) {
    JsonObject json = super.config(dataDir);
    json.getJsonObject("execution").put("diagnostic_rag_enabled", true);
    json.getJsonObject("rag").put("diagnostic_ingest_path", ingestFile().toString());
    return json;
  }

  private Path ingestFile() {
    return dir.resolve("diagnostic").resolve("ingest.jsonl");
  }

  @Test
  @DisplayName("the list shows unresolved checkpoints newest first; resolved=true shows all of them")
  void list() {
    String p = project(alice);
    String plan = plan(p);
    String t = task(p, plan, "T", "needs_review", 0, 1, "haiku");
    String first = checkpoint(p, t);
    String second = checkpoint(p, t);
    String third = checkpoint(p, null);
    k.sql("UPDATE checkpoints SET resolved_at = 9, response = 'Action: skip' WHERE id = ?", second);

    String base = "/api/checkpoints/project/" + p;
    assertThat(ids(okList(k.get(base, alice)))).containsExactly(third, first);
    assertThat(ids(okList(k.get(base + "?resolved=false", alice)))).containsExactly(third, first);
    assertThat(ids(okList(k.get(base + "?resolved=TRUE", alice)))).as("all, not only resolved (§18.21)")
        .containsExactly(third, second, first);
    assertThat(ids(okList(k.get(base + "?resolved=1&limit=1&offset=1", alice)))).containsExactly(second);
    for (String bad : new String[] {"resolved=maybe", "limit=0", "limit=201", "offset=-1"}) {
      assertThat(k.get(base + "?" + bad, alice).statusCode()).as(bad).isEqualTo(422);
    }
    assertError(k.get(base, bob), 403, "You do not own this project");
    assertError(k.get("/api/checkpoints/project/000000000000", alice), 404, "Project 000000000000 not found");
    assertThat(okList(k.get(base, admin))).hasSize(2);
  }

  @Test
  @DisplayName("a checkpoint is read as CheckpointOut through its project's ownership")
  void get() {
    String p = project(alice);
    String t = task(p, plan(p), "T", "needs_review", 0, 1, "haiku");
    String cp = checkpoint(p, t);
    JsonObject out = ok(k.get("/api/checkpoints/" + cp, alice));
    assertThat(out.fieldNames()).containsExactly("id", "project_id", "task_id", "checkpoint_type", "summary",
        "attempts", "question", "response", "resolved_at", "created_at");
    assertThat(out.getString("task_id")).isEqualTo(t);
    assertThat(out.getString("checkpoint_type")).isEqualTo("retry_exhausted");
    assertThat(out.getJsonArray("attempts")).containsExactly(new JsonObject().put("message", "boom")
        .put("timestamp", 5.5));
    assertThat(out.getValue("response")).isNull();
    assertThat(out.getValue("resolved_at")).isNull();
    assertError(k.get("/api/checkpoints/" + cp, bob), 403, "You do not own this checkpoint's project");
    assertError(k.get("/api/checkpoints/000000000000", alice), 404, "Checkpoint 000000000000 not found");
    assertThat(k.get("/api/checkpoints/" + cp, admin).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("resolve retry gives the task its guidance and a full retry budget, once, and wakes the executor")
  void resolveRetry() throws IOException {
    String p = project(alice);
    projectStatus(p, "failed");
    String t = task(p, plan(p), "T", "needs_review", 0, 1, "haiku");
    k.sql("UPDATE tasks SET retry_count = 2, error = 'Max retries exceeded: boom', output_text = 'x',"
        + " completed_at = 3 WHERE id = ?", t);
    String cp = checkpoint(p, t);

    JsonObject out = ok(k.post("/api/checkpoints/" + cp + "/resolve", new JsonObject().put("action", "retry")
        .put("guidance", "Use the v2 API.").put("gotcha", "v1 is gone"), alice));
    assertThat(out.getString("response")).isEqualTo("Action: retry | Guidance: Use the v2 API.");
    assertThat(out.getDouble("resolved_at")).isNotNull();
    JsonObject task = ok(k.get("/api/tasks/" + t, alice));
    assertThat(task.getString("status")).isEqualTo("pending");
    assertThat(task.getValue("error")).isNull();
    assertThat(task.getValue("output_text")).isNull();
    assertThat(task.getValue("completed_at")).isNull();
    assertThat(column("tasks", t, "retry_count")).isEqualTo(0);
    JsonArray context = context(t);
    assertThat(context.getJsonObject(context.size() - 1)).isEqualTo(new JsonObject()
        .put("type", "checkpoint_guidance").put("content", "Use the v2 API."));
    assertThat(column("projects", p, "status")).as("the project is left as it is").isEqualTo("failed");
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));

    List<String> lines = Files.readAllLines(ingestFile());
    assertThat(lines).hasSize(1);
    assertThat(new JsonObject(lines.get(0))).isEqualTo(new JsonObject()
        .put("error_pattern", "Task 'T' failed after 2 attempts")
        .put("error_context", "Checkpoint for task " + t)
        .put("resolution", "Use the v2 API.")
        .put("tags", new JsonArray().add("checkpoint").add("human-resolved"))
        .put("gotcha", "v1 is gone"));

    assertError(k.post("/api/checkpoints/" + cp + "/resolve", new JsonObject().put("action", "skip"), alice), 400,
        "Checkpoint already resolved");
    assertThat(status(t)).isEqualTo("pending");
  }

  @Test
  @DisplayName("resolve skip cancels and fail fails the task whatever its status; a task in flight is stopped")
  void resolveSkipAndFail() {
    String p = project(alice);
    String plan = plan(p);
    String reviewed = task(p, plan, "R", "needs_review", 0, 1, "haiku");
    String skip = checkpoint(p, reviewed);
    JsonObject out = ok(k.post("/api/checkpoints/" + skip + "/resolve", new JsonObject().put("action", "skip")
        .put("guidance", ""), alice));
    assertThat(out.getString("response")).isEqualTo("Action: skip");
    assertThat(status(reviewed)).isEqualTo("cancelled");

    String running = task(p, plan, "Run", "running", 0, 1, "haiku");
    String fail = checkpoint(p, running);
    assertThat(ok(k.post("/api/checkpoints/" + fail + "/resolve", new JsonObject().put("action", "fail")
        .put("guidance", "Not needed."), alice)).getString("response")).isEqualTo("Action: fail | Guidance: Not needed.");
    assertThat(status(running)).isEqualTo("failed");
    eventually(() -> assertThat(cancels).containsExactly(cancelOf(p, running)));
    assertThat(context(running)).as("guidance only goes with retry")
        .hasSize(1);
    assertThat(wakes).isEmpty();
    assertThat(Files.exists(ingestFile())).as("only a retry with guidance is recorded").isFalse();

    String orphan = checkpoint(p, null);
    assertThat(ok(k.post("/api/checkpoints/" + orphan + "/resolve", new JsonObject().put("action", "retry"), alice))
        .getString("response")).isEqualTo("Action: retry");
  }

  @Test
  @DisplayName("resolve validates first, then 404, then 403")
  void resolveChecks() {
    String p = project(alice);
    String cp = checkpoint(p, task(p, plan(p), "T", "needs_review", 0, 1, "haiku"));
    String path = "/api/checkpoints/" + cp + "/resolve";
    for (JsonObject bad : new JsonObject[] {new JsonObject(), new JsonObject().put("action", "ignore"),
        new JsonObject().put("action", "retry").put("guidance", "g".repeat(10_001)),
        new JsonObject().put("action", "retry").put("gotcha", "g".repeat(2_001)),
        new JsonObject().put("action", "retry").put("guidance", 1)}) {
      assertThat(k.post(path, bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    assertThat(k.post("/api/checkpoints/000000000000/resolve", new JsonObject(), alice).statusCode()).isEqualTo(422);
    assertError(k.post("/api/checkpoints/000000000000/resolve", new JsonObject().put("action", "skip"), bob), 404,
        "Checkpoint 000000000000 not found");
    assertError(k.post(path, new JsonObject().put("action", "skip"), bob), 403,
        "You do not own this checkpoint's project");
    assertThat(ok(k.post(path, new JsonObject().put("action", "skip"), admin)).getString("response"))
        .isEqualTo("Action: skip");
  }
}
