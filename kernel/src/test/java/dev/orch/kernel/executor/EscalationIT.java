package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verify-then-escalate over HTTP, against a local Anthropic-protocol server: a task whose output the
 * verifier finds gaps in is retried one tier up with the verifier's notes, each attempt is kept with
 * its tier and cost, and the analytics tell which tier was enough and what the climb cost.
 */
class EscalationIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";
  static final String SONNET = "claude-sonnet-4-6";

  @TempDir Path dir;
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(() -> config(dir.resolve("k")), this::respond);
  TestKernel k;
  String token;
  String projectId;
  /** The model of each task request (not the verifier's), in order. */
  final List<String> taskModels = new CopyOnWriteArrayList<>();
  final List<String> taskSystems = new CopyOnWriteArrayList<>();
  final AtomicInteger reviews = new AtomicInteger();
  /** How many reviews answer gaps_found before one passes. */
  volatile int gapsBeforePass = 1;

  private Reply respond(Recorded r) {
    JsonObject body = r.body();
    String model = body.getString("model");
    String system = body.getValue("system") instanceof JsonArray blocks ? blocks.stream()
        .map(o -> ((JsonObject) o).getString("text", "")).reduce("", String::concat) : "";
    if (system.contains("You review")) {
      String verdict = reviews.incrementAndGet() <= gapsBeforePass
          ? "{\"verdict\": \"gaps_found\", \"notes\": \"the tests are missing\"}"
          : "{\"verdict\": \"passed\", \"notes\": \"complete\"}";
      return LocalAnthropicServer.message(model, "end_turn", LocalAnthropicServer.usage(200, 20),
          LocalAnthropicServer.text(verdict));
    }
    taskModels.add(model);
    taskSystems.add(system);
    return LocalAnthropicServer.message(model, "end_turn", LocalAnthropicServer.usage(1000, 500),
        LocalAnthropicServer.text("the parser, attempt " + taskModels.size()));
  }

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  /** The fixture's kernel with verification on; then {@code tweak}. */
  private void startKernel(Consumer<JsonObject> tweak) {
    k = orch.start(c -> {
      c.getJsonObject("execution").put("verification_enabled", true);
      tweak.accept(c);
    });
    token = orch.token();
  }

  /** One simple code task (Haiku by routing), approved and executing; its id. */
  private String runOneTask() {
    projectId = orch.createProject(new JsonObject().put("name", "p").put("requirements", "A CSV parser."));
    return orch.approveAndRun(projectId, new JsonArray().add(ExecutorFixture.task("Parser")
        .put("description", "Write the parser."))).get(0);
  }

  /** The task once it completed and its verification passed. */
  private JsonObject awaitPassed(String taskId) {
    JsonObject[] task = new JsonObject[1];
    orch.await("task " + taskId + " passed", () -> {
      task[0] = k.get("/api/tasks/" + taskId, token).bodyAsJsonObject();
      return "completed".equals(task[0].getString("status"))
          && "passed".equals(task[0].getString("verification_status"));
    });
    return task[0];
  }

  @Test
  @DisplayName("gaps found on Haiku: the retry runs on Sonnet with the verifier's notes, and both attempts are kept")
  void gapsEscalateOneTier() {
    startKernel(c -> {});
    String taskId = runOneTask();
    JsonObject task = awaitPassed(taskId);

    assertThat(taskModels).containsExactly(HAIKU, SONNET);
    assertThat(taskSystems.get(0)).doesNotContain("the tests are missing");
    assertThat(taskSystems.get(1)).contains("Previous attempt had gaps: the tests are missing");
    assertThat(task.getString("model_tier")).isEqualTo("sonnet");
    assertThat(task.getString("model_used")).isEqualTo(SONNET);

    JsonArray attempts = k.get("/api/tasks/" + taskId + "/attempts", token).bodyAsJsonObject().getJsonArray("attempts");
    assertThat(attempts).hasSize(2);
    JsonObject first = attempts.getJsonObject(0);
    JsonObject second = attempts.getJsonObject(1);
    assertThat(first.getString("model_tier")).isEqualTo("haiku");
    assertThat(first.getString("verdict")).isEqualTo("gaps_found");
    assertThat(first.getDouble("cost_usd")).isCloseTo(0.0035, Offset.offset(1e-9)); // 1000·$1 + 500·$5 per MTok
    assertThat(second.getString("model_tier")).isEqualTo("sonnet");
    assertThat(second.getString("verdict")).isEqualTo("passed");
    assertThat(second.getDouble("cost_usd")).isCloseTo(0.0105, Offset.offset(1e-9)); // 1000·$3 + 500·$15

    JsonObject analytics = k.get("/api/admin/analytics/escalation", token).bodyAsJsonObject();
    assertThat(analytics.getJsonArray("by_tier")).containsExactly(
        new JsonObject().put("model_tier", "haiku").put("attempts", 1).put("passed", 0).put("gaps_found", 1)
            .put("enough_rate", 0.0).put("cost_usd", 0.0035),
        new JsonObject().put("model_tier", "sonnet").put("attempts", 1).put("passed", 1).put("gaps_found", 0)
            .put("enough_rate", 1.0).put("cost_usd", 0.0105));
    assertThat(analytics.getLong("escalated_tasks")).isEqualTo(1);
    assertThat(analytics.getLong("escalated_passed")).isEqualTo(1);
    assertThat(analytics.getDouble("escalated_cost_usd")).isEqualTo(0.014);
    assertThat(analytics.getDouble("cost_before_escalation_usd")).isEqualTo(0.0035);
  }

  @Test
  @DisplayName("the climb stops at the top of routing.escalation: gaps on the last tier retry on it")
  void topOfTheLadder() {
    gapsBeforePass = 2;
    startKernel(c -> c.put("routing", new JsonObject().put("escalation", new JsonArray().add("haiku").add("sonnet"))));
    String taskId = runOneTask();
    awaitPassed(taskId);

    assertThat(taskModels).containsExactly(HAIKU, SONNET, SONNET);
    JsonArray attempts = k.get("/api/tasks/" + taskId + "/attempts", token).bodyAsJsonObject().getJsonArray("attempts");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getString("model_tier")))
        .containsExactly("haiku", "sonnet", "sonnet");
  }

  @Test
  @DisplayName("with an empty routing.escalation a retry stays on its tier")
  void escalationOff() {
    startKernel(c -> c.put("routing", new JsonObject().put("escalation", new JsonArray())));
    String taskId = runOneTask();
    awaitPassed(taskId);

    assertThat(taskModels).containsExactly(HAIKU, HAIKU);
  }

  @Test
  @DisplayName("another user cannot read a task's attempts")
  void attemptsOwnerOnly() {
    startKernel(c -> {});
    String taskId = runOneTask();
    awaitPassed(taskId);
    String bob = k.signUp("bob@example.com", "password1").getString("access_token");

    assertThat(k.get("/api/tasks/" + taskId + "/attempts", bob).statusCode()).isIn(403, 404);
    assertThat(k.get("/api/tasks/" + taskId + "/attempts", null).statusCode()).isEqualTo(401);
    assertThat(k.get("/api/admin/analytics/escalation", bob).statusCode()).isEqualTo(403);
  }
}
