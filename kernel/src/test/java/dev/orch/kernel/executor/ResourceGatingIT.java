package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalOllamaServer;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resource gating (API.md §11.3) over HTTP: with the Ollama host down, a local-model task waits
 * pending, without spending retries, while the project's Claude task runs; once the monitor sees the
 * host up, the waiting task runs. The host is a local server speaking Ollama's protocol, started on
 * the configured port partway through.
 */
class ResourceGatingIT {
  @TempDir Path dir;
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(() -> TestKernel.testConfig(dir.resolve("k")),
      r -> r.path().equals("/v1/messages") ? LocalAnthropicServer.message(r.body().getString("model"), "end_turn",
          LocalAnthropicServer.usage(100, 20), LocalAnthropicServer.text("claude's answer")) : null);
  LocalOllamaServer ollama;
  int ollamaPort;
  String projectId;

  @BeforeEach
  void start() throws Exception {
    ollama = new LocalOllamaServer(orch.vertx());
    ollama.respondWith(r -> r.path().equals("/api/chat") ? LocalOllamaServer.chat(r.body().getString("model"),
        new JsonObject().put("role", "assistant").put("content", "ollama's answer"), "stop", 100, 20) : null);
    try (ServerSocket free = new ServerSocket(0)) {
      ollamaPort = free.getLocalPort(); // nobody listens here until the test starts the host
    }
    orch.start(c -> c.put("resource_check_interval_sec", 0.2).getJsonObject("ollama")
        .put("hosts", new JsonObject().put("local", "http://127.0.0.1:" + ollamaPort)));
  }

  @AfterEach
  void stop() throws Exception {
    ollama.stop().await(10, TimeUnit.SECONDS);
  }

  /** A project with a research task (Ollama by routing) and a code task (Haiku), approved and executing. */
  private List<String> run() {
    projectId = orch.createProject(new JsonObject().put("name", "p").put("requirements", "r"));
    List<String> ids = orch.approve(projectId, new JsonObject().put("summary", "s").put("tasks", new JsonArray()
        .add(ExecutorFixture.task("Notes").put("task_type", "research"))
        .add(ExecutorFixture.task("Code"))));
    assertThat(orch.kernel().post("/api/projects/" + projectId + "/execute", null, orch.token()).statusCode())
        .isEqualTo(200);
    return ids;
  }

  private JsonObject task(String id) {
    return orch.kernel().get("/api/tasks/" + id, orch.token()).bodyAsJsonObject();
  }

  private List<JsonObject> events(String type) {
    return orch.kernel().get("/api/projects/" + projectId + "/export", orch.token()).bodyAsJsonObject()
        .getJsonArray("events").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("event_type").equals(type)).toList();
  }

  @Test
  @DisplayName("a local-model task waits while its Ollama host is down, the Claude task runs, and it runs once the host is up")
  void waitsForItsProvider() throws Exception {
    List<String> ids = run();
    String notes = ids.get(0);
    String code = ids.get(1);

    orch.await("the Claude task completed", () -> "completed".equals(task(code).getString("status")));
    orch.await("the wait announced", () -> !events("resource_waiting").isEmpty());
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

    orch.await("the local-model task completed", () -> "completed".equals(task(notes).getString("status")));
    assertThat(task(notes).getString("output_text")).isEqualTo("ollama's answer");
    orch.awaitStatus(projectId, "completed");
    assertThat(events("resource_waiting")).as("announced once").hasSize(1);
  }
}
