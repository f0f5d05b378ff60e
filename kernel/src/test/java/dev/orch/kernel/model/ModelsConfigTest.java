package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ModelsConfigTest {

  @Test
  @DisplayName("conf/config.json loads: tier models, base URLs, timeouts, retry settings")
  void defaults() {
    ModelsConfig config = ModelsConfig.from(TestModels.defaults());

    assertThat(config.model(Tier.HAIKU)).isEqualTo("claude-haiku-4-5-20251001");
    assertThat(config.model(Tier.OLLAMA)).isEqualTo("qwen2.5-coder:14b");
    assertThat(config.anthropic().baseUrl()).isEqualTo("https://api.anthropic.com");
    assertThat(config.anthropic().timeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.ollama().host()).isEqualTo("http://localhost:11434");
    assertThat(config.ollama().timeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(config.openai().configured()).isFalse();
    assertThat(config.openai().timeout()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.retry()).isEqualTo(new ModelsConfig.Retry(3, Duration.ofSeconds(1), Duration.ofSeconds(30)));
    assertThat(config.providerOf("claude-opus-4-6")).contains("anthropic");
    assertThat(config.providerOf("qwen2.5-coder:14b")).contains("ollama");
    assertThat(config.providerOf("gpt-4o-mini")).isEmpty();
  }

  @Test
  @DisplayName("the prompt cache lives 5 minutes unless anthropic.cache_ttl says 1h; another value stops startup")
  void cacheTtl() {
    JsonObject json = TestModels.defaults();
    assertThat(ModelsConfig.from(json).anthropic().cacheTtl()).isEqualTo("5m");
    json.getJsonObject("anthropic").put("cache_ttl", "1h");
    assertThat(ModelsConfig.from(json).anthropic().cacheTtl()).isEqualTo("1h");
    json.getJsonObject("anthropic").put("cache_ttl", "10m");

    assertThatThrownBy(() -> ModelsConfig.from(json)).isInstanceOf(ConfigException.class)
        .hasMessage("anthropic.cache_ttl must be \"5m\" or \"1h\", got '10m'");
  }

  @Test
  @DisplayName("each model's minimum cacheable prefix comes from model_pricing, else from its family")
  void minCacheTokens() {
    Pricing pricing = ModelsConfig.from(TestModels.defaults()).pricing();

    assertThat(pricing.minCacheTokens("claude-sonnet-4-6")).isEqualTo(1024);
    assertThat(pricing.minCacheTokens("claude-haiku-4-5-20251001")).isEqualTo(4096);
    assertThat(pricing.minCacheTokens("claude-opus-4-6")).isEqualTo(4096);
    assertThat(pricing.minCacheTokens("claude-3-haiku-20240307")).isEqualTo(2048);
    assertThat(pricing.minCacheTokens("claude-sonnet-4-5")).isEqualTo(1024);
  }

  @Test
  @DisplayName("economy batches: gathered for 2 s, polled after 10 s, then every doubling wait up to 5 minutes")
  void batchDefaults() {
    var batch = ModelsConfig.from(TestModels.defaults()).anthropic().batch();

    assertThat(batch.window()).isEqualTo(Duration.ofSeconds(2));
    assertThat(batch.pollMin()).isEqualTo(Duration.ofSeconds(10));
    assertThat(batch.pollMax()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  @DisplayName("startup fails when a routed model has no price")
  void routedModelWithoutPrice() {
    JsonObject json = TestModels.defaults();
    json.getJsonObject("model_pricing").remove("claude-opus-4-6");

    assertThatThrownBy(() -> ModelsConfig.from(json)).isInstanceOf(ConfigException.class)
        .hasMessage("anthropic.models.opus names model 'claude-opus-4-6', which has no price in model_pricing");
  }

  @Test
  @DisplayName("startup fails when a routed model has no provider, or its provider is not configured")
  void routedModelWithoutProvider() {
    JsonObject unknown = TestModels.defaults();
    unknown.getJsonObject("anthropic").getJsonObject("models").put("sonnet", "mistral-large");
    JsonObject noServer = TestModels.defaults();
    noServer.getJsonObject("anthropic").getJsonObject("models").put("sonnet", "gpt-4o");
    noServer.put("model_catalog", new JsonObject().put("gpt-4o", new JsonObject().put("provider", "openai")));
    noServer.getJsonObject("model_pricing").put("gpt-4o", new JsonObject().put("input_per_mtok", 2.5).put("output_per_mtok", 10));

    assertThatThrownBy(() -> ModelsConfig.from(unknown)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("anthropic.models.sonnet names model 'mistral-large', which no provider serves");
    assertThatThrownBy(() -> ModelsConfig.from(noServer)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("openai.base_url is empty");
  }

  @Test
  @DisplayName("the planning and verification models need a price too; Ollama models do not")
  void otherCalledModels() {
    JsonObject planning = TestModels.defaults();
    planning.getJsonObject("anthropic").put("planning_model", "claude-3-7-sonnet-20250219");
    JsonObject ollama = TestModels.defaults();
    ollama.getJsonObject("ollama").put("default_model", "llama3.1:8b");

    assertThatThrownBy(() -> ModelsConfig.from(planning)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("anthropic.planning_model");
    assertThat(ModelsConfig.from(ollama).providerOf("llama3.1:8b")).contains("ollama");
  }

  @Test
  @DisplayName("bad values fail naming the key: timeout, catalog provider, URL, retry bounds")
  void invalidValues() {
    JsonObject timeout = TestModels.defaults();
    timeout.getJsonObject("anthropic").put("timeout", 0);
    JsonObject provider = TestModels.defaults();
    provider.put("model_catalog", new JsonObject().put("x", new JsonObject().put("provider", "bedrock")));
    JsonObject url = TestModels.defaults();
    url.getJsonObject("openai").put("base_url", "localhost:8000");
    JsonObject retry = TestModels.defaults();
    retry.getJsonObject("model_retry").put("base_delay_ms", 60_000);

    assertThatThrownBy(() -> ModelsConfig.from(timeout)).hasMessage("anthropic.timeout must be > 0, got 0.0");
    assertThatThrownBy(() -> ModelsConfig.from(provider)).hasMessageContaining("model_catalog.x.provider");
    assertThatThrownBy(() -> ModelsConfig.from(url)).hasMessageContaining("openai.base_url must be an http(s) URL");
    assertThatThrownBy(() -> ModelsConfig.from(retry)).hasMessageContaining("model_retry");
  }

  @Test
  @DisplayName("the key never shows in the settings' string form")
  void keyHidden() {
    JsonObject json = TestModels.defaults();
    json.getJsonObject("anthropic").put("api_key", "sk-ant-secret");
    json.getJsonObject("openai").put("api_key", "sk-openai-secret").put("base_url", "http://127.0.0.1:1234/");

    ModelsConfig config = ModelsConfig.from(json);

    assertThat(config.toString()).doesNotContain("sk-ant-secret").doesNotContain("sk-openai-secret");
    assertThat(config.openai().baseUrl()).isEqualTo("http://127.0.0.1:1234");
  }
}
