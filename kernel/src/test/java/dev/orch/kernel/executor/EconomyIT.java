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
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Economy mode over HTTP, against a local server speaking Anthropic's Message Batches protocol
 * (create, retrieve, results as JSON lines, expiry, errors): an economy project's Claude tasks go out
 * in a batch, are completed from its results at half price, and go back to pending with the error
 * when their batch request expires or errors.
 */
class EconomyIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";

  @TempDir Path dir;
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(() -> TestKernel.testConfig(dir.resolve("k")), this::respond);
  TestKernel k;
  String token;
  String projectId;

  /** A task's answer: 1,000 tokens in, 500 out ($0.0035 on Haiku at the Messages API's price). */
  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    String user = r.body().getJsonArray("messages").getJsonObject(0).encode();
    var m = java.util.regex.Pattern.compile("Do ([A-Za-z0-9]+)\\.").matcher(user);
    return LocalAnthropicServer.message(r.body().getString("model"), "end_turn", LocalAnthropicServer.usage(1000, 500),
        LocalAnthropicServer.text("output of " + (m.find() ? m.group(1) : "?")));
  }

  /** The fixture's kernel collecting batches for 200 ms and polling them every 0.05–0.2 s; then {@code tweak}. */
  private void startKernel(Consumer<JsonObject> tweak) {
    k = orch.start(c -> {
      c.getJsonObject("anthropic").put("batch_window_ms", 200).put("batch_poll_min_sec", 0.05)
          .put("batch_poll_max_sec", 0.2);
      tweak.accept(c);
    });
    token = orch.token();
  }

  /** An economy project with independent simple code tasks (Haiku), approved and executing. */
  private List<String> run(String... titles) {
    projectId = orch.createProject(new JsonObject().put("name", "p").put("requirements", "r")
        .put("config", new JsonObject().put("economy", true)));
    JsonArray list = new JsonArray();
    for (String title : titles) {
      list.add(ExecutorFixture.task(title));
    }
    return orch.approveAndRun(projectId, list);
  }

  private JsonObject task(String id) {
    return k.get("/api/tasks/" + id, token).bodyAsJsonObject();
  }

  private List<Recorded> direct() {
    return orch.calls();
  }

  @Test
  @DisplayName("an economy project's tasks go out in one batch and complete from its results at half the price")
  void batchAtHalfPrice() {
    startKernel(c -> {});
    List<String> ids = run("A", "B", "C");
    orch.awaitStatus(projectId, "completed");

    assertThat(k.get("/api/projects/" + projectId, token).bodyAsJsonObject().getJsonObject("config")
        .getBoolean("economy")).as("ProjectOut shows the mode").isTrue();
    assertThat(direct()).as("no task went through the Messages API").isEmpty();
    assertThat(orch.claude().batchCount()).isEqualTo(1);
    Recorded create = orch.claude().requests().stream().filter(r -> r.path().equals("/v1/messages/batches")).findFirst()
        .orElseThrow();
    assertThat(create.body().getJsonArray("requests")).hasSize(3);
    assertThat(orch.claude().requests().stream().filter(r -> r.method().equals("GET") && r.path().endsWith("/results")))
        .as("results read once the batch ended").hasSize(1);
    for (String id : ids) {
      JsonObject t = task(id);
      assertThat(t.getString("output_text")).startsWith("output of ");
      assertThat(t.getString("model_used")).isEqualTo(HAIKU);
      assertThat(t.getDouble("cost_usd")).isCloseTo(0.00175, Offset.offset(1e-9)); // half of 1000·$1 + 500·$5
    }
    JsonObject usage = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject();
    assertThat(usage.getDouble("total_cost_usd")).isCloseTo(0.00525, Offset.offset(1e-4));
  }

  @Test
  @DisplayName("a batch request that expires puts its task back to pending with the error; the retry completes it")
  void expiredGoesBackToPending() {
    startKernel(c -> c.getJsonObject("execution").put("retry_backoff_base_sec", 2).put("retry_jitter_sec", 0));
    Map<String, Boolean> expired = new java.util.concurrent.ConcurrentHashMap<>();
    orch.claude().batchOutcome(params -> expired.putIfAbsent("once", true) == null ? "expired" : "succeeded");
    String id = run("A").get(0);

    orch.await("task back to pending", () -> "pending".equals(task(id).getString("status")));
    assertThat(task(id).getString("error")).contains("expired");
    orch.await("task completed by the next batch", () -> "completed".equals(task(id).getString("status")));
    assertThat(orch.claude().batchCount()).isEqualTo(2);
    assertThat(task(id).getDouble("cost_usd")).isCloseTo(0.00175, Offset.offset(1e-9));
  }

  @Test
  @DisplayName("an errored batch request returns only its own task to pending, with the error; the others complete")
  void erroredRequest() {
    startKernel(c -> c.getJsonObject("execution").put("retry_backoff_base_sec", 30).put("retry_jitter_sec", 0));
    orch.claude().batchOutcome(params -> params.getJsonArray("messages").getJsonObject(0).encode().contains("Do B.")
        ? "errored" : "succeeded");
    List<String> ids = run("A", "B", "C");

    orch.await("B back to pending", () -> "pending".equals(task(ids.get(1)).getString("status"))
        && task(ids.get(1)).getString("error") != null);
    assertThat(task(ids.get(1)).getString("error")).contains("api_error");
    orch.await("A and C completed", () -> "completed".equals(task(ids.get(0)).getString("status"))
        && "completed".equals(task(ids.get(2)).getString("status")));
  }

  @Test
  @DisplayName("a project without economy sends its tasks through the Messages API at the full price")
  void standardProjectUnbatched() {
    startKernel(c -> {});
    projectId = orch.createProject(new JsonObject().put("name", "p").put("requirements", "r"));
    String id = orch.approveAndRun(projectId, new JsonArray().add(ExecutorFixture.task("A"))).get(0);
    orch.await("completed", () -> "completed".equals(task(id).getString("status")));

    assertThat(orch.claude().batchCount()).isZero();
    assertThat(direct()).hasSize(1);
    assertThat(task(id).getDouble("cost_usd")).isCloseTo(0.0035, Offset.offset(1e-9));
  }
}
