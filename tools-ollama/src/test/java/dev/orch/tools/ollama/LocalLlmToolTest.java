package dev.orch.tools.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** local_llm against a local server speaking Ollama's /api/generate. */
class LocalLlmToolTest {
  Vertx vertx;
  OllamaServer ollama;
  OllamaServer other;
  @TempDir Path workspace;
  JsonObject config;
  final LocalLlmTool tool = new LocalLlmTool();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ollama = new OllamaServer(vertx);
    other = new OllamaServer(vertx);
    // As the server hands it over: the shared section "ollama", hosts as the monitor checks them.
    config = new JsonObject().put("ollama", new JsonObject()
        .put("hosts", new JsonObject().put("local", ollama.url()).put("gpu", other.url()))
        .put("default_model", "qwen2.5-coder:14b").put("generate_timeout", 5));
  }

  @AfterEach
  void stop() throws Exception {
    ollama.close();
    other.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  String call(JsonObject arguments) throws Exception {
    return tool.invoke(arguments, new ToolContext(vertx, "p1", "t1", workspace, config, LoggerFactory.getLogger("t")))
        .await(20, TimeUnit.SECONDS);
  }

  ToolException failure(JsonObject arguments) {
    Throwable thrown = catchThrowable(() -> call(arguments));
    assertThat(thrown).isInstanceOf(ToolException.class);
    return (ToolException) thrown;
  }

  @Test
  @DisplayName("sends the prompt to the default host and model without streaming, and returns the answer")
  void generates() throws Exception {
    assertThat(call(new JsonObject().put("prompt", "Name a colour").put("system", "Be brief")))
        .isEqualTo("Answer to: Name a colour [system: Be brief]");
    assertThat(ollama.requests).hasSize(1);
    assertThat(ollama.requests.get(0)).isEqualTo(new JsonObject().put("model", "qwen2.5-coder:14b")
        .put("prompt", "Name a colour").put("stream", false).put("system", "Be brief"));
    assertThat(other.requests).isEmpty();
  }

  @Test
  @DisplayName("uses the chosen host and model")
  void chosenHostAndModel() throws Exception {
    assertThat(call(new JsonObject().put("prompt", "Hi").put("host", "gpu").put("model", "llama3.2:3b")))
        .isEqualTo("Answer to: Hi");
    assertThat(other.requests.get(0).getString("model")).isEqualTo("llama3.2:3b");
    assertThat(ollama.requests).isEmpty();
  }

  @Test
  @DisplayName("the schema offered for this configuration lists its Ollama hosts as the choices for host")
  void hostEnum() {
    assertThat(tool.parameters(config).getJsonObject("properties").getJsonObject("host").getJsonArray("enum")
        .getList()).containsExactly("local", "gpu");
    assertThat(tool.parameters(config).getJsonArray("required").getList()).containsExactly("prompt");
  }

  @Test
  @DisplayName("an unknown host key, a missing prompt and an unknown model are messages for the model")
  void mistakes() {
    assertThat(failure(new JsonObject().put("prompt", "x").put("host", "cloud")).getMessage())
        .isEqualTo("Unknown Ollama host 'cloud'; this server has: local, gpu");
    assertThat(failure(new JsonObject()).getMessage()).isEqualTo("prompt is required");
    ToolException unknownModel = failure(new JsonObject().put("prompt", "x").put("model", "gpt-9"));
    assertThat(unknownModel.getMessage())
        .isEqualTo("Ollama (local) answered 404: model \"gpt-9\" not found, try pulling it first");
    assertThat(unknownModel.retryable()).isFalse();
  }

  @Test
  @DisplayName("a host that cannot be reached comes back as an error text, retryable")
  void unreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    config.getJsonObject("ollama").getJsonObject("hosts").put("local", "http://127.0.0.1:" + port);
    ToolException e = failure(new JsonObject().put("prompt", "x"));
    assertThat(e.getMessage()).startsWith("Ollama host 'local' is not reachable:");
    assertThat(e.retryable()).isTrue();
  }

  @Test
  @DisplayName("a host that does not answer within ollama.generate_timeout is given up on")
  void timeout() {
    ollama.hang = true;
    config.getJsonObject("ollama").put("generate_timeout", 0.5);
    long started = System.nanoTime();
    ToolException e = failure(new JsonObject().put("prompt", "x"));
    assertThat(e.getMessage()).isEqualTo("Ollama (local) did not answer within 0.5 s");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
  }
}
