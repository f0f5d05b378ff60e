package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.PluginJars;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor against a local server speaking the Anthropic Messages protocol, with per-task
 * latency and failures: dispatch order, caps, retries, checkpoints, budgets, pause, cancel.
 */
class ExecutorIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";
  @TempDir Path dir;
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(
      () -> TestKernel.testConfig(dir.resolve("k" + System.nanoTime())), this::respond);
  TestKernel k;
  String token;
  String projectId;
  /** Title → how the model answers it. */
  final Map<String, Behaviour> behaviour = new ConcurrentHashMap<>();
  final Map<String, Long> firstRequestAt = new ConcurrentHashMap<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();

  /** How the model answers one task: latency, failures before success, output tokens. */
  record Behaviour(long delayMs, int failures, int status, long outputTokens) {
    static Behaviour ok(long delayMs) {
      return new Behaviour(delayMs, 0, 200, 50);
    }
  }

  final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  JsonObject projectConfig = new JsonObject();

  /** Answers for the verifier and the knowledge extractor, by their system prompts; null: the task answer. */
  volatile java.util.function.Function<Recorded, Reply> reviewer = r -> null;
  /** Title → output text, instead of "output of {title}". */
  final Map<String, String> outputs = new ConcurrentHashMap<>();
  /** Title → the tool call its first round makes. */
  final Map<String, JsonObject> toolUse = new ConcurrentHashMap<>();
  /** Title → the system prompt of each of its requests, in order. */
  final Map<String, List<String>> systems = new ConcurrentHashMap<>();

  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    Reply review = reviewer.apply(r);
    if (review != null) {
      return review;
    }
    String user = r.body().getJsonArray("messages").getJsonObject(0).encode();
    var m = java.util.regex.Pattern.compile("Do ([A-Za-z0-9]+)\\.").matcher(user);
    String title = m.find() ? m.group(1) : "?";
    firstRequestAt.putIfAbsent(title, System.nanoTime());
    systems.computeIfAbsent(title, t -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(r.body().getValue("system") instanceof JsonArray blocks
            ? blocks.stream().map(o -> ((JsonObject) o).getString("text", "")).collect(java.util.stream.Collectors.joining())
            : String.valueOf(r.body().getValue("system")));
    Behaviour b = behaviour.getOrDefault(title, Behaviour.ok(0));
    int attempt = attempts.computeIfAbsent(title, t -> new AtomicInteger()).incrementAndGet();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    orch.vertx().setTimer(Math.max(1, b.delayMs()), id -> inFlight.decrementAndGet());
    if (attempt <= b.failures()) {
      return LocalAnthropicServer.errorReply(b.status(), b.status() == 529 ? "overloaded_error" : "api_error", "boom")
          .after(b.delayMs());
    }
    boolean firstRound = r.body().getJsonArray("messages").size() == 1;
    if (firstRound && toolUse.containsKey(title)) {
      return LocalAnthropicServer.message(HAIKU, "tool_use", LocalAnthropicServer.usage(100, 20),
          LocalAnthropicServer.text("Let me look."), LocalAnthropicServer.toolUse("toolu_1",
              toolUse.get(title).getString("name"), toolUse.get(title).getJsonObject("input")));
    }
    return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(100, b.outputTokens()),
        LocalAnthropicServer.text(outputs.getOrDefault(title, "output of " + title))).after(b.delayMs());
  }

  /** The fixture's kernel running three tasks at a time, per project too, exports unthrottled; then {@code tweak}. */
  private void startKernel(Consumer<JsonObject> tweak) {
    k = orch.start(c -> {
      c.getJsonObject("execution").put("max_concurrent_tasks", 3).put("max_concurrent_per_project", 3);
      c.getJsonObject("server").getJsonObject("endpoint_rate_limits").put("export", "100000/minute");
      tweak.accept(c);
    });
    token = orch.token();
  }

  /** Tasks in order: title, dependency indices, title, dependency indices, ... */
  @SuppressWarnings("unchecked")
  static Map<String, List<Integer>> plan(Object... titleAndDeps) {
    Map<String, List<Integer>> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < titleAndDeps.length; i += 2) {
      out.put((String) titleAndDeps[i], (List<Integer>) titleAndDeps[i + 1]);
    }
    return out;
  }

  /** Approves a plan of the given tasks (title → dependency indices) and starts execution. */
  private List<String> run(Map<String, List<Integer>> tasks) {
    return runWith(tasks, () -> {});
  }

  /** As {@link #run}, with {@code adjust} run between approval and execution. */
  private List<String> runWith(Map<String, List<Integer>> tasks, Runnable adjust) {
    projectId = orch.createProject(new JsonObject().put("name", "p").put("requirements", "r")
        .put("config", projectConfig));
    JsonArray list = new JsonArray();
    tasks.forEach((title, deps) -> list.add(ExecutorFixture.task(title)
        .put("tools_needed", toolUse.containsKey(title) ? new JsonArray().add(toolUse.get(title).getString("name"))
            : new JsonArray())
        .put("depends_on", new JsonArray(deps))));
    return orch.approveAndRun(projectId, list, adjust);
  }

  private void execute() {
    orch.execute(projectId);
  }

  private JsonObject project() {
    return orch.project(projectId);
  }

  private Map<String, JsonObject> tasks() {
    Map<String, JsonObject> out = new java.util.HashMap<>();
    k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("tasks")
        .forEach(t -> out.put(((JsonObject) t).getString("title"), (JsonObject) t));
    return out;
  }

  private void awaitStatus(String status) {
    orch.awaitStatus(projectId, status);
  }


  @Test
  @DisplayName("a DAG runs to completion: outputs stored, spend recorded, outputs forwarded to dependants")
  void runsToCompletion() {
    startKernel(c -> {});
    run(plan("A", List.of(), "B", List.of(), "C", List.of(0), "D", List.of(1, 2)));
    awaitStatus("completed");
    Map<String, JsonObject> tasks = tasks();
    tasks.forEach((title, t) -> {
      assertThat(t.getString("status")).as(title).isEqualTo("completed");
      assertThat(t.getString("output_text")).isEqualTo("output of " + title);
      assertThat(t.getString("model_used")).isEqualTo(HAIKU);
      assertThat(t.getLong("prompt_tokens")).isEqualTo(100);
      assertThat(t.getDouble("cost_usd")).isEqualTo(0.00035); // 100·1/1e6 + 50·5/1e6
    });
    assertThat(project().getValue("completed_at")).isNotNull();
    JsonObject usage = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject();
    assertThat(usage.getLong("api_call_count")).isEqualTo(4);
    assertThat(usage.getDouble("total_cost_usd")).isEqualTo(0.0014);

    Recorded d = orch.calls().stream()
        .filter(r -> r.body().getJsonArray("messages").getJsonObject(0).encode().contains("Do D.")).findFirst()
        .orElseThrow();
    String system = d.body().getValue("system").toString();
    assertThat(system).contains("output of B").contains("output of C").contains("<dependency_output");
    assertThat(orch.calls()).hasSize(4);
  }

  @Test
  @DisplayName("a task starts as soon as its own dependency is done, while a slow task of the same wave still runs")
  void dependencyDriven() {
    startKernel(c -> {});
    behaviour.put("Slow", Behaviour.ok(1500));
    behaviour.put("Fast", Behaviour.ok(20));
    behaviour.put("Next", Behaviour.ok(20));
    run(plan("Slow", List.of(), "Fast", List.of(), "Next", List.of(1)));
    orch.await("Next requested", () -> firstRequestAt.containsKey("Next"));
    long nextAfterSlowStart = (firstRequestAt.get("Next") - firstRequestAt.get("Slow")) / 1_000_000;
    assertThat(nextAfterSlowStart).as("ms from Slow's start to Next's start").isLessThan(1000);
    awaitStatus("completed");
  }

  @Test
  @DisplayName("the global and per-project caps hold")
  void caps() {
    startKernel(c -> c.getJsonObject("execution").put("max_concurrent_tasks", 2));
    Map<String, List<Integer>> tasks = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      behaviour.put("T" + i, Behaviour.ok(200));
      tasks.put("T" + i, List.of());
    }
    run(tasks);
    awaitStatus("completed");
    assertThat(maxInFlight.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("transient failures retry with backoff; exhausted retries open a checkpoint")
  void retriesThenCheckpoint() {
    startKernel(c -> {});
    behaviour.put("Flaky", new Behaviour(10, 1, 503, 50));
    behaviour.put("Broken", new Behaviour(10, 99, 529, 50));
    run(plan("Flaky", List.of(), "Broken", List.of()));
    orch.await("Broken reviewed", () -> "needs_review".equals(tasks().get("Broken").getString("status")));
    Map<String, JsonObject> tasks = tasks();
    assertThat(tasks.get("Flaky").getString("status")).isEqualTo("completed");
    assertThat(attempts.get("Flaky").get()).isEqualTo(2);
    assertThat(attempts.get("Broken").get()).as("first attempt plus max_retries (2)").isEqualTo(3);
    assertThat(tasks.get("Broken").getString("error")).startsWith("Max retries exceeded: ");
    JsonArray checkpoints = k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject()
        .getJsonArray("checkpoints");
    assertThat(checkpoints).hasSize(1);
    assertThat(checkpoints.getJsonObject(0).getString("summary")).isEqualTo("Task 'Broken' failed after 2 attempts");
    awaitStatus("completed");
  }

  @Test
  @DisplayName("a task that succeeds after a retry teaches the diagnostic RAG how (API.md §14.5)")
  void successAfterRetryIsRecorded() throws Exception {
    java.nio.file.Path ingest = java.nio.file.Files.createTempDirectory("orch-diag").resolve("rag/diagnostic.jsonl");
    startKernel(c -> {
      c.getJsonObject("execution").put("diagnostic_rag_enabled", true);
      c.put("rag", c.getJsonObject("rag", new JsonObject()).put("diagnostic_ingest_path", ingest.toString()));
    });
    behaviour.put("Flaky", new Behaviour(10, 1, 503, 50));
    behaviour.put("Steady", Behaviour.ok(10));
    run(plan("Flaky", List.of(), "Steady", List.of()));
    awaitStatus("completed");
    // Appended after the project completed, line by line: wait for a whole line, not for the file.
    orch.await("the record written", () -> {
      try {
        return java.nio.file.Files.exists(ingest) && java.nio.file.Files.readString(ingest).endsWith("\n");
      } catch (java.io.IOException e) {
        return false;
      }
    });
    List<String> lines = java.nio.file.Files.readAllLines(ingest);
    assertThat(lines).as("only the task that needed a retry").hasSize(1);
    JsonObject record = new JsonObject(lines.get(0));
    assertThat(record.getString("error_pattern")).startsWith("Flaky: retrying in").contains("503");
    assertThat(record.getString("error_context")).isEqualTo("task_type: code, model_tier: haiku");
    assertThat(record.getString("resolution")).startsWith("Task 'Flaky' succeeded after retry: ");
    assertThat(record.getJsonArray("tags")).containsExactly("auto-captured", "retry-success");
    assertThat(record.getString("gotcha")).isEmpty();
  }

  @Test
  @DisplayName("before a transient failure is retried, a close match in the diagnostic RAG joins the task's context (API.md §14.5)")
  void diagnosticSuggestion() throws Exception {
    java.nio.file.Path rag = dev.orch.kernel.rag.RagFiles.database(dir.resolve("diagnostic.db"), true,
        new Object[] {"runbook", "Overloaded: wait, then retry with a shorter prompt.", "Do not lower max_tokens",
            new float[] {1, 0, 0}},
        new Object[] {"notes", "Unrelated: rotate the API key.", null, new float[] {0, 1, 0}});
    dev.orch.kernel.model.LocalOllamaServer ollama = new dev.orch.kernel.model.LocalOllamaServer(orch.vertx());
    ollama.start().await(10, TimeUnit.SECONDS);
    List<String> prompts = new java.util.concurrent.CopyOnWriteArrayList<>();
    ollama.respondWith(r -> {
      if (!r.path().equals("/api/embeddings")) {
        return null;
      }
      prompts.add(r.body().getString("prompt"));
      return Reply.json(200, new JsonObject().put("embedding", new JsonArray().add(0.9).add(0.1).add(0)));
    });
    try {
      startKernel(c -> {
        c.getJsonObject("execution").put("diagnostic_rag_enabled", true);
        c.put("rag", c.getJsonObject("rag", new JsonObject()).put("embed_dimensions", 3)
            .put("databases", new JsonObject().put("diagnostic", rag.toString())));
        c.put("ollama", c.getJsonObject("ollama", new JsonObject())
            .put("hosts", new JsonObject().put("local", ollama.baseUrl())));
      });
      behaviour.put("Flaky", new Behaviour(10, 1, 529, 50));
      run(plan("Flaky", List.of()));
      awaitStatus("completed");

      assertThat(prompts).singleElement().asString().startsWith("search_query: ").contains("529");
      assertThat(systems.get("Flaky")).hasSize(2);
      assertThat(systems.get("Flaky").get(0)).doesNotContain("diagnostic_suggestion");
      // cos((0.9, 0.1, 0), (1, 0, 0)) = 0.9 / sqrt(0.82) = 0.994
      assertThat(systems.get("Flaky").get(1)).contains("<diagnostic_suggestion>\n[Diagnostic RAG match, score=0.994]\n"
          + "Overloaded: wait, then retry with a shorter prompt.\n[CAUTION: Do not lower max_tokens]\n"
          + "</diagnostic_suggestion>");
    } finally {
      ollama.stop().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a non-transient error fails the task at once, and the project fails when nothing is left")
  void nonTransient() {
    startKernel(c -> {});
    behaviour.put("Bad", new Behaviour(10, 99, 400, 50));
    run(plan("Bad", List.of(), "After", List.of(0)));
    awaitStatus("failed");
    assertThat(attempts.get("Bad").get()).isEqualTo(1);
    assertThat(tasks().get("Bad").getString("status")).isEqualTo("failed");
    assertThat(tasks().get("After").getString("status")).isEqualTo("blocked");
    assertThat(attempts).doesNotContainKey("After");
  }

  @Test
  @DisplayName("a task its project's limit refuses waits, and the project's other work that fits goes on")
  void projectLimitMakesTasksWait() {
    // Each call reserves ~0.0215 (haiku, 4096 output tokens) and costs 0.0201: two fit in 0.05, a third does
    // not; Small asks for 100 tokens, so it fits in what is left.
    startKernel(c -> {
      c.getJsonObject("budget").put("per_project_limit_usd", 0.05);
      c.getJsonObject("execution").put("max_concurrent_tasks", 1);
    });
    Map<String, List<Integer>> tasks = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      behaviour.put("T" + i, new Behaviour(10, 0, 200, 4000));
      tasks.put("T" + i, List.of());
    }
    tasks.put("Small", List.of());
    behaviour.put("Small", new Behaviour(10, 0, 200, 50));
    runWith(tasks, () -> k.sql("UPDATE tasks SET max_tokens = 100 WHERE title = 'Small'"));
    orch.await("Small done", () -> "completed".equals(tasks().get("Small").getString("status")));
    orch.await("both refused tasks announced", () -> events("budget_warning").stream()
        .filter(e -> e.getString("message").startsWith("Project budget limit reached. The task waits")).count() == 2);

    assertThat(project().getString("status")).as("a project limit does not pause the project").isEqualTo("executing");
    Map<String, JsonObject> after = tasks();
    assertThat(List.of("T0", "T1", "Small")).allMatch(t -> after.get(t).getString("status").equals("completed"));
    assertThat(List.of("T2", "T3")).allMatch(t -> after.get(t).getString("status").equals("pending"));
    assertThat(firstRequestAt.keySet()).as("a task whose budget was refused never reaches the model")
        .containsExactlyInAnyOrder("T0", "T1", "Small");
    double spent = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject()
        .getDouble("total_cost_usd");
    assertThat(spent).isLessThanOrEqualTo(0.05);
    assertThat(events("budget_warning")).noneMatch(e -> e.getString("message").contains("Execution paused"));
    assertThat(heldReservations()).as("a waiting task holds no budget").isZero();
  }

  @Test
  @DisplayName("when the daily budget cannot take another $0.001, the project pauses without the limit being exceeded")
  void budgetGatePauses() {
    // Two calls spend 0.0402; with a daily limit of 0.041 the gate closes and the third call is refused.
    startKernel(c -> {
      c.getJsonObject("budget").put("daily_limit_usd", 0.041);
      c.getJsonObject("execution").put("max_concurrent_tasks", 1);
    });
    Map<String, List<Integer>> tasks = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      behaviour.put("T" + i, new Behaviour(10, 0, 200, 4000));
      tasks.put("T" + i, List.of());
    }
    run(tasks);
    awaitStatus("paused");
    double spent = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject()
        .getDouble("total_cost_usd");
    assertThat(spent).isLessThanOrEqualTo(0.041).isGreaterThan(0);
    assertThat(tasks().values().stream().filter(t -> t.getString("status").equals("completed")).count()).isEqualTo(2);
    assertThat(tasks().values().stream().filter(t -> t.getString("status").equals("pending")).count()).isEqualTo(2);
    assertThat(firstRequestAt).as("a task whose budget was refused never reaches the model").hasSize(2);
    orch.await("budget_warning logged", () -> events("budget_warning").stream()
        .anyMatch(e -> e.getString("message").equals("Budget limit reached. Execution paused.")));
    assertThat(heldReservations()).as("a paused project holds no budget").isZero();
  }

  @Test
  @DisplayName("a worker whose heartbeats fail stops before its lease could expire, and its late answer is never stored")
  void failingHeartbeatsStopTheWorker() {
    // A 0.9 s lease: heartbeats every 0.3 s, and a worker that cannot renew stops at 0.75 s.
    startKernel(c -> c.getJsonObject("execution").put("lease_seconds", 0.9).put("safety_tick_sec", 0.2));
    behaviour.put("Slow", Behaviour.ok(2_000));
    outputs.put("Slow", "first attempt");
    // The first attempt's heartbeats fail in the database: its worker cannot know whether its lease still
    // holds. The retry's (a new lease number) work.
    k.sql("CREATE TRIGGER heartbeat_fails BEFORE UPDATE OF lease_expires_at ON tasks"
        + " WHEN OLD.status = 'running' AND NEW.status = 'running' AND NEW.lease_expires_at IS NOT NULL"
        + " AND OLD.lease_number = 1 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    run(plan("Slow", List.of()));
    orch.await("first request", () -> attempts.containsKey("Slow"));
    outputs.put("Slow", "second attempt");
    awaitStatus("completed");

    assertThat(tasks().get("Slow").getString("output_text")).isEqualTo("second attempt");
    assertThat(attempts.get("Slow").get()).isEqualTo(2);
    assertThat(events("task_complete")).hasSize(1);
    long usageRows = TestKernel.await(k.kernel.db().pool().query("SELECT COUNT(*) AS n FROM usage_log"
        + " WHERE purpose = 'execution'").execute()).iterator().next().getLong("n");
    assertThat(usageRows).as("the dropped attempt's call is still paid for").isEqualTo(2);
  }

  private List<JsonObject> events(String type) {
    return k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> e.getString("event_type").equals(type)).toList();
  }

  private long heldReservations() {
    return TestKernel.await(k.kernel.db().pool().query("SELECT COUNT(*) AS n FROM budget_reservations").execute())
        .iterator().next().getLong("n");
  }

  @Test
  @DisplayName("pause stops new dispatch, resume continues; running work still finishes")
  void pauseAndResume() {
    startKernel(c -> {});
    behaviour.put("First", Behaviour.ok(400));
    run(plan("First", List.of(), "Second", List.of(0)));
    orch.await("First requested", () -> firstRequestAt.containsKey("First"));
    k.sql("UPDATE projects SET status = 'paused' WHERE id = ?", projectId);
    orch.await("First done", () -> "completed".equals(tasks().get("First").getString("status")));
    sleep(300);
    assertThat(firstRequestAt).doesNotContainKey("Second");
    assertThat(project().getString("status")).isEqualTo("paused");
    execute();
    awaitStatus("completed");
  }

  @Test
  @DisplayName("cancel wins over a worker that finishes later; its spend is still recorded")
  void cancelWins() {
    startKernel(c -> {});
    behaviour.put("Long", Behaviour.ok(600));
    run(plan("Long", List.of()));
    orch.await("Long requested", () -> firstRequestAt.containsKey("Long"));
    k.sql("UPDATE tasks SET status = 'cancelled' WHERE project_id = ?", projectId);
    k.sql("UPDATE projects SET status = 'cancelled' WHERE id = ?", projectId);
    k.vertx.eventBus().publish(ExecutorAddresses.CANCEL, new JsonObject().put("project_id", projectId));
    sleep(1000);
    assertThat(tasks().get("Long").getString("status")).isEqualTo("cancelled");
    assertThat(tasks().get("Long").getValue("output_text")).isNull();
    assertThat(k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject().getLong("api_call_count"))
        .isEqualTo(1);
    assertThat(project().getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("hybrid projects run only local-model tasks internally; external ones run none")
  void executionModes() {
    assertThat(dev.orch.kernel.state.ExecutionSettings.Mode.AUTO.runsInternally("haiku")).isTrue();
    assertThat(dev.orch.kernel.state.ExecutionSettings.Mode.HYBRID.runsInternally("haiku")).isFalse();
    assertThat(dev.orch.kernel.state.ExecutionSettings.Mode.HYBRID.runsInternally("ollama")).isTrue();
    assertThat(dev.orch.kernel.state.ExecutionSettings.Mode.EXTERNAL.runsInternally("ollama")).isFalse();
    startKernel(c -> {});
    run(plan("Claude", List.of()));
    k.sql("UPDATE projects SET config_json = '{\"execution_mode\":\"external\"}' WHERE id = ?", projectId);
    k.sql("UPDATE tasks SET status = 'pending' WHERE project_id = ? AND status <> 'completed'", projectId);
    sleep(300);
    // Whatever ran before the mode changed, nothing new is dispatched in external mode.
    int before = orch.calls().size();
    execute();
    sleep(400);
    assertThat(orch.calls()).hasSize(before);
  }

  @Test
  @DisplayName("the model calls a plugin's tool over the event bus; the result goes back in the next round")
  void toolLoop() {
    startKernel(c -> PluginJars.drop(PluginJars.module("tools-file"), Path.of(c.getString("plugins_dir")),
        "tools-file.jar"));
    toolUse.put("Writer", new JsonObject().put("name", "write_file").put("input", new JsonObject()
        .put("path", "notes.txt").put("content", "the answer is 42").put("project_id", "someone-elses")));
    run(plan("Writer", List.of()));
    awaitStatus("completed");
    assertThat(java.nio.file.Path.of(k.config.dataDir().toString(), "projects", projectId, "notes.txt"))
        .as("file tools are forced into the task's project").content().isEqualTo("the answer is 42");
    List<Recorded> rounds = orch.calls();
    assertThat(rounds).hasSize(2);
    assertThat(rounds.get(0).body().getJsonArray("tools").getJsonObject(0).getString("name")).isEqualTo("write_file");
    assertThat(rounds.get(1).body().getJsonArray("messages").encode()).contains("tool_result")
        .contains("File written: notes.txt (16 chars)");
    assertThat(tasks().get("Writer").getString("output_text")).isEqualTo("Let me look.\noutput of Writer");
    assertThat(tasks().get("Writer").getLong("prompt_tokens")).isEqualTo(200);
  }

  @Test
  @DisplayName("verification sends a task with gaps back with feedback; findings are extracted once, deduplicated")
  void verificationAndKnowledge() {
    AtomicInteger verdicts = new AtomicInteger();
    reviewer = r -> {
      String system = String.valueOf(r.body().getValue("system"));
      if (system.contains("You review")) {
        String verdict = verdicts.incrementAndGet() == 1 ? "gaps_found" : "passed";
        return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(50, 10),
            LocalAnthropicServer.text("{\"verdict\": \"" + verdict + "\", \"notes\": \"tests are missing\"}"));
      }
      if (system.contains("You extract")) {
        return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(50, 10),
            LocalAnthropicServer.text("```json\n{\"findings\": [{\"category\": \"gotcha\", \"content\":"
                + " \"The API rounds prices half-even.\"}, {\"category\": \"weird\", \"content\": \"Prices are in EUR.\"},"
                + " {\"category\": \"gotcha\", \"content\": \"the api rounds prices HALF-EVEN.\"}]}\n```"));
      }
      return null;
    };
    outputs.put("Work", "A long and substantive answer. ".repeat(10));
    startKernel(c -> c.getJsonObject("execution").put("verification_enabled", true)
        .put("knowledge_extraction_enabled", true));
    run(plan("Work", List.of()));
    awaitStatus("completed");
    orch.await("findings stored",
        () -> k.get("/api/projects/" + projectId + "/knowledge", token).bodyAsJsonArray().size() == 2);
    JsonObject work = tasks().get("Work");
    assertThat(work.getString("verification_status")).isEqualTo("passed");
    assertThat(attempts.get("Work").get()).as("the gaps sent it back once").isEqualTo(2);
    var context = TestKernel.await(k.kernel.db().pool().preparedQuery("SELECT "
        + dev.orch.kernel.state.TaskContexts.COLUMN + " FROM tasks" + dev.orch.kernel.state.TaskContexts.JOIN
        + " WHERE tasks.id = ?")
        .execute(io.vertx.sqlclient.Tuple.of(work.getString("id")))).iterator().next().getString("context_json");
    assertThat(context).contains("verification_feedback").contains("Previous attempt had gaps: tests are missing");
    JsonArray findings = k.get("/api/projects/" + projectId + "/knowledge", token).bodyAsJsonArray();
    assertThat(findings.stream().map(f -> ((JsonObject) f).getString("category"))).containsExactlyInAnyOrder("gotcha",
        "discovery");
    assertThat(findings.getJsonObject(0).getString("source_task_title")).isEqualTo("Work");
    JsonObject byPurpose = k.get("/api/admin/analytics/usage-overview", token).bodyAsJsonObject();
    assertThat(byPurpose.getJsonArray("by_purpose").encode()).contains("verification").contains("knowledge_extraction")
        .contains("execution");
  }

  @Test
  @DisplayName("with wave checkpoints the project pauses between waves and resumes on execute")
  void waveCheckpoints() {
    startKernel(c -> c.getJsonObject("execution").put("wave_checkpoints", true));
    behaviour.put("Slow", Behaviour.ok(300));
    run(plan("Fast", List.of(), "Slow", List.of(), "Next", List.of(0)));
    awaitStatus("paused");
    assertThat(tasks().get("Slow").getString("status")).as("wave 0 finished before the pause").isEqualTo("completed");
    assertThat(attempts).as("wave 1 did not start early").doesNotContainKey("Next");
    JsonArray events = k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events");
    JsonObject checkpoint = events.stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("event_type").equals("wave_checkpoint")).findFirst().orElseThrow();
    assertThat(checkpoint.getJsonObject("data")).isEqualTo(new JsonObject().put("wave", 0).put("next_wave", 1));
    assertThat(checkpoint.getString("message")).isEqualTo("Wave 0 complete. Resume to start wave 1.");
    execute();
    awaitStatus("completed");
  }

  @Test
  @DisplayName("the executor reports every step to the progress log in order")
  void progressEvents() {
    startKernel(c -> {});
    behaviour.put("Flaky", new Behaviour(10, 1, 503, 50));
    run(plan("Flaky", List.of(), "Then", List.of(0)));
    awaitStatus("completed");
    orch.await("project_complete logged", () -> k.get("/api/projects/" + projectId + "/export", token)
        .bodyAsJsonObject().getJsonArray("events").stream()
        .anyMatch(e -> ((JsonObject) e).getString("event_type").equals("project_complete")));
    List<String> types = k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events")
        .stream().map(e -> ((JsonObject) e).getString("event_type")).toList();
    assertThat(types).containsSubsequence("task_start", "task_retry", "task_start", "task_complete", "task_start",
        "task_complete", "project_complete");
    JsonObject complete = k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events")
        .stream().map(JsonObject.class::cast).filter(e -> e.getString("event_type").equals("task_complete")).findFirst()
        .orElseThrow();
    assertThat(complete.getJsonObject("data").getDouble("cost_usd")).isEqualTo(0.00035);
  }

  @Test
  @DisplayName("a project with a CLI agent runs its tasks as that CLI in the project folder, billed and streamed")
  void cliAgent() throws Exception {
    Path bin = dev.orch.kernel.agents.FakeClis.install(dir.resolve("bin"));
    startKernel(c -> c.put("cli_agents", new JsonObject().put("claude_code",
        new JsonObject().put("binary", bin.resolve("claude").toString()))));
    projectConfig = new JsonObject().put("cli_agent", "claude_code").put("cli_profile", "readonly");
    run(plan("Summarise", List.of()));
    awaitStatus("completed");
    JsonObject task = tasks().get("Summarise");
    assertThat(task.getString("output_text")).contains(dev.orch.kernel.agents.FakeClis.ANSWER);
    assertThat(orch.calls()).as("no Messages API call: the CLI did the work").isEmpty();
    Path workspace = k.config.dataDir().resolve("projects").resolve(projectId);
    assertThat(java.nio.file.Files.readString(workspace.resolve("cwd.txt")).strip())
        .as("the project folder, as the sandbox mounts it").isEqualTo(dev.orch.kernel.agents.CliSandbox.PROJECT);
    assertThat(java.nio.file.Files.readString(workspace.resolve("stdin.txt"))).contains("Do Summarise.");
    assertThat(java.nio.file.Files.readString(workspace.resolve("args.txt"))).contains("--disallowedTools");
    JsonObject usage = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject();
    assertThat(usage.getLong("api_call_count")).isEqualTo(1);
    assertThat(usage.getJsonObject("by_provider").fieldNames()).containsExactly("claude_code");
    orch.await("agent output streamed", () -> k.get("/api/projects/" + projectId + "/export", token)
        .bodyAsJsonObject().getJsonArray("events").stream()
        .anyMatch(e -> ((JsonObject) e).getString("event_type").equals("agent_output")));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
