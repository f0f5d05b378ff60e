package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

/** The Message Batches client against a local server speaking the Batches protocol. */
@Timeout(15)
@ExtendWith(VertxExtension.class)
class AnthropicBatchesTest {
  private static final String HAIKU = "claude-haiku-4-5-20251001";
  private LocalAnthropicServer server;
  private WebClient client;
  private AnthropicBatches batches;

  @BeforeEach
  void start(Vertx vertx) {
    server = new LocalAnthropicServer(vertx);
    server.start().await();
    client = WebClient.create(vertx);
    var settings = new ModelsConfig.Anthropic(server.baseUrl(), LocalAnthropicServer.KEY, Duration.ofSeconds(5), "5m",
        new ModelsConfig.Batch(Duration.ofMillis(100), Duration.ofMillis(20), Duration.ofMillis(80)));
    batches = new AnthropicBatches(vertx, client, settings, new Pricing(java.util.Map.of()));
  }

  @AfterEach
  void stop() {
    client.close();
  }

  @Test
  @DisplayName("calls within the window go out as one batch, polled until it ends, each answered from its result line")
  void oneBatchForCallsInTheWindow() {
    server.batchProcessing(300);
    Future<ChatResponse> a = batches.chat(ChatRequest.of(HAIKU, 100, "first question"));
    Future<ChatResponse> b = batches.chat(ChatRequest.of(HAIKU, 100, "second question"));

    assertThat(List.of(a.await().text(), b.await().text())).containsExactly("ok", "ok");
    assertThat(server.batchCount()).isEqualTo(1);
    long polls = server.requests().stream().filter(r -> r.method().equals("GET") && r.path().matches(
        "/v1/messages/batches/[^/]+")).count();
    assertThat(polls).as("20, 40, 80, 80, ... ms: several polls before 300 ms").isBetween(3L, 8L);
    assertThat(a.await().usage().output()).isEqualTo(3);
  }

  @Test
  @DisplayName("a batch the API refuses fails every call in it with the API's error, not worth a retry")
  void refusedBatch() {
    server.enqueue(LocalAnthropicServer.errorReply(400, "invalid_request_error", "requests: too large"));
    Future<ChatResponse> a = batches.chat(ChatRequest.of(HAIKU, 100, "first"));
    Future<ChatResponse> b = batches.chat(ChatRequest.of(HAIKU, 100, "second"));

    for (Future<ChatResponse> f : List.of(a, b)) {
      ModelException err = catchThrowableOfType(ModelException.class, f::await);
      assertThat(err.kind()).isEqualTo(ModelException.Kind.INVALID_REQUEST);
      assertThat(err.getMessage()).contains("requests: too large");
    }
  }

  @Test
  @DisplayName("an expired request fails its call transiently; an errored one with the error's type")
  void expiredAndErrored() {
    server.batchOutcome(params -> params.getJsonArray("messages").getJsonObject(0).getString("content")
        .equals("late") ? "expired" : "errored");
    Future<ChatResponse> late = batches.chat(ChatRequest.of(HAIKU, 100, "late"));
    Future<ChatResponse> broken = batches.chat(ChatRequest.of(HAIKU, 100, "broken"));

    ModelException expired = catchThrowableOfType(ModelException.class, late::await);
    assertThat(expired.retryable()).isTrue();
    assertThat(expired.getMessage()).contains("expired");
    ModelException errored = catchThrowableOfType(ModelException.class, broken::await);
    assertThat(errored.retryable()).isTrue();
    assertThat(errored.getMessage()).contains("api_error");
  }

  @Test
  @DisplayName("each batch request carries the Messages body, cache marks included, under a unique custom_id")
  void requestShape() {
    String plan = "- Task: do one part of the project well.\n".repeat(150);
    batches.chat(ChatRequest.of("claude-sonnet-4-6", 100, "q").withSharedContext(plan)).await();

    JsonObject create = server.requests().stream().filter(r -> r.method().equals("POST")).findFirst().orElseThrow()
        .body();
    JsonObject request = create.getJsonArray("requests").getJsonObject(0);
    assertThat(request.getString("custom_id")).matches("[a-zA-Z0-9_-]{1,64}");
    assertThat(request.getJsonObject("params").getString("model")).isEqualTo("claude-sonnet-4-6");
    assertThat(request.getJsonObject("params").getJsonArray("system").getJsonObject(0).getJsonObject("cache_control"))
        .isEqualTo(new JsonObject().put("type", "ephemeral"));
  }
}
