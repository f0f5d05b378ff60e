package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRouterTest {

  @ParameterizedTest(name = "{0} x {1} -> {2}")
  @CsvSource({
      "code, simple, haiku", "code, medium, sonnet", "code, complex, sonnet",
      "research, simple, ollama", "research, medium, haiku", "research, complex, sonnet",
      "analysis, simple, ollama", "analysis, medium, haiku", "analysis, complex, sonnet",
      "asset, simple, ollama", "asset, medium, ollama", "asset, complex, ollama",
      "integration, simple, haiku", "integration, medium, haiku", "integration, complex, sonnet",
      "documentation, simple, ollama", "documentation, medium, haiku", "documentation, complex, sonnet"})
  @DisplayName("the tier follows the API.md §11.1 table")
  void table(String taskType, String complexity, String tier) {
    assertThat(ModelRouter.tier(taskType, complexity)).isEqualTo(Tier.parse(tier));
  }

  @ParameterizedTest(name = "{0} x {1} -> haiku")
  @CsvSource(value = {"csharp_method, complex", "other, simple", "code, extreme", "NULL, medium", "code, NULL"},
      nullValues = "NULL")
  @DisplayName("unknown task types and complexities route to haiku")
  void unknownIsHaiku(String taskType, String complexity) {
    assertThat(ModelRouter.tier(taskType, complexity)).isEqualTo(Tier.HAIKU);
  }

  @Test
  @DisplayName("each tier resolves to its configured model and the provider that serves it")
  void routes() {
    ModelRouter router = new ModelRouter(ModelsConfig.from(TestModels.defaults()));

    assertThat(router.route("code", "simple"))
        .isEqualTo(new ModelRouter.Route(Tier.HAIKU, "claude-haiku-4-5-20251001", "anthropic"));
    assertThat(router.route("code", "complex"))
        .isEqualTo(new ModelRouter.Route(Tier.SONNET, "claude-sonnet-4-6", "anthropic"));
    assertThat(router.route(Tier.OPUS)).isEqualTo(new ModelRouter.Route(Tier.OPUS, "claude-opus-4-6", "anthropic"));
    assertThat(router.route("asset", "medium"))
        .isEqualTo(new ModelRouter.Route(Tier.OLLAMA, "qwen2.5-coder:14b", "ollama"));
  }

  @Test
  @DisplayName("a tier mapped to a catalog model routes to that model's provider")
  void catalogProvider() {
    JsonObject json = TestModels.defaults();
    json.getJsonObject("anthropic").getJsonObject("models").put("haiku", "gpt-4o-mini");
    json.getJsonObject("openai").put("base_url", "http://127.0.0.1:8000/v1");
    json.put("model_catalog", new JsonObject().put("gpt-4o-mini", new JsonObject().put("provider", "openai")));
    json.getJsonObject("model_pricing").put("gpt-4o-mini",
        new JsonObject().put("input_per_mtok", 0.15).put("output_per_mtok", 0.6));

    ModelRouter router = new ModelRouter(ModelsConfig.from(json));

    assertThat(router.route("integration", "medium"))
        .isEqualTo(new ModelRouter.Route(Tier.HAIKU, "gpt-4o-mini", "openai"));
  }

  @Test
  @DisplayName("default tools follow the task type, with the 'other' list for unknown types")
  void defaultTools() {
    assertThat(ModelRouter.defaultTools("code"))
        .containsExactly("search_knowledge", "lookup_type", "local_llm", "read_file", "write_file");
    assertThat(ModelRouter.defaultTools("research")).containsExactly("search_knowledge", "lookup_type", "local_llm");
    assertThat(ModelRouter.defaultTools("analysis")).containsExactly("search_knowledge", "local_llm", "read_file");
    assertThat(ModelRouter.defaultTools("asset")).containsExactly("local_llm", "generate_image");
    assertThat(ModelRouter.defaultTools("integration")).containsExactly("read_file", "write_file", "local_llm");
    assertThat(ModelRouter.defaultTools("documentation"))
        .containsExactly("search_knowledge", "local_llm", "read_file", "write_file");
    assertThat(ModelRouter.defaultTools("csharp_method")).containsExactly("search_knowledge", "local_llm");
    assertThat(ModelRouter.defaultTools(null)).containsExactly("search_knowledge", "local_llm");
  }
}
