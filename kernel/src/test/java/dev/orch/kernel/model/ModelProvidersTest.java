package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

// A regression that loses a deadline must fail the test, not hang the build.
@Timeout(15)
@ExtendWith(VertxExtension.class)
class ModelProvidersTest {
  private LocalAnthropicServer anthropic;
  private LocalOllamaServer ollama;
  private LocalOpenAiServer openai;
  private ModelProviders providers;

  @BeforeEach
  void start(Vertx vertx) {
    anthropic = new LocalAnthropicServer(vertx);
    ollama = new LocalOllamaServer(vertx);
    openai = new LocalOpenAiServer(vertx, LocalOpenAiServer.KEY);
    anthropic.start().await();
    ollama.start().await();
    openai.start().await();
    JsonObject json = TestModels.config(anthropic.baseUrl(), ollama.baseUrl(), openai.baseUrl());
    json.put("model_catalog", new JsonObject().put("gpt-4o-mini", new JsonObject().put("provider", "openai")));
    ModelsConfig config = ModelsConfig.from(json);
    providers = ModelProviders.create(vertx, config, TestModels.retry(vertx, 1));
  }

  @AfterEach
  void stop() {
    providers.close();
  }

  @Test
  @DisplayName("a request goes to the provider that serves its model")
  void dispatchesByModel() {
    ChatResponse claude = providers.chat(ChatRequest.of("claude-haiku-4-5-20251001", 32, "hi")).await();
    ChatResponse local = providers.chat(ChatRequest.of(LocalOllamaServer.TOOL_MODEL, 32, "hi")).await();
    ChatResponse gpt = providers.chat(ChatRequest.of("gpt-4o-mini", 32, "hi")).await();

    assertThat(claude.provider()).isEqualTo("anthropic");
    assertThat(local.provider()).isEqualTo("ollama");
    assertThat(gpt.provider()).isEqualTo("openai");
    assertThat(anthropic.requests()).hasSize(1);
    assertThat(ollama.requests()).hasSize(1);
    assertThat(openai.requests()).hasSize(1);
  }

  @Test
  @DisplayName("a model no provider serves fails as not configured, without a call")
  void unknownModel() {
    ModelException err = catchThrowableOfType(ModelException.class,
        () -> providers.chat(ChatRequest.of("mistral-large", 32, "hi")).await());

    assertThat(err.kind()).isEqualTo(ModelException.Kind.NOT_CONFIGURED);
    assertThat(err.retryable()).isFalse();
    assertThat(anthropic.requests()).isEmpty();
  }

  @Test
  @DisplayName("health reports every configured provider")
  void health() {
    Map<String, Health> health = providers.health().await();

    assertThat(health).containsOnlyKeys("anthropic", "ollama", "openai");
    assertThat(health.values()).allMatch(Health::up);
  }

  @Test
  @DisplayName("twenty calls to one host are all in flight at once: the connection pool does not cap concurrency")
  void concurrentCallsAreNotCappedByTheConnectionPool() throws Exception {
    int calls = 20;
    java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(calls);
    anthropic.respondWith(r -> {
      arrived.countDown();
      // Each answer waits long enough that a pool of five would hold the other fifteen back.
      return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn", LocalAnthropicServer.usage(1, 1),
          LocalAnthropicServer.text("ok")).after(3_000);
    });
    java.util.List<io.vertx.core.Future<ChatResponse>> all = new java.util.ArrayList<>();
    for (int i = 0; i < calls; i++) {
      all.add(providers.chat(ChatRequest.of("claude-haiku-4-5-20251001", 32, "hi " + i)));
    }
    assertThat(arrived.await(2, java.util.concurrent.TimeUnit.SECONDS))
        .as("all %d requests reached the server before any answer", calls).isTrue();
    io.vertx.core.Future.all(all).await();
  }
}
