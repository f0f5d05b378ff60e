package dev.orch.kernel.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From requirements to an approved task DAG against a local server speaking the Anthropic
 * Messages protocol: plan versions, costs, parsing failures, budget refusals and approval.
 */
class PlannerIT {
  static final String MODEL = "claude-sonnet-4-6";
  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  TestKernel k;
  String alice;
  String projectId;

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    startKernel(json -> {});
  }

  private void startKernel(Consumer<JsonObject> tweak) {
    if (k != null) {
      k.close();
    }
    JsonObject json = TestKernel.testConfig(dir.resolve("k" + System.nanoTime()));
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.put("model_retry", new JsonObject().put("max_retries", 1).put("base_delay_ms", 5).put("max_delay_ms", 20));
    tweak.accept(json);
    k = TestKernel.start(json);
    alice = k.signUp("alice@example.com", "password1").getString("access_token");
    projectId = k.post("/api/projects", new JsonObject().put("name", "Shop").put("planning_rigor", "L2")
        .put("requirements", "Customers browse products.\n\nCustomers pay by card.\n\nStaff see orders."), alice)
        .bodyAsJsonObject().getString("id");
  }

  @AfterEach
  void stop() throws Exception {
    k.close();
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  static JsonObject task(String title, String type, String complexity, List<Integer> deps, String... reqs) {
    return new JsonObject().put("title", title).put("description", "Do " + title).put("task_type", type)
        .put("complexity", complexity).put("depends_on", new JsonArray(List.copyOf(deps)))
        .put("requirement_ids", new JsonArray(List.of((Object[]) reqs)));
  }

  static JsonObject shopPlan() {
    return new JsonObject().put("summary", "An online shop")
        .put("phases", new JsonArray()
            .add(new JsonObject().put("name", "Catalogue").put("tasks", new JsonArray()
                .add(task("Product model", "code", "medium", List.of(), "R1"))
                .add(task("Research payment providers", "research", "simple", List.of(), "R2"))))
            .add(new JsonObject().put("name", "Checkout").put("tasks", new JsonArray()
                .add(task("Card payment", "code", "complex", List.of(0, 1), "R2"))
                .add(task("Order screen", "integration", "medium", List.of(2), "R1", "R2")))))
        .put("open_questions", new JsonArray().add(new JsonObject().put("question", "Which currency?")
            .put("proposed_answer", "EUR").put("impact", "pricing")));
  }

  private void answer(String text, long input, long output) {
    claude.enqueue(LocalAnthropicServer.message(MODEL, "end_turn", LocalAnthropicServer.usage(input, output),
        LocalAnthropicServer.text(text)));
  }

  /** Messages API calls only: the resource monitor also asks {@code /v1/models}. */
  private List<dev.orch.kernel.model.LocalModelServer.Recorded> modelCalls() {
    return claude.requests().stream().filter(r -> r.path().equals("/v1/messages")).toList();
  }

  private HttpResponse<Buffer> plan() {
    return k.post("/api/projects/" + projectId + "/plan", null, alice);
  }

  private String status() {
    return k.get("/api/projects/" + projectId, alice).bodyAsJsonObject().getString("status");
  }

  private JsonObject usage() {
    return k.get("/api/usage/summary?project_id=" + projectId, alice).bodyAsJsonObject();
  }

  @Test
  @DisplayName("a plan is generated from the requirements, priced, recorded, and versioned")
  void generate() {
    answer("Here is the plan:\n```json\n" + shopPlan().encodePrettily() + "\n```\nGood luck!", 1200, 800);
    var res = plan();
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactly("plan_id", "version", "plan", "model_used", "prompt_tokens",
        "completion_tokens", "cost_usd");
    assertThat(body.getInteger("version")).isEqualTo(1);
    assertThat(body.getJsonObject("plan")).isEqualTo(shopPlan());
    assertThat(body.getString("model_used")).isEqualTo(MODEL);
    assertThat(body.getLong("prompt_tokens")).isEqualTo(1200);
    assertThat(body.getLong("completion_tokens")).isEqualTo(800);
    assertThat(body.getDouble("cost_usd")).isEqualTo(0.0156); // 1200·3/1e6 + 800·15/1e6
    assertThat(status()).isEqualTo("draft");

    JsonObject sent = modelCalls().get(modelCalls().size() - 1).body();
    assertThat(sent.getString("model")).isEqualTo(MODEL);
    assertThat(sent.getInteger("max_tokens")).isEqualTo(6144);
    assertThat(sent.encode()).contains("phases").contains("open_questions");
    String user = sent.getJsonArray("messages").getJsonObject(0).encode();
    assertThat(user).contains("Project: Shop").contains("[R1] Customers browse products.")
        .contains("[R3] Staff see orders.");
    assertThat(sent.containsKey("tools")).isFalse();

    JsonObject spend = usage();
    assertThat(spend.getDouble("total_cost_usd")).isEqualTo(0.0156);
    assertThat(spend.getLong("api_call_count")).isEqualTo(1);

    answer(shopPlan().encode(), 10, 10);
    assertThat(plan().bodyAsJsonObject().getInteger("version")).isEqualTo(2);
    JsonArray plans = k.get("/api/projects/" + projectId + "/plans", alice).bodyAsJsonArray();
    assertThat(plans.stream().map(p -> ((JsonObject) p).getString("status"))).containsExactly("draft", "superseded");
  }

  @Test
  @DisplayName("approval writes the DAG: waves, blocked dependants, coverage and a cost estimate")
  void approve() {
    answer(shopPlan().encode(), 100, 100);
    String planId = plan().bodyAsJsonObject().getString("plan_id");
    var res = k.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, alice);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getInteger("tasks_created")).isEqualTo(4);
    assertThat(body.getJsonArray("task_ids")).hasSize(4);
    assertThat(body.getInteger("total_waves")).isEqualTo(3);
    assertThat(body.getString("summary")).isEqualTo("An online shop");
    // sonnet, ollama (free), sonnet, haiku: 2·(1500·3 + 4096·15)/1e6 + (1500·1 + 4096·5)/1e6 = 0.15386
    assertThat(body.getDouble("estimated_cost_usd")).isEqualTo(0.1539);
    assertThat(status()).isEqualTo("ready");

    JsonArray tasks = k.get("/api/projects/" + projectId + "/export", alice).bodyAsJsonObject().getJsonArray("tasks");
    assertThat(tasks.stream().map(t -> ((JsonObject) t).getString("title") + "@" + ((JsonObject) t).getInteger("wave")
        + ":" + ((JsonObject) t).getString("status") + ":" + ((JsonObject) t).getString("model_tier")))
        .containsExactly("Product model@0:pending:sonnet", "Research payment providers@0:pending:ollama",
            "Card payment@1:blocked:sonnet", "Order screen@2:blocked:haiku");
    JsonObject card = tasks.getJsonObject(2);
    assertThat(card.getJsonArray("depends_on")).containsExactlyInAnyOrder(body.getJsonArray("task_ids").getString(0),
        body.getJsonArray("task_ids").getString(1));
    assertThat(card.getString("phase")).isEqualTo("Checkout");

    JsonObject coverage = k.get("/api/projects/" + projectId + "/coverage", alice).bodyAsJsonObject();
    assertThat(coverage.getInteger("covered_count")).isEqualTo(2);
    assertThat(coverage.getJsonArray("requirements").getJsonObject(2).getBoolean("covered")).isFalse();

    var again = k.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, alice);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.bodyAsJsonObject().getString("detail")).isEqualTo("Plan is already approved");
    var missing = k.post("/api/projects/" + projectId + "/plans/nope/approve", null, alice);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("detail")).isEqualTo("Plan nope not found");
  }

  @Test
  @DisplayName("a cyclic plan is refused at approval, naming the tasks, and nothing is written")
  void cycle() {
    JsonObject cyclic = new JsonObject().put("summary", "s").put("tasks", new JsonArray()
        .add(task("A", "code", "simple", List.of(2))).add(task("B", "code", "simple", List.of(0)))
        .add(task("C", "code", "simple", List.of(1))));
    answer(cyclic.encode(), 10, 10);
    String planId = plan().bodyAsJsonObject().getString("plan_id");
    var res = k.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, alice);
    assertThat(res.statusCode()).isEqualTo(422);
    assertThat(res.bodyAsJsonObject().getString("detail")).startsWith("Dependency cycle detected: task ")
        .contains("('A')", "('B')", "('C')");
    assertThat(k.get("/api/projects/" + projectId, alice).bodyAsJsonObject().getJsonObject("task_summary")
        .getLong("total")).isZero();
    assertThat(k.get("/api/projects/" + projectId + "/plans", alice).bodyAsJsonArray().getJsonObject(0)
        .getString("status")).isEqualTo("draft");
  }

  @Test
  @DisplayName("an unusable answer is a 422, still billed, with the raw answer kept for the user")
  void unusableAnswer() {
    answer("Sorry, I would rather write a poem about shops.", 300, 50);
    var res = plan();
    assertThat(res.statusCode()).isEqualTo(422);
    assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Failed to parse plan JSON from Claude response");
    assertThat(status()).isEqualTo("draft");
    assertThat(usage().getLong("api_call_count")).isEqualTo(1);
    JsonArray events = k.get("/api/projects/" + projectId + "/export", alice).bodyAsJsonObject().getJsonArray("events");
    assertThat(events.getJsonObject(0).getString("event_type")).isEqualTo("planning_failed");
    assertThat(events.getJsonObject(0).getJsonObject("data").getString("raw_response")).contains("poem");

    answer("", 10, 0);
    var empty = plan();
    assertThat(empty.statusCode()).isEqualTo(422);
    assertThat(empty.bodyAsJsonObject().getString("detail")).isEqualTo("Claude returned an empty response");
  }

  @Test
  @DisplayName("when the budget cannot cover the estimate, planning is refused with 402 before any call")
  void budgetRefusal() {
    startKernel(json -> json.getJsonObject("budget").put("per_project_limit_usd", 0.01));
    var res = plan();
    assertThat(res.statusCode()).isEqualTo(402);
    assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Budget limit reached. Cannot generate plan.");
    assertThat(modelCalls()).isEmpty();
    assertThat(status()).isEqualTo("draft");
  }

  @Test
  @DisplayName("a model API that keeps failing gives a 500 after retries; the reservation is released")
  void modelFailure() {
    claude.enqueue(LocalAnthropicServer.errorReply(529, "overloaded_error", "Overloaded"),
        LocalAnthropicServer.errorReply(529, "overloaded_error", "Overloaded"));
    var res = plan();
    assertThat(res.statusCode()).isEqualTo(500);
    assertThat(res.bodyAsJsonObject().getString("detail")).as("no upstream error text")
        .isEqualTo("Planning call to " + MODEL + " failed (the provider answered HTTP 529)");
    assertThat(modelCalls()).hasSize(2);
    assertThat(status()).isEqualTo("draft");
    assertThat(usage().getLong("api_call_count")).isZero();
    String admin = alice; // the first account is the admin
    JsonObject budget = k.get("/api/usage/budget", admin).bodyAsJsonObject();
    assertThat(budget.getDouble("daily_spent_usd")).isZero();
  }

  @Test
  @DisplayName("planning is refused in executing, completed and cancelled projects, and for other users")
  void refusals() {
    for (String state : List.of("executing", "completed", "cancelled")) {
      k.sql("UPDATE projects SET status = ? WHERE id = ?", state, projectId);
      var res = plan();
      assertThat(res.statusCode()).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Cannot plan a project in '" + state + "' state");
    }
    String bob = k.signUp("bob@example.com", "password2").getString("access_token");
    k.sql("UPDATE projects SET status = 'draft' WHERE id = ?", projectId);
    assertThat(k.post("/api/projects/" + projectId + "/plan", null, bob).statusCode()).isEqualTo(403);
    assertThat(modelCalls()).isEmpty();
  }

  @Test
  @DisplayName("a valid plan with an empty task list, or phases without tasks, is stored; approving it is a 400")
  void emptyPlanStored() {
    for (JsonObject empty : List.of(new JsonObject().put("summary", "Nothing to do").put("tasks", new JsonArray()),
        new JsonObject().put("summary", "s").put("phases", new JsonArray().add(new JsonObject().put("name", "A")
            .put("tasks", new JsonArray())).add(new JsonObject().put("name", "B"))))) {
      answer("Here it is:\n" + empty.encode(), 10, 10);
      var planned = plan();
      assertThat(planned.statusCode()).as(planned.bodyAsString()).isEqualTo(200);
      assertThat(planned.bodyAsJsonObject().getJsonObject("plan")).isEqualTo(empty);

      var approved = k.post("/api/projects/" + projectId + "/plans/" + planned.bodyAsJsonObject().getString("plan_id")
          + "/approve", null, alice);
      assertThat(approved.statusCode()).isEqualTo(400);
      assertThat(approved.bodyAsJsonObject().getString("detail")).isEqualTo("Plan has no tasks");
    }
  }

  @Test
  @DisplayName("a plan without tasks cannot be approved")
  void noTasks() {
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES ('emptyplan001', ?, 1, ?, '{\"summary\":\"s\",\"tasks\":[]}', 'draft', 1)", projectId, MODEL);
    var res = k.post("/api/projects/" + projectId + "/plans/emptyplan001/approve", null, alice);
    assertThat(res.statusCode()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Plan has no tasks");
  }
}
