package dev.orch.kernel.model;

import static dev.orch.kernel.model.LocalOpenAiServer.completion;
import static dev.orch.kernel.model.LocalOpenAiServer.errorReply;
import static dev.orch.kernel.model.LocalOpenAiServer.toolCall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.orch.kernel.model.LocalModelServer.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
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
class OpenAiCompatibleProviderTest {
  private static final String MODEL = "gpt-4o-mini";
  private static final List<ToolSpec> TOOLS = List.of(new ToolSpec("write_file", "Writes a file.",
      new JsonObject().put("type", "object").put("properties", new JsonObject()
          .put("path", new JsonObject().put("type", "string")).put("content", new JsonObject().put("type", "string")))));

  private Vertx vertx;
  private WebClient client;
  private LocalOpenAiServer server;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = new LocalOpenAiServer(vertx, LocalOpenAiServer.KEY);
    server.start().await();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  private OpenAiCompatibleProvider provider(String baseUrl, String key, int maxRetries) {
    return new OpenAiCompatibleProvider(client, new ModelsConfig.OpenAi(baseUrl, key, Duration.ofSeconds(5)),
        TestModels.retry(vertx, maxRetries));
  }

  private OpenAiCompatibleProvider provider(int maxRetries) {
    ModelsConfig config = ModelsConfig.from(TestModels.config(null, null, server.baseUrl()));
    return new OpenAiCompatibleProvider(client, config.openai(), TestModels.retry(vertx, maxRetries));
  }

  @Test
  @DisplayName("the body has a system message, function tools and max_tokens; the key goes as a bearer token")
  void requestShape() {
    ChatRequest request = ChatRequest.of(MODEL, 300, "Write NOTES.md").withSystem("Be brief.")
        .withSharedContext("<summary>notes app</summary>").withTools(TOOLS);

    provider(0).chat(request).await();

    var recorded = server.last();
    assertThat(recorded.path()).isEqualTo("/v1/chat/completions");
    assertThat(recorded.header("Authorization")).isEqualTo("Bearer " + LocalOpenAiServer.KEY);
    JsonObject body = recorded.body();
    assertThat(body.getInteger("max_tokens")).isEqualTo(300);
    assertThat(body.getBoolean("stream")).isFalse();
    assertThat(body.getJsonArray("messages")).containsExactly(
        new JsonObject().put("role", "system").put("content", "Be brief.\n\n<summary>notes app</summary>"),
        new JsonObject().put("role", "user").put("content", "Write NOTES.md"));
    assertThat(body.getJsonArray("tools").getJsonObject(0)).isEqualTo(new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "write_file").put("description", "Writes a file.")
            .put("parameters", TOOLS.get(0).parameters())));
  }

  @Test
  @DisplayName("a base URL that already ends in /v1 is not doubled, and no key means no Authorization header")
  void baseWithV1AndNoKey(Vertx vertx) {
    LocalOpenAiServer open = new LocalOpenAiServer(vertx, null);
    open.start().await();

    ChatResponse response = provider(open.baseUrl() + "/v1/", "", 0).chat(ChatRequest.of(MODEL, 16, "hi")).await();
    Health health = provider(open.baseUrl() + "/v1", "", 0).health().await();

    assertThat(response.text()).isEqualTo("ok");
    assertThat(open.requests().get(0).path()).isEqualTo("/v1/chat/completions");
    assertThat(open.requests().get(0).header("Authorization")).isNull();
    assertThat(health.models()).containsExactlyElementsOf(LocalOpenAiServer.MODELS);
  }

  @Test
  @DisplayName("tool calls with string arguments are parsed, and the tool turn answers them by id")
  void toolRoundTrip() {
    server.enqueue(completion(MODEL, new JsonObject().put("role", "assistant").putNull("content")
            .put("tool_calls", new JsonArray().add(toolCall("call_abc", "write_file",
                "{\"path\":\"NOTES.md\",\"content\":\"# Notes\"}"))),
        "tool_calls", new JsonObject().put("prompt_tokens", 80).put("completion_tokens", 25).put("total_tokens", 105)));
    OpenAiCompatibleProvider provider = provider(0);
    ChatRequest first = ChatRequest.of(MODEL, 300, "Write NOTES.md").withTools(TOOLS);

    ChatResponse turn = provider.chat(first).await();

    assertThat(turn.stopReason()).isEqualTo(ChatResponse.StopReason.TOOL_USE);
    assertThat(turn.text()).isEmpty();
    assertThat(turn.toolCalls()).containsExactly(new ToolCall("call_abc", "write_file",
        new JsonObject().put("path", "NOTES.md").put("content", "# Notes")));
    assertThat(turn.usage()).isEqualTo(new Usage(80, 25, 0, 0));

    provider.chat(first.withMessages(List.of(first.messages().get(0), turn.toAssistantMessage(),
        ChatMessage.toolResults(List.of(ToolResult.ok(turn.toolCalls().get(0), "written")))))).await();

    JsonArray messages = server.last().body().getJsonArray("messages");
    assertThat(messages.getJsonObject(1)).isEqualTo(new JsonObject().put("role", "assistant").putNull("content")
        .put("tool_calls", new JsonArray().add(toolCall("call_abc", "write_file",
            "{\"path\":\"NOTES.md\",\"content\":\"# Notes\"}"))));
    assertThat(messages.getJsonObject(2)).isEqualTo(new JsonObject().put("role", "tool")
        .put("tool_call_id", "call_abc").put("content", "written"));
  }

  @Test
  @DisplayName("cached prompt tokens are moved from input to cache reads")
  void cachedTokens() {
    server.enqueue(completion(MODEL, new JsonObject().put("role", "assistant").put("content", "done"), "stop",
        new JsonObject().put("prompt_tokens", 2_000).put("completion_tokens", 10).put("total_tokens", 2_010)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 1_536))));

    Usage usage = provider(0).chat(ChatRequest.of(MODEL, 16, "hi")).await().usage();

    assertThat(usage).isEqualTo(new Usage(464, 10, 0, 1_536));
    assertThat(usage.totalInput()).isEqualTo(2_000);
  }

  @Test
  @DisplayName("a used-up quota (429 insufficient_quota) is not retried")
  void quotaNotRetried() {
    server.enqueue(errorReply(429, "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota", "insufficient_quota"));

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(ChatRequest.of(MODEL, 16, "hi")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.SPEND_LIMIT);
    assertThat(err.retryable()).isFalse();
  }

  @Test
  @DisplayName("a rate-limit 429 is retried after retry-after-ms")
  void rateLimitRetried() {
    server.enqueue(errorReply(429, "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3.",
        "requests", "rate_limit_exceeded").header("retry-after-ms", "300"));
    long start = System.nanoTime();

    ChatResponse response = provider(3).chat(ChatRequest.of(MODEL, 16, "hi")).await();

    assertThat(response.text()).isEqualTo("ok");
    assertThat(server.requests()).hasSize(2);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  @DisplayName("a wrong key is a 401 that is not retried")
  void wrongKey() {
    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(server.baseUrl(), "sk-wrong", 3).chat(ChatRequest.of(MODEL, 16, "hi")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.AUTH);
    assertThat(err.getMessage()).isEqualTo("openai answered 401 invalid_request_error: Incorrect API key provided.");
  }

  @Test
  @DisplayName("a vLLM-style error body is read, and its 500 retried")
  void vllmErrorBody() {
    server.enqueue(Reply.json(500, new JsonObject().put("object", "error").put("message", "CUDA out of memory")
        .put("type", "InternalServerError").putNull("param").put("code", 500)));

    ChatResponse response = provider(3).chat(ChatRequest.of(MODEL, 16, "hi")).await();
    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(0).chat(ChatRequest.of("no-such-model", 16, "hi")).await());

    assertThat(response.text()).isEqualTo("ok");
    assertThat(server.requests()).hasSize(3);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.INVALID_REQUEST);
    assertThat(err.errorType()).contains("invalid_request_error");
  }
}
