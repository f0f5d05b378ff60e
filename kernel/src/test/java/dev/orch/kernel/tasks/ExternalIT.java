package dev.orch.kernel.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.budget.BudgetAddresses;
import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/external} (API.md §3.7, §12, §18.1 decision 23) over real HTTP and SQLite, with the
 * real budget component: the pull protocol of an agent holding an API key, the contract's checks in
 * their order, hybrid tier filtering, and spend that goes through reservation and record.
 */
class ExternalIT extends TaskApiFixture {
  static final double PROJECT_LIMIT_USD = 1.0;
  private static final JsonObject EXTERNAL = new JsonObject().put("execution_mode", "external");
  private static final JsonObject HYBRID = new JsonObject().put("execution_mode", "hybrid");

  /** What the API sent to the budget component. */
  final List<JsonObject> reserves = new CopyOnWriteArrayList<>();
  final List<JsonObject> records = new CopyOnWriteArrayList<>();

  @Override
  protected JsonObject config(Path dataDir) {
    JsonObject json = super.config(dataDir);
    json.getJsonObject("budget").put("per_project_limit_usd", PROJECT_LIMIT_USD);
    return json;
  }

  @BeforeEach
  void recordBudgetRequests() {
    k.vertx.eventBus().addOutboundInterceptor((DeliveryContext<Object> ctx) -> {
      String address = ctx.message().address();
      if (address.equals(BudgetAddresses.RESERVE)) {
        reserves.add((JsonObject) ctx.body());
      } else if (address.equals(BudgetAddresses.RECORD)) {
        records.add((JsonObject) ctx.body());
      }
      ctx.next();
    });
  }

  /** Stands in for the executor's unblocking on completion (not on this branch); idempotent beside the real one. */
  private void unblockOnCompletion() {
    TestKernel.await(k.vertx.eventBus().<JsonObject>consumer(ExecutorAddresses.COMPLETED, m -> k.kernel.db().pool()
        .preparedQuery("UPDATE tasks SET status = 'pending' WHERE project_id = ? AND status = 'blocked' AND NOT EXISTS"
            + " (SELECT 1 FROM task_deps d JOIN tasks dep ON dep.id = d.depends_on WHERE d.task_id = tasks.id"
            + " AND dep.status <> 'completed')")
        .execute(Tuple.of(m.body().getString("project_id")))).completion());
  }

  private String apiKey(String token) {
    var res = k.post("/api/auth/api-keys", new JsonObject().put("name", "agent"), token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getString("key");
  }

  private static JsonObject result(String model, long prompt, long completion) {
    return new JsonObject().put("output_text", "Did it.").put("model_used", model).put("prompt_tokens", prompt)
        .put("completion_tokens", completion);
  }

  private static JsonObject planTask(String title, String type, String complexity, int... deps) {
    JsonArray dependsOn = new JsonArray();
    for (int d : deps) {
      dependsOn.add(d);
    }
    return new JsonObject().put("title", title).put("description", "Do " + title).put("task_type", type)
        .put("complexity", complexity).put("depends_on", dependsOn).put("requirement_ids", new JsonArray().add("R1"));
  }

  /** An executing project whose approved plan is a diamond-ish DAG: two roots, a join, a tail. */
  private String approvedProject(String token, JsonObject config) {
    String p = project(token, config);
    JsonObject plan = new JsonObject().put("summary", "A shop").put("phases", new JsonArray()
        .add(new JsonObject().put("name", "Base").put("tasks", new JsonArray()
            .add(planTask("Product model", "code", "medium"))
            .add(planTask("Research payments", "research", "simple"))))
        .add(new JsonObject().put("name", "Checkout").put("tasks", new JsonArray()
            .add(planTask("Card payment", "code", "complex", 0, 1))
            .add(planTask("Order screen", "integration", "medium", 2)))));
    String planId = Ids.short12();
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'claude-sonnet-4-6', ?, 'draft', 1)", planId, p, plan.encode());
    JsonObject approved = ok(k.post("/api/projects/" + p + "/plans/" + planId + "/approve", null, token));
    assertThat(approved.getInteger("tasks_created")).isEqualTo(4);
    assertThat(ok(k.post("/api/projects/" + p + "/execute", null, token)).getString("status")).isEqualTo("executing");
    return p;
  }

  private String taskId(String projectId, String title) {
    var rows = TestKernel.await(k.kernel.db().pool().preparedQuery("SELECT id FROM tasks WHERE project_id = ? AND title = ?")
        .execute(Tuple.of(projectId, title)));
    return rows.iterator().next().getString("id");
  }

  private JsonObject usage(String projectId) {
    return ok(k.get("/api/usage/summary?project_id=" + projectId, alice));
  }

  @Test
  @DisplayName("an agent with an API key lists, claims, completes and releases tasks through a whole DAG (§12.2)")
  void protocol() {
    unblockOnCompletion();
    String p = approvedProject(alice, EXTERNAL);
    progressOf(p);
    String key = apiKey(alice);
    String model = taskId(p, "Product model");
    String research = taskId(p, "Research payments");
    String card = taskId(p, "Card payment");
    String order = taskId(p, "Order screen");
    String aliceId = ok(k.get("/api/auth/me", alice)).getString("id");

    JsonArray claimable = okList(k.get("/api/external/" + p + "/claimable", key));
    assertThat(ids(claimable)).containsExactlyInAnyOrder(model, research);
    JsonObject first = claimable.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactly("id", "title", "description", "model_tier", "wave", "priority",
        "phase", "task_type", "depends_on");
    assertThat(first.getInteger("wave")).isZero();

    JsonObject claim = ok(k.post("/api/external/tasks/" + model + "/claim", null, key));
    assertThat(claim.fieldNames()).containsExactly("id", "project_id", "title", "description", "task_type",
        "model_tier", "wave", "priority", "phase", "system_prompt", "context", "tools", "depends_on", "max_tokens",
        "requirement_ids");
    assertThat(claim.getString("description")).isEqualTo("Do Product model");
    assertThat(claim.getString("model_tier")).isEqualTo("sonnet");
    assertThat(claim.getString("system_prompt")).isNotNull();
    assertThat(claim.getJsonArray("context").stream().map(e -> ((JsonObject) e).getString("type")))
        .contains("task_description");
    assertThat(claim.getJsonArray("tools")).isNotEmpty();
    assertThat(claim.getJsonArray("requirement_ids")).containsExactly("R1");
    assertThat(claim.getInteger("max_tokens")).isPositive();
    assertThat(status(model)).isEqualTo("running");
    assertThat(column("tasks", model, "claimed_by")).isEqualTo(aliceId);
    assertThat(column("tasks", model, "claimed_at")).isEqualTo(column("tasks", model, "started_at")).isNotNull();
    assertError(k.post("/api/external/tasks/" + model + "/claim", null, key), 409,
        "Task not claimable — already claimed or not pending");
    assertThat(ids(okList(k.get("/api/external/" + p + "/claimable", key)))).containsExactly(research);

    // Give the research back, then finish the model: the research is suggested next.
    ok(k.post("/api/external/tasks/" + research + "/claim", null, key));
    assertThat(ok(k.post("/api/external/tasks/" + research + "/release", null, key)))
        .isEqualTo(new JsonObject().put("status", "released").put("task_id", research));
    assertThat(status(research)).isEqualTo("pending");
    assertThat(column("tasks", research, "claimed_by")).isNull();
    assertThat(column("tasks", research, "started_at")).isNull();
    assertThat(column("tasks", research, "retry_count")).isEqualTo(0);
    eventually(() -> assertThat(wakes).contains(wakeOf(p)));

    JsonObject done = ok(k.post("/api/external/tasks/" + model + "/result", result("claude-sonnet-4-6", 1000, 500), key));
    assertThat(done).isEqualTo(new JsonObject().put("task_id", model).put("status", "completed")
        .put("verification_status", null).put("verification_notes", null).put("next_claimable_task_id", research));
    JsonObject stored = ok(k.get("/api/tasks/" + model, alice));
    assertThat(stored.getString("status")).isEqualTo("completed");
    assertThat(stored.getString("output_text")).isEqualTo("Did it.");
    assertThat(stored.getString("model_used")).isEqualTo("claude-sonnet-4-6");
    assertThat(stored.getLong("prompt_tokens")).isEqualTo(1000);
    assertThat(stored.getLong("completion_tokens")).isEqualTo(500);
    assertThat(stored.getDouble("cost_usd")).isEqualTo(0.0105);
    assertThat(stored.getValue("completed_at")).isNotNull();
    assertThat(column("tasks", model, "claimed_by")).as("claim fields are left").isEqualTo(aliceId);
    eventually(() -> assertThat(completions).containsExactly(new JsonObject().put("project_id", p)
        .put("task_id", model).put("external", true)));
    eventually(() -> assertThat(events).contains(new JsonObject().put("type", "task_complete")
        .put("message", "Product model").put("project_id", p).put("task_id", model)
        .put("data", new JsonObject().put("cost_usd", 0.0105))));
    assertError(k.post("/api/external/tasks/" + model + "/result", result("claude-sonnet-4-6", 1000, 500), key), 409,
        "Task is not running (status: completed)");

    // Each claim held its task's estimate times budget.external_overrun_factor (sonnet: 1,500 tokens in and
    // 4,096 out, $0.06594, twice); the spend was recorded against the claim's hold, once. The claim that lost
    // (the model's second) held before it lost, and gave it back.
    assertThat(reserves).hasSize(3);
    assertThat(reserves.get(0).getString("project_id")).isEqualTo(p);
    assertThat(reserves.get(0).getString("task_id")).isEqualTo(model);
    assertThat(reserves.get(0).getString("purpose")).isEqualTo("external_execution");
    assertThat(reserves.get(0).getDouble("amount_usd")).isCloseTo(0.13188, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(records).hasSize(1);
    assertThat(records.get(0).getString("reservation_id")).isNotNull();
    assertThat(records.get(0).getString("purpose")).isEqualTo("external_execution");
    assertThat(records.get(0).getString("provider")).isEqualTo("anthropic");
    JsonObject spent = usage(p);
    assertThat(spent.getDouble("total_cost_usd")).isEqualTo(0.0105);
    assertThat(spent.getLong("api_call_count")).isEqualTo(1);
    assertThat(spent.getJsonObject("by_provider").getJsonObject("anthropic").getLong("calls")).isEqualTo(1);
    assertThat(spent.getJsonObject("by_model").getJsonObject("claude-sonnet-4-6").getLong("prompt_tokens"))
        .isEqualTo(1000);
    assertThat(TestKernel.await(k.kernel.db().pool().query("SELECT COUNT(*) AS n FROM budget_reservations").execute())
        .iterator().next().getLong("n")).as("the reservation was settled").isZero();

    // The rest of the DAG, following the suggestions; an unpriced model costs nothing.
    ok(k.post("/api/external/tasks/" + research + "/claim", null, key));
    JsonObject afterResearch = ok(k.post("/api/external/tasks/" + research + "/result",
        result("claude-code", 0, 0), key));
    assertThat(afterResearch.getValue("next_claimable_task_id")).as("dependents wait for the executor").isIn(null, card);
    eventually(() -> assertThat(ids(okList(k.get("/api/external/" + p + "/claimable", key)))).containsExactly(card));
    assertThat(okList(k.get("/api/external/" + p + "/claimable", key)).getJsonObject(0).getJsonArray("depends_on")
        .getList()).containsExactlyInAnyOrder(model, research);
    ok(k.post("/api/external/tasks/" + card + "/claim", null, key));
    ok(k.post("/api/external/tasks/" + card + "/result", result("claude-haiku-4-5-20251001", 100, 100), key));
    eventually(() -> assertThat(ids(okList(k.get("/api/external/" + p + "/claimable", key)))).containsExactly(order));
    ok(k.post("/api/external/tasks/" + order + "/claim", null, key));
    assertThat(ok(k.post("/api/external/tasks/" + order + "/result", result("claude-code", 0, 0), key))
        .getValue("next_claimable_task_id")).isNull();
    assertThat(okList(k.get("/api/external/" + p + "/claimable", key))).isEmpty();
    assertThat(usage(p).getLong("api_call_count")).isEqualTo(4);
    assertThat(usage(p).getDouble("total_cost_usd")).isEqualTo(0.0111);
    assertThat(records).hasSize(4);
    assertThat(records.stream().map(r -> r.containsKey("reservation_id"))).as("each settles its claim's hold")
        .containsOnly(true);
    assertThat(TestKernel.await(k.kernel.db().pool().query("SELECT COUNT(*) AS n FROM budget_reservations").execute())
        .iterator().next().getLong("n")).as("nothing stays held").isZero();
    assertThat(k.get("/api/external/" + p + "/claimable", "orch_not-a-key").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("claim checks in order: task, project (foreign hidden), executing, auto mode, ollama in hybrid, pending")
  void claimChecks() {
    String p = project(alice, HYBRID);
    String plan = plan(p);
    String sonnet = task(p, plan, "S", "pending", 0, 1, "sonnet");
    String ollama = task(p, plan, "O", "pending", 0, 1, "ollama");
    String claim = "/api/external/tasks/" + sonnet + "/claim";
    projectStatus(p, "ready");

    assertError(k.post("/api/external/tasks/000000000000/claim", null, alice), 404, "Task not found");
    assertError(k.post(claim, null, bob), 404, "Project not found");
    assertError(k.post(claim, null, alice), 409, "Project is not executing (status: ready)");
    projectStatus(p, "executing");
    assertError(k.post("/api/external/tasks/" + ollama + "/claim", null, alice), 409,
        "Ollama tasks are handled internally in hybrid mode");
    k.sql("UPDATE projects SET config_json = '{}' WHERE id = ?", p);
    assertError(k.post(claim, null, alice), 409, "Project uses auto execution mode — external claiming not allowed");
    k.sql("UPDATE projects SET config_json = ? WHERE id = ?", EXTERNAL.encode(), p);
    assertThat(ok(k.post("/api/external/tasks/" + ollama + "/claim", null, alice)).getString("id"))
        .as("external mode takes every tier").isEqualTo(ollama);
    k.sql("UPDATE tasks SET status = 'blocked' WHERE id = ?", sonnet);
    assertError(k.post(claim, null, alice), 409, "Task not claimable — already claimed or not pending");
    k.sql("UPDATE tasks SET status = 'pending' WHERE id = ?", sonnet);
    assertThat(ok(k.post(claim, null, admin)).getString("id")).as("admins may claim").isEqualTo(sonnet);
    assertThat(events).as("a claim sends no event").isEmpty();
  }

  @Test
  @DisplayName("result and release check in order: task, project (foreign hidden), running, claimant; bodies first")
  void resultChecks() {
    String p = project(alice, EXTERNAL);
    String plan = plan(p);
    projectStatus(p, "executing");
    String t = task(p, plan, "T", "pending", 0, 1, "sonnet");
    String internal = task(p, plan, "I", "running", 0, 1, "sonnet");
    JsonObject body = result("claude-sonnet-4-6", 1, 1);
    for (String action : List.of("result", "release")) {
      String path = "/api/external/tasks/" + t + "/" + action;
      assertError(k.post("/api/external/tasks/000000000000/" + action, body, alice), 404, "Task not found");
      assertError(k.post(path, body, bob), 404, "Project not found");
      assertError(k.post(path, body, alice), 409, "Task is not running (status: pending)");
      assertError(k.post("/api/external/tasks/" + internal + "/" + action, body, alice), 403,
          "Task is claimed by a different user");
    }
    ok(k.post("/api/external/tasks/" + t + "/claim", null, alice));
    assertError(k.post("/api/external/tasks/" + t + "/result", body, admin), 403, "Task is claimed by a different user");
    assertError(k.post("/api/external/tasks/" + t + "/release", null, admin), 403, "Task is claimed by a different user");

    String path = "/api/external/tasks/" + t + "/result";
    for (JsonObject bad : new JsonObject[] {new JsonObject().put("model_used", "m"),
        body.copy().put("output_text", ""), body.copy().put("model_used", ""),
        body.copy().put("model_used", "m".repeat(101)), body.copy().put("prompt_tokens", -1),
        body.copy().put("completion_tokens", 1.5), body.copy().put("prompt_tokens", "5"),
        body.copy().put("output_text", 7)}) {
      assertThat(k.post(path, bad, alice).statusCode()).as(bad.encode()).isEqualTo(422);
    }
    assertThat(k.post("/api/external/tasks/000000000000/result", new JsonObject(), alice).statusCode())
        .as("validation before existence").isEqualTo(422);
    assertThat(records).as("nothing refused was charged").isEmpty();
    JsonObject minimal = new JsonObject().put("output_text", "x").put("model_used", "claude-sonnet-4-6");
    assertThat(ok(k.post(path, minimal, alice)).getString("status")).isEqualTo("completed");
    assertThat(records.get(0).getLong("prompt_tokens")).as("tokens default to 0").isZero();
  }

  @Test
  @DisplayName("claimable: foreign or missing projects are 404; empty unless executing in a non-auto mode")
  void claimableVisibility() {
    String p = project(alice, EXTERNAL);
    task(p, plan(p), "T", "pending", 0, 1, "sonnet");
    assertError(k.get("/api/external/000000000000/claimable", alice), 404, "Project not found");
    assertError(k.get("/api/external/" + p + "/claimable", bob), 404, "Project not found");
    assertThat(okList(k.get("/api/external/" + p + "/claimable", alice))).as("not executing").isEmpty();
    projectStatus(p, "executing");
    assertThat(okList(k.get("/api/external/" + p + "/claimable", alice))).hasSize(1);
    assertThat(okList(k.get("/api/external/" + p + "/claimable", admin))).hasSize(1);
    for (String config : List.of("{}", "{\"execution_mode\":\"auto\"}")) {
      k.sql("UPDATE projects SET config_json = ? WHERE id = ?", config, p);
      assertThat(okList(k.get("/api/external/" + p + "/claimable", alice))).as(config).isEmpty();
    }
  }

  @Test
  @DisplayName("claimable follows the wave rule: the lowest unfinished wave, dependencies done, by priority then age")
  void waveRule() {
    String p = project(alice, EXTERNAL);
    String plan = plan(p);
    projectStatus(p, "executing");
    String done = task(p, plan, "Done", "completed", 0, 1, "haiku");
    String review = task(p, plan, "Review", "needs_review", 0, 1, "haiku");
    String late = task(p, plan, "Late", "pending", 1, 5, "haiku", done);
    String early = task(p, plan, "Early", "pending", 1, 5, "haiku");
    String urgent = task(p, plan, "Urgent", "pending", 1, 1, "haiku");
    String waiting = task(p, plan, "Waiting", "pending", 1, 0, "haiku", review);
    String next = task(p, plan, "Next wave", "pending", 2, 0, "haiku");
    k.sql("UPDATE tasks SET description = ? WHERE id = ?", "é".repeat(600), urgent);

    JsonArray list = okList(k.get("/api/external/" + p + "/claimable", alice));
    assertThat(ids(list)).as("needs_review counts as finished; a dependency in review holds its dependent")
        .containsExactly(urgent, late, early).doesNotContain(waiting);
    assertThat(list.getJsonObject(0).getString("description")).isEqualTo("é".repeat(500));
    assertThat(list.getJsonObject(1).getJsonArray("depends_on")).containsExactly(done);

    String blocker = task(p, plan, "Blocker", "blocked", 0, 9, "haiku");
    assertThat(okList(k.get("/api/external/" + p + "/claimable", alice))).as("wave 0 is unfinished again").isEmpty();
    k.sql("UPDATE tasks SET status = 'cancelled' WHERE id = ?", blocker);
    k.sql("UPDATE tasks SET status = 'completed' WHERE project_id = ? AND wave = 1", p);
    assertThat(ids(okList(k.get("/api/external/" + p + "/claimable", alice)))).containsExactly(next);
  }

  @Test
  @DisplayName("in hybrid mode neither the list nor the next suggestion offers ollama tasks (§18.15)")
  void hybrid() {
    String p = project(alice, HYBRID);
    String plan = plan(p);
    projectStatus(p, "executing");
    task(p, plan, "Local", "pending", 0, 1, "ollama");
    String sonnet = task(p, plan, "Cloud", "pending", 0, 2, "sonnet");
    String haiku = task(p, plan, "Cheap", "pending", 0, 3, "haiku");
    assertThat(ids(okList(k.get("/api/external/" + p + "/claimable", alice)))).containsExactly(sonnet, haiku);
    ok(k.post("/api/external/tasks/" + sonnet + "/claim", null, alice));
    assertThat(ok(k.post("/api/external/tasks/" + sonnet + "/result", result("claude-code", 1, 1), alice))
        .getString("next_claimable_task_id")).isEqualTo(haiku);

    String q = project(alice, EXTERNAL);
    String plan2 = plan(q);
    projectStatus(q, "executing");
    String local = task(q, plan2, "Local", "pending", 0, 1, "ollama");
    String cloud = task(q, plan2, "Cloud", "pending", 0, 2, "sonnet");
    ok(k.post("/api/external/tasks/" + cloud + "/claim", null, alice));
    assertThat(ok(k.post("/api/external/tasks/" + cloud + "/result", result("claude-code", 1, 1), alice))
        .getString("next_claimable_task_id")).as("external mode suggests every tier").isEqualTo(local);
  }

  @Test
  @DisplayName("a result that costs more than its claim holds is refused, nothing is recorded and the claim stays")
  void costCappedByTheClaim() {
    String p = project(alice, EXTERNAL);
    projectStatus(p, "executing");
    String t = task(p, plan(p), "Big", "pending", 0, 1, "opus");
    ok(k.post("/api/external/tasks/" + t + "/claim", null, alice));
    // The claim holds opus's estimate twice: (1,500 in, 2,048 out) = $0.1761, so $0.3522.
    // 20 000 output tokens of opus at $75/Mtok: $1.50.
    assertError(k.post("/api/external/tasks/" + t + "/result", result("claude-opus-4-6", 0, 20_000), alice), 422,
        "Reported cost $1.500000 exceeds the $0.352200 this task's claim may spend (its estimate times"
            + " budget.external_overrun_factor)");
    assertThat(records).isEmpty();
    assertThat(status(t)).as("the claim stays").isEqualTo("running");
    assertThat(usage(p).getDouble("total_cost_usd")).isZero();

    JsonObject done = ok(k.post("/api/external/tasks/" + t + "/result", result("claude-opus-4-6", 0, 4_000), alice));
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(usage(p).getDouble("total_cost_usd")).isEqualTo(0.3);
  }

  @Test
  @DisplayName("token counts no call of the model can have are refused: nothing is recorded and the claim stays")
  void impossibleTokenCounts() {
    String p = project(alice, EXTERNAL);
    projectStatus(p, "executing");
    String t = task(p, plan(p), "T", "pending", 0, 1, "haiku");
    ok(k.post("/api/external/tasks/" + t + "/claim", null, alice));

    assertError(k.post("/api/external/tasks/" + t + "/result", result("claude-haiku-4-5-20251001", Long.MAX_VALUE, 0),
        alice), 422, "prompt_tokens 9223372036854775807 exceeds the 200000 tokens a call of claude-haiku-4-5-20251001"
            + " can take");
    assertError(k.post("/api/external/tasks/" + t + "/result", result("some-agent", 0, 5_000_000), alice), 422,
        "completion_tokens 5000000 exceeds the 128000 tokens a call of some-agent can give");
    assertThat(records).isEmpty();
    assertThat(status(t)).isEqualTo("running");
    assertThat(usage(p).getDouble("total_cost_usd")).isZero();
    assertThat(ok(k.post("/api/external/tasks/" + t + "/result", result("some-agent", 10, 10), alice))
        .getString("status")).as("an unpriced model still records cost 0").isEqualTo("completed");
  }

  @Test
  @DisplayName("a claim whose hold the budget cannot take is refused with 402 and the task stays claimable")
  void claimHoldsTheBudget() {
    String p = project(alice, EXTERNAL);
    projectStatus(p, "executing");
    String plan = plan(p);
    String first = task(p, plan, "First", "pending", 0, 1, "opus");
    String other = task(p, plan, "Other", "pending", 0, 2, "opus");
    String second = task(p, plan, "Second", "pending", 0, 3, "opus");
    ok(k.post("/api/external/tasks/" + first + "/claim", null, alice));
    ok(k.post("/api/external/tasks/" + other + "/claim", null, alice));

    // $0.3522 held for each of the first two; a third does not fit the project's $1.00.
    assertError(k.post("/api/external/tasks/" + second + "/claim", null, alice), 402, "Project budget limit reached");
    assertThat(status(second)).isEqualTo("pending");
    ok(k.post("/api/external/tasks/" + first + "/release", null, alice));
    assertThat(ok(k.post("/api/external/tasks/" + second + "/claim", null, alice)).getString("id")).isEqualTo(second);
  }

  @Test
  @DisplayName("a task cancelled while claimed keeps its status against the late result, whose spend is still recorded")
  void cancellationWins() {
    String p = project(alice, EXTERNAL);
    projectStatus(p, "executing");
    String t = task(p, plan(p), "T", "pending", 0, 1, "sonnet");
    ok(k.post("/api/external/tasks/" + t + "/claim", null, alice));
    ok(k.post("/api/projects/" + p + "/cancel", null, alice));
    eventually(() -> assertThat(cancels).contains(cancelOf(p, null)));

    assertError(k.post("/api/external/tasks/" + t + "/result", result("claude-sonnet-4-6", 1000, 0), alice), 409,
        "Task is not running (status: cancelled)");
    assertThat(status(t)).isEqualTo("cancelled");
    assertThat(column("tasks", t, "output_text")).isNull();
    assertThat(usage(p).getDouble("total_cost_usd")).isEqualTo(0.003);
    assertThat(completions).isEmpty();
    assertThat(events).isEmpty();
    assertError(k.post("/api/external/tasks/" + t + "/result", result("claude-sonnet-4-6", 1000, 0), alice), 409,
        "Task is not running (status: cancelled)");
    assertThat(usage(p).getLong("api_call_count")).as("a resend is counted once").isEqualTo(1);
    assertError(k.post("/api/external/tasks/" + t + "/release", null, alice), 409,
        "Task is not running (status: cancelled)");
  }
}
