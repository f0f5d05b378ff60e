package dev.orch.kernel.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Routing (API.md §11.1): a tier by task type and complexity, the tier's model id, the provider that
 * serves it, and the default tools of a task type. Task types and complexities outside the table
 * (including C# task types and ones a model invented, §18.5) route to {@link Tier#HAIKU}.
 */
public final class ModelRouter {

  /** Task type → tier for simple, medium, complex. */
  private static final Map<String, List<Tier>> TABLE = Map.of(
      "code", List.of(Tier.HAIKU, Tier.SONNET, Tier.SONNET),
      "research", List.of(Tier.OLLAMA, Tier.HAIKU, Tier.SONNET),
      "analysis", List.of(Tier.OLLAMA, Tier.HAIKU, Tier.SONNET),
      "asset", List.of(Tier.OLLAMA, Tier.OLLAMA, Tier.OLLAMA),
      "integration", List.of(Tier.HAIKU, Tier.HAIKU, Tier.SONNET),
      "documentation", List.of(Tier.OLLAMA, Tier.HAIKU, Tier.SONNET));
  private static final List<String> COMPLEXITIES = List.of("simple", "medium", "complex");

  private static final Map<String, List<String>> DEFAULT_TOOLS = Map.of(
      "code", List.of("search_knowledge", "lookup_type", "local_llm", "read_file", "write_file"),
      "research", List.of("search_knowledge", "lookup_type", "local_llm"),
      "analysis", List.of("search_knowledge", "local_llm", "read_file"),
      "asset", List.of("local_llm", "generate_image"),
      "integration", List.of("read_file", "write_file", "local_llm"),
      "documentation", List.of("search_knowledge", "local_llm", "read_file", "write_file"));
  private static final List<String> OTHER_TOOLS = List.of("search_knowledge", "local_llm");

  private final ModelsConfig config;

  /**
   * Where a task runs.
   *
   * @param provider the {@link ModelProvider#name()} that serves {@code model}
   */
  public record Route(Tier tier, String model, String provider) {}

  public ModelRouter(ModelsConfig config) {
    this.config = config;
  }

  /** The tier of a task; unknown or missing values give {@link Tier#HAIKU}. */
  public static Tier tier(String taskType, String complexity) {
    if (taskType == null || complexity == null) {
      return Tier.HAIKU;
    }
    List<Tier> row = TABLE.get(taskType.trim().toLowerCase(Locale.ROOT));
    int column = COMPLEXITIES.indexOf(complexity.trim().toLowerCase(Locale.ROOT));
    return row == null || column < 0 ? Tier.HAIKU : row.get(column);
  }

  /** The tools a task gets when its plan does not name any; unknown task types get the {@code other} list. */
  public static List<String> defaultTools(String taskType) {
    return taskType == null ? OTHER_TOOLS
        : DEFAULT_TOOLS.getOrDefault(taskType.trim().toLowerCase(Locale.ROOT), OTHER_TOOLS);
  }

  /** The model id of a tier ({@code anthropic.models.*}, {@code ollama.default_model}). */
  public String model(Tier tier) {
    return config.model(tier);
  }

  /** Tier, model and provider of a task. */
  public Route route(String taskType, String complexity) {
    return route(tier(taskType, complexity));
  }

  /**
   * Model and provider of a tier. {@link ModelsConfig#from} has checked that every tier's model has
   * a provider, so this does not fail for a validated config.
   */
  public Route route(Tier tier) {
    String model = model(tier);
    String provider = config.providerOf(model)
        .orElseThrow(() -> new IllegalStateException("no provider serves model '" + model + "'"));
    return new Route(tier, model, provider);
  }
}
