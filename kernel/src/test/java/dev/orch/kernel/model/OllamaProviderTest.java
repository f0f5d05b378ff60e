package dev.orch.kernel.model;

import static dev.orch.kernel.model.LocalOllamaServer.PLAIN_MODEL;
import static dev.orch.kernel.model.LocalOllamaServer.TOOL_MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.orch.kernel.model.LocalModelServer.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

// A regression that loses a deadline must fail the test, not hang the build.
@Timeout(15)
@ExtendWith(VertxExtension.class)
class OllamaProviderTest {
  private static final List<ToolSpec> TOOLS = List.of(new ToolSpec("search_knowledge", "Searches the knowledge base.",
      new JsonObject().put("type", "object").put("properties",
          new JsonObject().put("query", new JsonObject().put("type", "string")))));

  private Vertx vertx;
  private LocalOllamaServer server;
  private WebClient client;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = new LocalOllamaServer(vertx);
    server.start().await();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  private OllamaProvider provider(int maxRetries) {
    ModelsConfig config = ModelsConfig.from(TestModels.config(null, server.baseUrl(), null));
    return new OllamaProvider(client, config.ollama(), TestModels.retry(vertx, maxRetries));
  }

  @Test
  @DisplayName("the chat body is non-streaming, with one system message, function tools and num_predict")
  void requestShape() {
    ChatRequest request = ChatRequest.of(TOOL_MODEL, 512, "Find what we know about SQLite")
        .withSystem("You are a focused task executor.").withSharedContext("<summary>a CLI</summary>")
        .withTools(TOOLS).withTemperature(0.2);

    ChatResponse response = provider(0).chat(request).await();

    JsonObject body = server.last().body();
    assertThat(server.last().path()).isEqualTo("/api/chat");
    assertThat(body.getBoolean("stream")).isFalse();
    assertThat(body.getJsonArray("messages")).containsExactly(
        new JsonObject().put("role", "system").put("content", "You are a focused task executor.\n\n<summary>a CLI</summary>"),
        new JsonObject().put("role", "user").put("content", "Find what we know about SQLite"));
    assertThat(body.getJsonArray("tools").getJsonObject(0)).isEqualTo(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "search_knowledge").put("description", "Searches the knowledge base.")
            .put("parameters", TOOLS.get(0).parameters())));
    assertThat(body.getJsonObject("options")).isEqualTo(new JsonObject().put("num_predict", 512).put("temperature", 0.2));
    assertThat(response.text()).isEqualTo("ok");
    assertThat(response.provider()).isEqualTo("ollama");
    assertThat(response.stopReason()).isEqualTo(ChatResponse.StopReason.END_TURN);
    assertThat(response.usage().input()).isPositive();
    assertThat(response.usage().output()).isEqualTo(2);
  }

  @Test
  @DisplayName("tool_calls get ids, and the tool turn goes back with role tool and the tool's name")
  void toolRoundTrip() {
    server.enqueue(LocalOllamaServer.chat(TOOL_MODEL, new JsonObject().put("role", "assistant").put("content", "")
        .put("tool_calls", new JsonArray().add(LocalOllamaServer.toolCall("search_knowledge",
            new JsonObject().put("query", "sqlite")))), "stop", 40, 12));
    OllamaProvider provider = provider(0);
    ChatRequest first = ChatRequest.of(TOOL_MODEL, 256, "What do we know?").withTools(TOOLS);

    ChatResponse turn = provider.chat(first).await();

    assertThat(turn.stopReason()).isEqualTo(ChatResponse.StopReason.TOOL_USE);
    assertThat(turn.usage()).isEqualTo(new Usage(40, 12, 0, 0));
    ToolCall call = turn.toolCalls().get(0);
    assertThat(call.id()).startsWith("call_");
    assertThat(call.name()).isEqualTo("search_knowledge");
    assertThat(call.arguments()).isEqualTo(new JsonObject().put("query", "sqlite"));

    provider.chat(first.withMessages(List.of(first.messages().get(0), turn.toAssistantMessage(),
        ChatMessage.toolResults(List.of(ToolResult.ok(call, "SQLite runs in WAL mode")))))).await();

    JsonArray messages = server.last().body().getJsonArray("messages");
    assertThat(messages.getJsonObject(1).getString("role")).isEqualTo("assistant");
    assertThat(messages.getJsonObject(1).getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function"))
        .isEqualTo(new JsonObject().put("name", "search_knowledge").put("arguments", new JsonObject().put("query", "sqlite")));
    assertThat(messages.getJsonObject(2)).isEqualTo(new JsonObject().put("role", "tool")
        .put("content", "SQLite runs in WAL mode").put("tool_name", "search_knowledge").put("tool_call_id", call.id()));
    assertThat(messages).hasSize(3);
  }

  @Test
  @DisplayName("a model without tool support is called again without tools, and later calls skip them")
  void toollessModel() {
    OllamaProvider provider = provider(3);
    ChatRequest request = ChatRequest.of(PLAIN_MODEL, 128, "Summarise").withTools(TOOLS);

    ChatResponse first = provider.chat(request).await();
    provider.chat(request).await();

    assertThat(first.text()).isEqualTo("ok");
    var requests = server.requests();
    assertThat(requests).hasSize(3);
    assertThat(requests.get(0).body().containsKey("tools")).isTrue();
    assertThat(requests.get(1).body().containsKey("tools")).isFalse();
    assertThat(requests.get(2).body().containsKey("tools")).isFalse();
  }

  @Test
  @DisplayName("a model that is not pulled is a 404 that is not retried")
  void unknownModel() {
    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(ChatRequest.of("llama9:400b", 64, "hi")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.INVALID_REQUEST);
    assertThat(err.getMessage()).isEqualTo("ollama answered 404: model \"llama9:400b\" not found, try pulling it first");
  }

  @Test
  @DisplayName("503 and a slow answer past generate_timeout are retried")
  void retriesBusyAndSlow() {
    server.enqueue(LocalOllamaServer.error(503, "server busy, please try again.  maximum pending requests exceeded"),
        LocalOllamaServer.chat(TOOL_MODEL, new JsonObject().put("role", "assistant").put("content", "late"), "stop", 1, 1)
            .after(1_500));
    var settings = new ModelsConfig.Ollama(server.baseUrl(), TOOL_MODEL, Duration.ofMillis(300));
    var provider = new OllamaProvider(client, settings, TestModels.retry(vertx, 3));

    ChatResponse response = provider.chat(ChatRequest.of(TOOL_MODEL, 64, "hi")).await();

    assertThat(response.text()).isEqualTo("ok");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  @DisplayName("a refused connection is transient and retried until the retries run out")
  void connectionRefused() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var settings = new ModelsConfig.Ollama("http://127.0.0.1:" + closedPort, TOOL_MODEL, Duration.ofSeconds(2));

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> new OllamaProvider(client, settings, TestModels.retry(vertx, 2)).chat(ChatRequest.of(TOOL_MODEL, 8, "hi")).await());
    Health health = new OllamaProvider(client, settings, TestModels.retry(vertx, 0)).health().await();

    assertThat(err.kind()).isEqualTo(ModelException.Kind.TRANSIENT);
    assertThat(err.retryable()).isTrue();
    assertThat(health.up()).isFalse();
  }

  @Test
  @DisplayName("a streamed NDJSON answer is a bad response, not a success")
  void streamedAnswerRejected() {
    server.enqueue(Reply.text(200, "application/x-ndjson",
        "{\"message\":{\"content\":\"o\"},\"done\":false}\n{\"message\":{\"content\":\"k\"},\"done\":true}\n"));

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(ChatRequest.of(TOOL_MODEL, 8, "hi")).await());

    assertThat(err.kind()).isEqualTo(ModelException.Kind.BAD_RESPONSE);
    assertThat(server.requests()).hasSize(1);
  }

  @Test
  @DisplayName("health lists the pulled models from /api/tags")
  void health() {
    Health health = provider(0).health().await();

    assertThat(server.last().path()).isEqualTo("/api/tags");
    assertThat(health.up()).isTrue();
    assertThat(health.models()).containsExactly(PLAIN_MODEL, TOOL_MODEL);
  }

  @Test
  @DisplayName("an embedding comes from /api/embeddings as floats; an error answer fails with its message")
  void embeddings() {
    server.enqueue(Reply.json(200, new JsonObject().put("embedding", new JsonArray().add(0.5).add(-1).add(2.25))));
    float[] vector = provider(0).embed("nomic-embed-text", "search_query: boom", Duration.ofSeconds(5)).await();

    assertThat(vector).containsExactly(0.5f, -1f, 2.25f);
    assertThat(server.last().path()).isEqualTo("/api/embeddings");
    assertThat(server.last().body()).isEqualTo(new JsonObject().put("model", "nomic-embed-text")
        .put("prompt", "search_query: boom"));

    assertThat(provider(0).embed("nomic-embed-text", "the same text", Duration.ofSeconds(5)).await())
        .as("unscripted: the server's own embedding, the same for the same text").hasSize(768)
        .containsExactly(provider(0).embed("nomic-embed-text", "the same text", Duration.ofSeconds(5)).await());

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(0).embed("all-minilm", "x", Duration.ofSeconds(5)).await());
    assertThat(err.getMessage()).contains("model \"all-minilm\" not found");
  }
}
