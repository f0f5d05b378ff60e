package dev.orch.kernel.model;

import static dev.orch.kernel.model.LocalAnthropicServer.errorReply;
import static dev.orch.kernel.model.LocalAnthropicServer.message;
import static dev.orch.kernel.model.LocalAnthropicServer.text;
import static dev.orch.kernel.model.LocalAnthropicServer.toolUse;
import static dev.orch.kernel.model.LocalAnthropicServer.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.orch.kernel.model.LocalModelServer.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

// A regression that loses a deadline must fail the test, not hang the build.
@Timeout(15)
@ExtendWith(VertxExtension.class)
class AnthropicProviderTest {
  private static final String SONNET = "claude-sonnet-4-6";
  private static final JsonObject READ_FILE_SCHEMA = new JsonObject().put("type", "object")
      .put("properties", new JsonObject().put("path", new JsonObject().put("type", "string")))
      .put("required", new JsonArray().add("path"));
  private static final List<ToolSpec> TOOLS = List.of(
      new ToolSpec("read_file", "Reads a file of the project.", READ_FILE_SCHEMA),
      new ToolSpec("write_file", "Writes a file of the project.", null));

  private Vertx vertx;
  private LocalAnthropicServer server;
  private WebClient client;
  private ModelsConfig config;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    server = new LocalAnthropicServer(vertx);
    server.start().await();
    client = WebClient.create(vertx);
    config = ModelsConfig.from(TestModels.config(server.baseUrl(), null, null));
  }

  @AfterEach
  void stop() {
    client.close();
  }

  private AnthropicProvider provider(int maxRetries) {
    return new AnthropicProvider(client, config.anthropic(), TestModels.retry(vertx, maxRetries));
  }

  private AnthropicProvider provider(ModelsConfig.Anthropic settings, int maxRetries) {
    return new AnthropicProvider(client, settings, TestModels.retry(vertx, maxRetries));
  }

  /** A project's shared part of about 1,500 tokens: past Sonnet's minimum cacheable length. */
  static final String PLAN = "<plan_tasks>\n" + "- Task: do one part of the project well.\n".repeat(150)
      + "</plan_tasks>";

  private static ChatRequest taskRequest(String user) {
    return ChatRequest.of(SONNET, 1024, user)
        .withSystem("You are a focused task executor.")
        .withSharedContext(PLAN)
        .withTaskContext("<current_task>\nTask 7\n</current_task>")
        .withTools(TOOLS);
  }

  @Test
  @DisplayName("a prompt whose prefix is shorter than the model's minimum cacheable length carries no cache marks")
  void shortPrefixUnmarked() {
    provider(0).chat(ChatRequest.of(SONNET, 1024, "Summarise README.md").withSystem("You are a focused task executor.")
        .withSharedContext("<project_knowledge>\n[api] the store is SQLite (from: Task 1)\n</project_knowledge>")
        .withTools(TOOLS)).await();

    assertThat(server.last().body().encode()).doesNotContain("cache_control");
    assertThat(server.last().body().getJsonArray("system")).hasSize(2);
  }

  @Test
  @DisplayName("a cached prefix unread for more than 5 minutes expires and is written again; each read renews it")
  void fiveMinuteLifetime() {
    AnthropicProvider provider = provider(0);
    long written = provider.chat(taskRequest("one")).await().usage().cacheCreation();
    server.advance(4 * 60_000);
    assertThat(provider.chat(taskRequest("two")).await().usage().cacheRead()).isEqualTo(written);
    server.advance(4 * 60_000);
    assertThat(provider.chat(taskRequest("three")).await().usage().cacheRead()).as("renewed by the read")
        .isEqualTo(written);
    server.advance(5 * 60_000 + 1);
    Usage late = provider.chat(taskRequest("four")).await().usage();
    assertThat(late.cacheRead()).isZero();
    assertThat(late.cacheCreation()).isEqualTo(written);
  }

  @Test
  @DisplayName("with anthropic.cache_ttl 1h the marks ask for the 1-hour cache and its writes are priced at 2x input")
  void oneHourCache() {
    var settings = new ModelsConfig.Anthropic(server.baseUrl(), LocalAnthropicServer.KEY, Duration.ofSeconds(5), "1h");
    Usage usage = provider(settings, 0).chat(taskRequest("Task one")).await().usage();

    assertThat(server.last().body().getJsonArray("system").getJsonObject(1).getJsonObject("cache_control"))
        .isEqualTo(new JsonObject().put("type", "ephemeral").put("ttl", "1h"));
    assertThat(usage.cacheCreation1h()).isEqualTo(usage.cacheCreation()).isPositive();
    BigDecimal expected = new BigDecimal(usage.input() * 3_000_000L + usage.output() * 15_000_000L
        + usage.cacheCreation() * 6_000_000L).movePointLeft(12).setScale(6, java.math.RoundingMode.HALF_EVEN);
    assertThat(config.pricing().cost(SONNET, usage)).isEqualByComparingTo(expected);
  }

  @Test
  @DisplayName("the request carries the key, the API version, and cache_control after the shared part, not on the task's own")
  void sendsCachedPrefix() {
    provider(0).chat(taskRequest("Summarise README.md")).await();

    var request = server.last();
    assertThat(request.header("x-api-key")).isEqualTo(LocalAnthropicServer.KEY);
    assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(request.header("content-type")).startsWith("application/json");
    JsonObject body = request.body();
    JsonObject ephemeral = new JsonObject().put("type", "ephemeral");
    assertThat(body.getString("model")).isEqualTo(SONNET);
    assertThat(body.getInteger("max_tokens")).isEqualTo(1024);
    assertThat(body.getJsonArray("system")).containsExactly(
        new JsonObject().put("type", "text").put("text", "You are a focused task executor."),
        new JsonObject().put("type", "text").put("text", PLAN).put("cache_control", ephemeral),
        new JsonObject().put("type", "text").put("text", "<current_task>\nTask 7\n</current_task>"));
    JsonArray tools = body.getJsonArray("tools");
    assertThat(tools.getJsonObject(0)).isEqualTo(new JsonObject().put("name", "read_file")
        .put("description", "Reads a file of the project.").put("input_schema", READ_FILE_SCHEMA));
    assertThat(tools.getJsonObject(1).containsKey("cache_control")).as("the tools alone are too short").isFalse();
    assertThat(body.getJsonArray("messages")).containsExactly(
        new JsonObject().put("role", "user").put("content", "Summarise README.md"));
    assertThat(body.containsKey("temperature")).isFalse();
  }

  @Test
  @DisplayName("text and tool_use blocks, the stop reason and all four usage counts are read")
  void parsesToolUse() {
    server.enqueue(message(SONNET, "tool_use",
        new JsonObject().put("input_tokens", 21).put("output_tokens", 48)
            .put("cache_creation_input_tokens", 2_048).put("cache_read_input_tokens", 0),
        text("I'll read the file first."),
        toolUse("toolu_01A", "read_file", new JsonObject().put("path", "README.md"))));

    ChatResponse response = provider(0).chat(taskRequest("Summarise README.md")).await();

    assertThat(response.provider()).isEqualTo("anthropic");
    assertThat(response.model()).isEqualTo(SONNET);
    assertThat(response.text()).isEqualTo("I'll read the file first.");
    assertThat(response.toolCalls()).containsExactly(
        new ToolCall("toolu_01A", "read_file", new JsonObject().put("path", "README.md")));
    assertThat(response.stopReason()).isEqualTo(ChatResponse.StopReason.TOOL_USE);
    assertThat(response.usage()).isEqualTo(new Usage(21, 48, 2_048, 0));
  }

  @Test
  @DisplayName("a tool_use turn and its tool_result turn go back in the shape the API accepts, the conversation marked for the next round")
  void toolRoundTrip() {
    server.enqueue(message(SONNET, "tool_use", usage(30, 20),
        toolUse("toolu_01A", "read_file", new JsonObject().put("path", "README.md")),
        toolUse("toolu_01B", "read_file", new JsonObject().put("path", "missing.md"))));
    AnthropicProvider provider = provider(0);
    ChatRequest first = taskRequest("Summarise the docs");
    ChatResponse turn = provider.chat(first).await();

    ChatRequest second = first.withMessages(List.of(first.messages().get(0), turn.toAssistantMessage(),
        ChatMessage.toolResults(List.of(
            ToolResult.ok(turn.toolCalls().get(0), "# Orch\nAn orchestration engine."),
            ToolResult.failed(turn.toolCalls().get(1), "Tool error: FileNotFoundException: operation failed")))));
    ChatResponse answer = provider.chat(second).await();

    assertThat(answer.text()).isEqualTo("ok");
    assertThat(answer.stopReason()).isEqualTo(ChatResponse.StopReason.END_TURN);
    JsonArray messages = server.last().body().getJsonArray("messages");
    assertThat(messages.getJsonObject(1)).isEqualTo(new JsonObject().put("role", "assistant").put("content",
        new JsonArray()
            .add(toolUse("toolu_01A", "read_file", new JsonObject().put("path", "README.md")))
            .add(toolUse("toolu_01B", "read_file", new JsonObject().put("path", "missing.md")))));
    assertThat(messages.getJsonObject(2)).isEqualTo(new JsonObject().put("role", "user").put("content",
        new JsonArray()
            .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_01A")
                .put("content", "# Orch\nAn orchestration engine."))
            .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_01B")
                .put("content", "Tool error: FileNotFoundException: operation failed").put("is_error", true)
                .put("cache_control", new JsonObject().put("type", "ephemeral")))));
    assertThat(answer.usage().cacheCreation()).as("the conversation so far is written for the next round").isPositive();
  }

  @Test
  @DisplayName("the first call writes the cached prefix, the next reads it, and each is priced at its rate")
  void cacheTokensPriced() {
    AnthropicProvider provider = provider(0);
    Usage first = provider.chat(taskRequest("Task one")).await().usage();
    Usage second = provider.chat(taskRequest("Task two, a different question")
        .withTaskContext("<current_task>\nTask 8\n</current_task>")).await().usage();

    assertThat(first.cacheCreation()).isPositive();
    assertThat(first.cacheRead()).isZero();
    assertThat(second.cacheCreation()).isZero();
    assertThat(second.cacheRead()).isEqualTo(first.cacheCreation());
    assertThat(second.input()).isPositive();

    // sonnet: $3 input, $15 output; cache writes 1.25 x 3 = 3.75, cache reads 0.1 x 3 = 0.30 per MTok
    Pricing pricing = config.pricing();
    BigDecimal expectedFirst = new BigDecimal(first.input() * 3_000_000L + first.output() * 15_000_000L
        + first.cacheCreation() * 3_750_000L).movePointLeft(12).setScale(6, java.math.RoundingMode.HALF_EVEN);
    BigDecimal expectedSecond = new BigDecimal(second.input() * 3_000_000L + second.output() * 15_000_000L
        + second.cacheRead() * 300_000L).movePointLeft(12).setScale(6, java.math.RoundingMode.HALF_EVEN);
    assertThat(pricing.cost(SONNET, first)).isEqualByComparingTo(expectedFirst);
    assertThat(pricing.cost(SONNET, second)).isEqualByComparingTo(expectedSecond);
    assertThat(pricing.cost(SONNET, second)).isLessThan(pricing.cost(SONNET, first));
  }

  @Test
  @DisplayName("429 with retry-after is retried no sooner than the server asked")
  void honoursRetryAfter() {
    server.enqueue(errorReply(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
        .header("retry-after", "1"));
    long start = System.nanoTime();

    ChatResponse response = provider(3).chat(taskRequest("hello")).await();

    assertThat(response.text()).isEqualTo("ok");
    assertThat(server.requests()).hasSize(2);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
  }

  @Test
  @DisplayName("529 overloaded, 500 and 502 from a proxy are retried until success")
  void retriesTransientFailures() {
    server.enqueue(
        errorReply(529, "overloaded_error", "Overloaded"),
        errorReply(500, "api_error", "Internal server error"),
        Reply.text(502, "text/html", "<html><body>502 Bad Gateway</body></html>"));

    ChatResponse response = provider(4).chat(taskRequest("hello")).await();

    assertThat(response.text()).isEqualTo("ok");
    assertThat(server.requests()).hasSize(4);
  }

  @Test
  @DisplayName("a connection dropped after the request left is not retried: the call may have been billed")
  void droppedConnectionIsAnUnknownOutcome() {
    server.enqueue(Reply.drop());

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(4).chat(taskRequest("hello")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.DROPPED);
    assertThat(err.retryable()).isTrue();
    assertThat(err.outcomeUnknown()).isTrue();
  }

  @Test
  @DisplayName("when the retries run out the failure is retryable and names the last status")
  void exhaustedRetries() {
    for (int i = 0; i < 4; i++) {
      server.enqueue(errorReply(503, "api_error", "Service unavailable"));
    }

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(taskRequest("hello")).await());

    assertThat(server.requests()).hasSize(4);
    assertThat(err.retryable()).isTrue();
    assertThat(err.kind()).isEqualTo(ModelException.Kind.TRANSIENT);
    assertThat(err.upstreamStatus()).isEqualTo(503);
    assertThat(err.getMessage()).isEqualTo("anthropic answered 503 api_error: Service unavailable");
  }

  @Test
  @DisplayName("a retry-after beyond the retry cap ends the retries at once and is passed on")
  void longRetryAfterPassedOn() {
    server.enqueue(errorReply(429, "rate_limit_error", "rate limited").header("retry-after", "60"));

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(taskRequest("hello")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.retryable()).isTrue();
    assertThat(err.retryAfter()).contains(Duration.ofSeconds(60));
  }

  static Stream<Arguments> spendLimits() {
    return Stream.of(
        Arguments.of(errorReply(400, "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")),
        Arguments.of(errorReply(400, "invalid_request_error",
            "You have reached your specified workspace API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.")),
        Arguments.of(errorReply(402, "billing_error", "There is an issue with your billing.")),
        Arguments.of(Reply.json(429, new JsonObject().put("type", "error").put("error", new JsonObject()
            .put("type", "rate_limit_error").put("message", "Your organization has reached its monthly spend limit.")
            .put("details", new JsonObject().put("error_code", "enforced_spend_limit_reached")))).header("retry-after", "1")));
  }

  @ParameterizedTest
  @MethodSource("spendLimits")
  @DisplayName("a used-up credit balance or spend limit is not retried")
  void spendLimitNotRetried(Reply reply) {
    server.enqueue(reply);

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(3).chat(taskRequest("hello")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.SPEND_LIMIT);
    assertThat(err.retryable()).isFalse();
  }

  @Test
  @DisplayName("a request the API rejects as invalid is not retried")
  void invalidRequestNotRetried() {
    ChatRequest orphanResult = ChatRequest.of(SONNET, 256, List.of(
        ChatMessage.user("hi"), ChatMessage.assistant("hello", List.of()),
        ChatMessage.toolResults(List.of(new ToolResult("toolu_unknown", "read_file", "x", false)))));

    ModelException err = catchThrowableOfType(ModelException.class, () -> provider(3).chat(orphanResult).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.INVALID_REQUEST);
    assertThat(err.upstreamStatus()).isEqualTo(400);
    assertThat(err.getMessage()).contains("unexpected `tool_use_id`");
  }

  @Test
  @DisplayName("a call that outlives anthropic.timeout fails as a retryable timeout of unknown outcome, not retried"
      + " under the same reservation")
  void timeout() {
    server.enqueue(Reply.hang(), Reply.hang());
    var settings = new ModelsConfig.Anthropic(server.baseUrl(), LocalAnthropicServer.KEY, Duration.ofMillis(200));
    long start = System.nanoTime();

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(settings, 1).chat(taskRequest("hello")).await());

    assertThat(server.requests()).hasSize(1);
    assertThat(err.kind()).isEqualTo(ModelException.Kind.TIMEOUT);
    assertThat(err.retryable()).isTrue();
    assertThat(err.outcomeUnknown()).isTrue();
    assertThat(err.status()).isEqualTo(504);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  @DisplayName("a server that keeps trickling bytes still hits the deadline")
  void trickleHitsDeadline() {
    server.enqueue(Reply.trickle());
    var settings = new ModelsConfig.Anthropic(server.baseUrl(), LocalAnthropicServer.KEY, Duration.ofMillis(400));
    long start = System.nanoTime();

    ModelException err = catchThrowableOfType(ModelException.class,
        () -> provider(settings, 0).chat(taskRequest("hello")).await());

    assertThat(err.kind()).isEqualTo(ModelException.Kind.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  @DisplayName("a wrong key is a 401 that is not retried, and the key shows in no log line or error")
  void authNotRetriedKeyNeverLogged() {
    String wrongKey = "sk-ant-WRONG-do-not-log-me";
    var wrong = new ModelsConfig.Anthropic(server.baseUrl(), wrongKey, Duration.ofSeconds(5));
    ModelException err;
    List<String> logs;
    try (var capture = TestModels.captureLogs()) {
      server.enqueue(errorReply(529, "overloaded_error", "Overloaded"));
      provider(3).chat(taskRequest("hello")).await();
      err = catchThrowableOfType(ModelException.class, () -> provider(wrong, 3).chat(taskRequest("hello")).await());
      logs = capture.messages();
    }

    assertThat(err.kind()).isEqualTo(ModelException.Kind.AUTH);
    assertThat(err.retryable()).isFalse();
    assertThat(server.requests()).hasSize(3);
    assertThat(logs).anyMatch(line -> line.contains("retrying")).anyMatch(line -> line.contains("model call done"));
    assertThat(logs).noneMatch(line -> line.contains(wrongKey) || line.contains(LocalAnthropicServer.KEY));
    assertThat(err.getMessage()).doesNotContain(wrongKey);
    assertThat(config.anthropic().toString()).doesNotContain(LocalAnthropicServer.KEY);
  }

  @Test
  @DisplayName("without a key no call is made: chat fails as not configured and health is down")
  void noKey() {
    var none = new ModelsConfig.Anthropic(server.baseUrl(), "", Duration.ofSeconds(5));

    ModelException err = catchThrowableOfType(ModelException.class, () -> provider(none, 3).chat(taskRequest("x")).await());
    Health health = provider(none, 3).health().await();

    assertThat(err.kind()).isEqualTo(ModelException.Kind.NOT_CONFIGURED);
    assertThat(health.up()).isFalse();
    assertThat(server.requests()).isEmpty();
  }

  @Test
  @DisplayName("health lists the models from /v1/models, and reports a refused key as down")
  void health() {
    Health up = provider(0).health().await();
    Health down = provider(new ModelsConfig.Anthropic(server.baseUrl(), "sk-ant-bad", Duration.ofSeconds(5)), 0)
        .health().await();

    assertThat(up.up()).isTrue();
    assertThat(up.models()).containsExactlyElementsOf(LocalAnthropicServer.MODELS);
    assertThat(down.up()).isFalse();
    assertThat(down.detail()).contains("401").contains("authentication_error");
  }
}
