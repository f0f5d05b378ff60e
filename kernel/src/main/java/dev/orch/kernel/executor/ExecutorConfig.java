package dev.orch.kernel.executor;

import dev.orch.kernel.config.ConfigReader;
import dev.orch.kernel.model.Tier;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The executor's settings ({@code execution.*} of API.md §16 plus our own).
 *
 * @param maxConcurrent running tasks at once, cluster-wide ({@code execution.max_concurrent_tasks})
 * @param maxPerProject running tasks of one project ({@code execution.max_concurrent_per_project})
 * @param maxPerProvider running tasks per provider: {@code anthropic} (Claude tiers), {@code ollama}
 * @param leaseSeconds how long a claim holds without a heartbeat ({@code execution.lease_seconds})
 * @param safetyTickSeconds the slow tick that catches leftovers; dispatch itself is event-driven
 * @param escalation the tiers a task climbs, cheapest first, when verification finds gaps
 *     ({@code routing.escalation}); empty: a retry stays on its tier
 */
public record ExecutorConfig(
    int maxConcurrent,
    int maxPerProject,
    Map<String, Integer> maxPerProvider,
    double leaseSeconds,
    double safetyTickSeconds,
    int maxToolRounds,
    int maxHistoryRounds,
    double retryBackoffBaseSeconds,
    double retryBackoffMaxSeconds,
    double retryJitterSeconds,
    boolean waveCheckpoints,
    int contextForwardMaxChars,
    boolean verificationEnabled,
    String verificationModel,
    int verificationMaxTokens,
    boolean checkpointOnRetryExhausted,
    double shutdownGraceSeconds,
    boolean knowledgeExtractionEnabled,
    String knowledgeExtractionModel,
    int knowledgeExtractionMaxTokens,
    int knowledgeInjectionMaxChars,
    int knowledgeMinOutputLength,
    double externalClaimTimeoutSeconds,
    double toolTimeoutSeconds,
    List<Tier> escalation) {

  /** {@code routing.escalation} when the configuration names none. */
  public static final List<String> DEFAULT_ESCALATION = List.of("ollama", "haiku", "sonnet", "opus");

  /** The tier after {@code tier} on the escalation ladder; {@code tier} itself at the top or off the ladder. */
  public String nextTier(String tier) {
    Tier current = Dispatcher.tierOrNull(tier);
    int at = escalation.indexOf(current);
    return at < 0 || at + 1 >= escalation.size() ? tier : escalation.get(at + 1).wire();
  }

  /** @throws dev.orch.kernel.config.ConfigException naming the first invalid key */
  public static ExecutorConfig from(JsonObject raw) {
    ConfigReader r = new ConfigReader(raw);
    int max = r.positiveInteger("execution.max_concurrent_tasks", 3);
    return new ExecutorConfig(
        max,
        r.positiveInteger("execution.max_concurrent_per_project", max),
        Map.of("anthropic", r.positiveInteger("execution.max_concurrent_per_provider.anthropic", max),
            "ollama", r.positiveInteger("execution.max_concurrent_per_provider.ollama", 1),
            "openai", r.positiveInteger("execution.max_concurrent_per_provider.openai", max)),
        r.positive("execution.lease_seconds", 60),
        r.positive("execution.safety_tick_sec", 5),
        r.positiveInteger("execution.max_tool_rounds", 10),
        r.positiveInteger("execution.max_history_rounds", 4),
        r.nonNegative("execution.retry_backoff_base_sec", 5),
        r.positive("execution.retry_backoff_max_sec", 120),
        r.nonNegative("execution.retry_jitter_sec", 2),
        r.bool("execution.wave_checkpoints", false),
        r.positiveInteger("execution.context_forward_max_chars", 2000),
        r.bool("execution.verification_enabled", true),
        r.string("execution.verification_model", "claude-haiku-4-5-20251001"),
        r.positiveInteger("execution.verification_max_tokens", 1024),
        r.bool("execution.checkpoint_on_retry_exhausted", true),
        r.nonNegative("execution.shutdown_grace_seconds", 30),
        r.bool("execution.knowledge_extraction_enabled", true),
        r.string("execution.knowledge_extraction_model", "claude-haiku-4-5-20251001"),
        r.positiveInteger("execution.knowledge_extraction_max_tokens", 1024),
        r.positiveInteger("execution.knowledge_injection_max_chars", 3000),
        (int) r.nonNegative("execution.knowledge_min_output_length", 200),
        r.positive("execution.external_claim_timeout_seconds", 3600),
        r.positive("execution.tool_timeout_sec", 120),
        escalation(r));
  }

  private static List<Tier> escalation(ConfigReader r) {
    List<String> names = r.value("routing.escalation") == null ? DEFAULT_ESCALATION : r.strings("routing.escalation");
    List<Tier> out = new java.util.ArrayList<>();
    for (String name : names) {
      Tier tier = Dispatcher.tierOrNull(name);
      if (tier == null || out.contains(tier)) {
        throw new dev.orch.kernel.config.ConfigException("routing.escalation must list distinct tiers of ollama, haiku,"
            + " sonnet, opus, got '" + name + "'");
      }
      out.add(tier);
    }
    return List.copyOf(out);
  }
}
