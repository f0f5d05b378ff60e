package dev.orch.kernel.projects;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/projects} (API.md §3.4) over real HTTP and SQLite. */
class ProjectsIT {
  @TempDir Path dir;
  TestKernel k;
  String admin;

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  String alice;
  String bob;

  /** A git repository under the one allowed root. */
  Path site;

  @BeforeEach
  void start() throws Exception {
    site = java.nio.file.Files.createDirectories(dir.resolve("repos/site")).toRealPath();
    new ProcessBuilder("git", "init", "--quiet", site.toString()).inheritIO().start().waitFor();
    JsonObject config = config(dir);
    config.put("git", new JsonObject().put("allowed_roots", new JsonArray().add(dir.resolve("repos").toString())));
    k = TestKernel.start(config);
    admin = k.signUp("admin@example.com", "password0").getString("access_token");
    alice = k.signUp("alice@example.com", "password1").getString("access_token");
    bob = k.signUp("bob@example.com", "password2").getString("access_token");
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  private JsonObject create(String token, JsonObject body) {
    var res = k.post("/api/projects", body, token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject();
  }

  private JsonObject create(String token, String name) {
    return create(token, new JsonObject().put("name", name).put("requirements", "Build a thing."));
  }

  /** A plan with tasks t0..t2 where t2 depends on t0 and t1; statuses as given. */
  private void seedTasks(String projectId, String... statuses) {
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'claude-sonnet-4-6', '{\"summary\":\"s\",\"tasks\":[]}', 'approved', 1)", projectId + "pl", projectId);
    for (int i = 0; i < statuses.length; i++) {
      k.sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, priority, status, wave,"
          + " requirement_ids_json, tools_json, created_at, updated_at)"
          + " VALUES (?, ?, ?, ?, 'd', 'code', ?, ?, ?, ?, '[\"read_file\"]', ?, ?)",
          projectId + "t" + i, projectId, projectId + "pl", "Task " + i, i * 10, statuses[i], i == 2 ? 1 : 0,
          "[\"R" + (i + 1) + "\"]", 100 + i, 100 + i);
      k.sql("INSERT INTO task_contexts (task_id, context_json) VALUES (?, '[{\"type\":\"task_description\","
          + "\"content\":\"d\"}]')", projectId + "t" + i);
    }
    if (statuses.length > 2) {
      k.sql("INSERT INTO task_deps (task_id, depends_on) VALUES (?, ?), (?, ?)", projectId + "t2", projectId + "t0",
          projectId + "t2", projectId + "t1");
    }
  }

  @Test
  @DisplayName("create stores the rigor inside config and answers ProjectOut without a task summary")
  void createShape() {
    JsonObject p = create(alice, new JsonObject().put("name", "Site").put("requirements", "R one")
        .put("config", new JsonObject().put("execution_mode", "hybrid").put("custom", 1))
        .put("repo_path", site.getParent() + "/./site/").put("git_base_branch", "main"));
    assertThat(p.fieldNames()).containsExactly("id", "name", "requirements", "status", "created_at", "updated_at",
        "completed_at", "config", "planning_rigor", "task_summary", "repo_path", "git_base_branch",
        "git_project_branch", "git_worktree_path", "git_state");
    assertThat(p.getString("id")).matches("[0-9a-f]{12}");
    assertThat(p.getString("status")).isEqualTo("draft");
    assertThat(p.getJsonObject("config")).isEqualTo(new JsonObject().put("execution_mode", "hybrid").put("custom", 1)
        .put("planning_rigor", "L2"));
    assertThat(p.getString("planning_rigor")).isEqualTo("L2");
    assertThat(p.getValue("task_summary")).isNull();
    assertThat(p.getString("repo_path")).isEqualTo(site.toString());
    assertThat(p.getJsonObject("git_state")).isEmpty();
    assertThat(p.getValue("created_at")).isInstanceOf(Double.class);
  }

  @Test
  @DisplayName("create refuses bad fields with 422 and anonymous callers with 401")
  void createValidation() {
    JsonObject ok = new JsonObject().put("name", "n").put("requirements", "r");
    for (JsonObject bad : new JsonObject[] {
        ok.copy().put("name", ""), ok.copy().put("name", "x".repeat(201)), new JsonObject().put("name", "n"),
        ok.copy().put("requirements", "r".repeat(50_001)), ok.copy().put("config", "{}"),
        ok.copy().put("planning_rigor", "L4"), ok.copy().put("repo_path", "/srv/../etc"),
        ok.copy().put("repo_path", "relative/path"), ok.copy().put("name", 5),
        ok.copy().put("git_base_branch", "--upload-pack=touch /tmp/x"), ok.copy().put("git_base_branch", "a..b"),
        ok.copy().put("git_base_branch", "main branch")}) {
      assertThat(k.post("/api/projects", bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    assertThat(k.post("/api/projects", ok, null).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("repo_path must be a git repository under git.allowed_roots: outside is 403, missing or no repository 422, on create and PATCH")
  void repoPathValidation() throws Exception {
    JsonObject ok = new JsonObject().put("name", "n").put("requirements", "r");
    var outside = k.post("/api/projects", ok.copy().put("repo_path", "/tmp"), alice);
    assertThat(outside.statusCode()).isEqualTo(403);
    assertThat(detail(outside)).contains("outside the allowed repository roots");
    java.nio.file.Files.createDirectories(dir.resolve("repos/plain"));
    var plain = k.post("/api/projects", ok.copy().put("repo_path", dir.resolve("repos/plain").toString()), alice);
    assertThat(plain.statusCode()).isEqualTo(422);
    assertThat(detail(plain)).isEqualTo("repo_path is not the top folder of a git repository");
    assertThat(k.post("/api/projects", ok.copy().put("repo_path", dir.resolve("repos/none").toString()), alice)
        .statusCode()).isEqualTo(422);
    String id = create(alice, ok).getString("id");
    assertThat(k.patch("/api/projects/" + id, new JsonObject().put("repo_path", "/tmp"), alice).statusCode())
        .isEqualTo(403);
    var patched = k.patch("/api/projects/" + id, new JsonObject().put("repo_path", site.toString()), alice);
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(patched.bodyAsJsonObject().getString("repo_path")).isEqualTo(site.toString());
  }

  @Test
  @DisplayName("users list only their own projects, newest first with task summaries; admins list all")
  void list() {
    String a1 = create(alice, "a1").getString("id");
    String a2 = create(alice, "a2").getString("id");
    create(bob, "b1");
    seedTasks(a1, "completed", "running", "failed", "pending");

    JsonArray mine = k.get("/api/projects", alice).bodyAsJsonArray();
    assertThat(mine.stream().map(o -> ((JsonObject) o).getString("id"))).containsExactly(a2, a1);
    assertThat(mine.getJsonObject(1).getJsonObject("task_summary")).isEqualTo(new JsonObject()
        .put("total", 4).put("completed", 1).put("running", 1).put("failed", 1));
    assertThat(mine.getJsonObject(0).getJsonObject("task_summary").getLong("total")).isZero();
    assertThat(k.get("/api/projects", admin).bodyAsJsonArray()).hasSize(3);

    k.sql("UPDATE projects SET status = 'ready' WHERE id = ?", a1);
    assertThat(k.get("/api/projects?status=ready", alice).bodyAsJsonArray()).hasSize(1);
    assertThat(k.get("/api/projects?limit=1&offset=1", alice).bodyAsJsonArray().getJsonObject(0).getString("id"))
        .isEqualTo(a1);
    for (String bad : new String[] {"status=done", "limit=0", "limit=201", "offset=-1"}) {
      assertThat(k.get("/api/projects?" + bad, alice).statusCode()).as(bad).isEqualTo(422);
    }
  }

  @Test
  @DisplayName("get answers the owner and admins; others get 403, unknown ids 404; an ownerless project is admin-only")
  void getAndOwnership() {
    String id = create(alice, "a").getString("id");
    var own = k.get("/api/projects/" + id, alice);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getJsonObject("task_summary").getLong("total")).isZero();
    assertThat(k.get("/api/projects/" + id, admin).statusCode()).isEqualTo(200);
    var foreign = k.get("/api/projects/" + id, bob);
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(detail(foreign)).isEqualTo("You do not own this project");
    var missing = k.get("/api/projects/000000000000", alice);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(detail(missing)).isEqualTo("Project 000000000000 not found");

    k.sql("UPDATE projects SET owner_id = NULL WHERE id = ?", id);
    assertThat(k.get("/api/projects/" + id, alice).statusCode()).isEqualTo(403);
    assertThat(k.get("/api/projects/" + id, admin).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("patch applies present fields; config replaces the stored one and planning_rigor is written into it")
  void patch() {
    String id = create(alice, new JsonObject().put("name", "a").put("requirements", "r")
        .put("planning_rigor", "L3").put("config", new JsonObject().put("keep", true))).getString("id");
    var renamed = k.patch("/api/projects/" + id, new JsonObject().put("name", "b").put("requirements", (String) null), alice);
    assertThat(renamed.statusCode()).isEqualTo(200);
    assertThat(renamed.bodyAsJsonObject().getString("name")).isEqualTo("b");
    assertThat(renamed.bodyAsJsonObject().getString("requirements")).isEqualTo("r");
    assertThat(renamed.bodyAsJsonObject().getString("planning_rigor")).isEqualTo("L3");
    assertThat(renamed.bodyAsJsonObject().getJsonObject("task_summary")).isNotNull();

    var rigorOnly = k.patch("/api/projects/" + id, new JsonObject().put("planning_rigor", "L1"), alice).bodyAsJsonObject();
    assertThat(rigorOnly.getJsonObject("config")).isEqualTo(new JsonObject().put("keep", true).put("planning_rigor", "L1"));

    var replaced = k.patch("/api/projects/" + id, new JsonObject().put("config", new JsonObject().put("x", 1)), alice)
        .bodyAsJsonObject();
    assertThat(replaced.getJsonObject("config")).isEqualTo(new JsonObject().put("x", 1));
    assertThat(replaced.getString("planning_rigor")).as("the rigor went with the old config").isEqualTo("L2");

    assertThat(detail(k.patch("/api/projects/" + id, new JsonObject(), alice))).isEqualTo("No fields to update");
    assertThat(k.patch("/api/projects/" + id, new JsonObject().put("name", ""), alice).statusCode()).isEqualTo(422);
    assertThat(k.patch("/api/projects/" + id, new JsonObject().put("name", "c"), bob).statusCode()).isEqualTo(403);
    assertThat(k.patch("/api/projects/000000000000", new JsonObject().put("name", "c"), alice).statusCode())
        .isEqualTo(404);
  }

  @Test
  @DisplayName("delete removes the project and its tasks but keeps usage rows, detached, for accounting")
  void delete() {
    String id = create(alice, "a").getString("id");
    seedTasks(id, "completed", "completed", "completed");
    k.sql("INSERT INTO usage_log (project_id, task_id, provider, model, prompt_tokens, completion_tokens, cost_usd,"
        + " purpose, timestamp) VALUES (?, ?, 'anthropic', 'claude-haiku-4-5-20251001', 10, 5, 0.5, 'execution', 1)",
        id, id + "t0");
    k.sql("INSERT INTO task_events (project_id, task_id, event_type, message, timestamp) VALUES (?, ?, 'task_start', 'x', 1)",
        id, id + "t0");
    assertThat(k.delete("/api/projects/" + id, bob).statusCode()).isEqualTo(403);
    var res = k.delete("/api/projects/" + id, alice);
    assertThat(res.statusCode()).isEqualTo(204);
    assertThat(k.get("/api/projects/" + id, alice).statusCode()).isEqualTo(404);
    var usage = TestKernel.await(k.kernel.db().pool().query("SELECT project_id, task_id, cost_usd FROM usage_log")
        .execute());
    assertThat(usage.size()).isEqualTo(1);
    var row = usage.iterator().next();
    assertThat(row.getString("project_id")).isNull();
    assertThat(row.getString("task_id")).isNull();
    assertThat(row.getDouble("cost_usd")).isEqualTo(0.5);
    var leftovers = TestKernel.await(k.kernel.db().pool().query(
        "SELECT (SELECT COUNT(*) FROM tasks) + (SELECT COUNT(*) FROM task_deps) + (SELECT COUNT(*) FROM task_events)"
            + " + (SELECT COUNT(*) FROM plans) AS n").execute());
    assertThat(leftovers.iterator().next().getLong("n")).isZero();
  }

  @Test
  @DisplayName("plans are listed highest version first with the plan JSON parsed")
  void plans() {
    String id = create(alice, "a").getString("id");
    for (int v = 1; v <= 3; v++) {
      k.sql("INSERT INTO plans (id, project_id, version, model_used, prompt_tokens, completion_tokens, cost_usd,"
          + " plan_json, status, created_at) VALUES (?, ?, ?, 'claude-sonnet-4-6', 100, 50, 0.01, ?, ?, ?)",
          "plan00000000" + v, id, v, "{\"summary\":\"v" + v + "\",\"tasks\":[]}", v == 3 ? "draft" : "superseded", v);
    }
    JsonArray plans = k.get("/api/projects/" + id + "/plans", alice).bodyAsJsonArray();
    assertThat(plans.stream().map(p -> ((JsonObject) p).getInteger("version"))).containsExactly(3, 2, 1);
    JsonObject newest = plans.getJsonObject(0);
    assertThat(newest.fieldNames()).containsExactly("id", "project_id", "version", "model_used", "prompt_tokens",
        "completion_tokens", "cost_usd", "plan", "status", "created_at");
    assertThat(newest.getJsonObject("plan").getString("summary")).isEqualTo("v3");
    assertThat(k.get("/api/projects/" + id + "/plans?limit=101", alice).statusCode()).isEqualTo(422);
    assertThat(k.get("/api/projects/" + id + "/plans", bob).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("clone copies the project, its approved plan and tasks with remapped edges, dependants blocked")
  void cloneProject() {
    String id = create(alice, new JsonObject().put("name", "orig").put("requirements", "r")
        .put("repo_path", site.toString())).getString("id");
    seedTasks(id, "completed", "failed", "pending");
    k.sql("UPDATE tasks SET output_text = 'out', prompt_tokens = 9, cost_usd = 1.5, retry_count = 2, max_retries = 5,"
        + " error = 'e', verification_status = 'passed' WHERE project_id = ?", id);

    var res = k.post("/api/projects/" + id + "/clone", null, bob);
    assertThat(res.statusCode()).isEqualTo(403);
    res = k.post("/api/projects/" + id + "/clone", null, alice);
    assertThat(res.statusCode()).isEqualTo(201);
    JsonObject clone = res.bodyAsJsonObject();
    assertThat(clone.getString("name")).isEqualTo("orig (clone)");
    assertThat(clone.getString("status")).isEqualTo("draft");
    assertThat(clone.getString("repo_path")).isNull();
    assertThat(clone.getJsonObject("task_summary").getLong("total")).isEqualTo(3);

    String cloneId = clone.getString("id");
    JsonArray plans = k.get("/api/projects/" + cloneId + "/plans", alice).bodyAsJsonArray();
    assertThat(plans).hasSize(1);
    assertThat(plans.getJsonObject(0).getInteger("version")).isEqualTo(1);
    assertThat(plans.getJsonObject(0).getString("status")).isEqualTo("draft");
    assertThat(plans.getJsonObject(0).getLong("prompt_tokens")).isZero();

    JsonArray tasks = k.get("/api/projects/" + cloneId + "/export", alice).bodyAsJsonObject().getJsonArray("tasks");
    assertThat(tasks).hasSize(3);
    JsonObject t2 = tasks.stream().map(JsonObject.class::cast).filter(t -> t.getString("title").equals("Task 2"))
        .findFirst().orElseThrow();
    assertThat(t2.getString("status")).isEqualTo("blocked");
    assertThat(t2.getString("plan_id")).isEqualTo(plans.getJsonObject(0).getString("id"));
    assertThat(t2.getJsonArray("depends_on")).hasSize(2);
    for (Object dep : t2.getJsonArray("depends_on")) {
      assertThat(tasks.stream().map(t -> ((JsonObject) t).getString("id"))).contains((String) dep);
    }
    JsonObject t0 = tasks.getJsonObject(0);
    assertThat(t0.getString("status")).isEqualTo("pending");
    assertThat(t0.getValue("output_text")).isNull();
    assertThat(t0.getLong("prompt_tokens")).isZero();
    assertThat(t0.getValue("error")).isNull();
    assertThat(t0.getValue("verification_status")).isNull();
    assertThat(t0.getJsonArray("tools")).containsExactly("read_file");
    assertThat(t0.getJsonArray("requirement_ids")).containsExactly("R1");
  }

  @Test
  @DisplayName("export bundles everything as an attachment, and is limited to five a minute")
  void export() {
    String id = create(alice, "a").getString("id");
    var empty = k.get("/api/projects/" + id + "/export", alice);
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.getHeader("Content-Disposition")).isEqualTo("attachment; filename=\"project_" + id + ".json\"");
    JsonObject body = empty.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactly("exported_at", "project", "plans", "tasks", "events", "checkpoints",
        "usage", "knowledge");
    for (String list : new String[] {"plans", "tasks", "events", "checkpoints", "usage", "knowledge"}) {
      assertThat(body.getJsonArray(list)).as(list).isEmpty();
    }

    seedTasks(id, "completed", "completed", "running");
    k.sql("INSERT INTO task_events (project_id, task_id, event_type, message, data_json, timestamp)"
        + " VALUES (?, ?, 'task_complete', 'Task 0', '{\"cost_usd\":0.1}', 5)", id, id + "t0");
    k.sql("INSERT INTO checkpoints (id, project_id, task_id, checkpoint_type, summary, attempts_json, question, created_at)"
        + " VALUES ('cp0000000001', ?, ?, 'retry_exhausted', 's', '[{\"message\":\"m\",\"timestamp\":1.0}]', 'q?', 6)",
        id, id + "t1");
    k.sql("INSERT INTO project_knowledge (id, project_id, task_id, category, content, content_hash, created_at)"
        + " VALUES ('kf0000000001', ?, ?, 'gotcha', 'c', 'h', 7)", id, id + "t0");
    JsonObject full = k.get("/api/projects/" + id + "/export", alice).bodyAsJsonObject();
    assertThat(full.getJsonArray("tasks").stream().map(t -> ((JsonObject) t).getInteger("wave"))).containsExactly(0, 0, 1);
    assertThat(full.getJsonArray("events").getJsonObject(0).getJsonObject("data").getDouble("cost_usd")).isEqualTo(0.1);
    assertThat(full.getJsonArray("checkpoints").getJsonObject(0).getJsonArray("attempts")).hasSize(1);
    assertThat(full.getJsonArray("knowledge").getJsonObject(0).containsKey("project_id")).isFalse();
    assertThat(full.getJsonArray("plans").getJsonObject(0).containsKey("project_id")).isFalse();

    for (int i = 0; i < 3; i++) {
      k.get("/api/projects/" + id + "/export", alice);
    }
    var sixth = k.get("/api/projects/" + id + "/export", alice);
    assertThat(sixth.statusCode()).isEqualTo(429);
  }

  @Test
  @DisplayName("coverage numbers requirement blocks R1.. and marks those a task lists")
  void coverage() {
    String id = create(alice, new JsonObject().put("name", "a")
        .put("requirements", "  First need.\n\nSecond need,\nstill second.\n   \n\nThird need.\n\n")).getString("id");
    seedTasks(id, "pending", "pending");
    JsonObject cov = k.get("/api/projects/" + id + "/coverage", alice).bodyAsJsonObject();
    assertThat(cov.getInteger("total_requirements")).isEqualTo(3);
    assertThat(cov.getInteger("covered_count")).isEqualTo(2);
    assertThat(cov.getInteger("uncovered_count")).isEqualTo(1);
    assertThat(cov.getJsonArray("requirements").getJsonObject(1))
        .isEqualTo(new JsonObject().put("id", "R2").put("text", "Second need,\nstill second.").put("covered", true));
    assertThat(cov.getJsonArray("requirements").getJsonObject(2).getBoolean("covered")).isFalse();
    assertThat(k.get("/api/projects/" + id + "/coverage", bob).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("knowledge lists newest first with a category filter, and deletes only the project's own findings")
  void knowledge() {
    String id = create(alice, "a").getString("id");
    String other = create(alice, "b").getString("id");
    k.sql("INSERT INTO project_knowledge (id, project_id, category, content, content_hash, created_at) VALUES"
        + " ('kf0000000001', ?, 'gotcha', 'old', 'h1', 1), ('kf0000000002', ?, 'decision', 'new', 'h2', 2),"
        + " ('kf0000000003', ?, 'gotcha', 'elsewhere', 'h3', 3)", id, id, other);
    JsonArray all = k.get("/api/projects/" + id + "/knowledge", alice).bodyAsJsonArray();
    assertThat(all.stream().map(f -> ((JsonObject) f).getString("content"))).containsExactly("new", "old");
    assertThat(all.getJsonObject(0).fieldNames()).containsExactly("id", "project_id", "task_id", "category", "content",
        "source_task_title", "created_at");
    assertThat(k.get("/api/projects/" + id + "/knowledge?category=gotcha", alice).bodyAsJsonArray()).hasSize(1);

    var foreign = k.delete("/api/projects/" + id + "/knowledge/kf0000000003", alice);
    assertThat(foreign.statusCode()).isEqualTo(404);
    assertThat(detail(foreign)).isEqualTo("Finding kf0000000003 not found");
    assertThat(k.delete("/api/projects/" + id + "/knowledge/kf0000000001", bob).statusCode()).isEqualTo(403);
    assertThat(k.delete("/api/projects/" + id + "/knowledge/kf0000000001", alice).statusCode()).isEqualTo(204);
    assertThat(k.get("/api/projects/" + id + "/knowledge", alice).bodyAsJsonArray()).hasSize(1);
  }
}
