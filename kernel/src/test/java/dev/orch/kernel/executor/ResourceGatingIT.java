package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.model.LocalOllamaServer;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource gating (API.md §11.3) over HTTP: with the Ollama host down, a local-model task waits
 * pending, without spending retries, while the project's Claude task runs; once the monitor sees the
 * host up, the waiting task runs. The host is a local server speaking Ollama's protocol, started on
 * the configured port partway through.
 */
class ResourceGatingIT {
  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  LocalOllamaServer ollama;
  int ollamaPort;
  TestKernel k;
  String token;
  String projectId;

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(r -> r.path().equals("/v1/messages") ? LocalAnthropicServer.message(
        r.body().getString("model"), "end_turn", LocalAnthropicServer.usage(100, 20),
        LocalAnthropicServer.text("claude's answer")) : null);
    ollama = new LocalOllamaServer(serverVertx);
    ollama.respondWith(this::ollamaAnswer);
    try (ServerSocket free = new ServerSocket(0)) {
      ollamaPort = free.getLocalPort(); // nobody listens here until the test starts the host
    }
    JsonObject json = TestKernel.testConfig(dir.resolve("k"));
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.getJsonObject("ollama").put("hosts", new JsonObject().put("local", "http://127.0.0.1:" + ollamaPort));
    json.put("resource_check_interval_sec", 0.2);
    json.put("model_retry", new JsonObject().put("max_retries", 0).put("base_delay_ms", 5).put("max_delay_ms", 10));
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("retry_backoff_base_sec", 0.05).put("retry_jitter_sec", 0.01).put("safety_tick_sec", 30);
    k = TestKernel.start(json);
    token = k.signUp("alice@example.com", "password1").getString("access_token");
  }

  @AfterEach
  void stop() throws Exception {
    k.close();
    ollama.stop().await(10, TimeUnit.SECONDS);
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  private Reply ollamaAnswer(Recorded r) {
    return r.path().equals("/api/chat") ? LocalOllamaServer.chat(r.body().getString("model"),
        new JsonObject().put("role", "assistant").put("content", "ollama's answer"), "stop", 100, 20) : null;
  }

  /** A project with a research task (Ollama by routing) and a code task (Haiku), approved and executing. */
  private List<String> run() {
    projectId = k.post("/api/projects", new JsonObject().put("name", "p").put("requirements", "r"), token)
        .bodyAsJsonObject().getString("id");
    JsonArray tasks = new JsonArray()
        .add(new JsonObject().put("title", "Notes").put("description", "Summarise.").put("task_type", "research")
            .put("complexity", "simple").put("tools_needed", new JsonArray()))
        .add(new JsonObject().put("title", "Code").put("description", "Write it.").put("task_type", "code")
            .put("complexity", "simple").put("tools_needed", new JsonArray()));
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId,
        new JsonObject().put("summary", "s").put("tasks", tasks).encode());
    var approved = k.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    assertThat(k.post("/api/projects/" + projectId + "/execute", null, token).statusCode()).isEqualTo(200);
    return approved.bodyAsJsonObject().getJsonArray("task_ids").stream().map(String.class::cast).toList();
  }

  private JsonObject task(String id) {
    return k.get("/api/tasks/" + id, token).bodyAsJsonObject();
  }

  private List<JsonObject> events(String type) {
    return k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events").stream()
        .map(JsonObject.class::cast).filter(e -> e.getString("event_type").equals(type)).toList();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("timed out waiting for: " + what).isLessThan(deadline);
      Thread.sleep(30);
    }
  }

  @Test
  @DisplayName("a local-model task waits while its Ollama host is down, the Claude task runs, and it runs once the host is up")
  void waitsForItsProvider() throws Exception {
    List<String> ids = run();
    String notes = ids.get(0);
    String code = ids.get(1);

    await("the Claude task completed", () -> "completed".equals(task(code).getString("status")));
    await("the wait announced", () -> !events("resource_waiting").isEmpty());
    JsonObject waiting = task(notes);
    assertThat(waiting.getString("model_tier")).isEqualTo("ollama");
    assertThat(waiting.getString("status")).isEqualTo("pending");
    assertThat(waiting.getString("error")).isNull();
    assertThat(events("task_retry")).as("waiting spends no retry").isEmpty();
    assertThat(events("resource_waiting")).singleElement().satisfies(e -> {
      assertThat(e.getString("task_id")).isNull();
      assertThat(e.getString("message")).isEqualTo("Ollama (local) is offline. Its tasks wait until it is back;"
          + " other tasks go on.");
    });
    assertThat(ollama.requests()).isEmpty();

    ollama.start(ollamaPort).await(10, TimeUnit.SECONDS);

    await("the local-model task completed", () -> "completed".equals(task(notes).getString("status")));
    assertThat(task(notes).getString("output_text")).isEqualTo("ollama's answer");
    await("the project completed", () -> "completed".equals(k.get("/api/projects/" + projectId, token)
        .bodyAsJsonObject().getString("status")));
    assertThat(events("resource_waiting")).as("announced once").hasSize(1);
  }
}
