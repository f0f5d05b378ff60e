package dev.orch.kernel.executor;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The executor's settings ({@code execution.*} of API.md §16 plus our own).
 *
 * @param maxConcurrent running tasks at once, cluster-wide ({@code execution.max_concurrent_tasks})
 * @param maxPerProject running tasks of one project ({@code execution.max_concurrent_per_project})
 * @param maxPerProvider running tasks per provider: {@code anthropic} (Claude tiers), {@code ollama}
 * @param leaseSeconds how long a claim holds without a heartbeat ({@code execution.lease_seconds})
 * @param safetyTickSeconds the slow tick that catches leftovers; dispatch itself is event-driven
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
    double toolTimeoutSeconds) {

  /** @throws ConfigException naming the first invalid key */
  public static ExecutorConfig from(JsonObject raw) {
    JsonObject e = raw.getJsonObject("execution", new JsonObject());
    int max = positiveInt(e, "max_concurrent_tasks", 3);
    JsonObject providers = e.getJsonObject("max_concurrent_per_provider", new JsonObject());
    return new ExecutorConfig(
        max,
        positiveInt(e, "max_concurrent_per_project", max),
        Map.of("anthropic", positiveInt(providers, "anthropic", max), "ollama", positiveInt(providers, "ollama", 1),
            "openai", positiveInt(providers, "openai", max)),
        positive(e, "lease_seconds", 60),
        positive(e, "safety_tick_sec", 5),
        positiveInt(e, "max_tool_rounds", 10),
        positiveInt(e, "max_history_rounds", 4),
        nonNegative(e, "retry_backoff_base_sec", 5),
        positive(e, "retry_backoff_max_sec", 120),
        nonNegative(e, "retry_jitter_sec", 2),
        e.getBoolean("wave_checkpoints", false),
        positiveInt(e, "context_forward_max_chars", 2000),
        e.getBoolean("verification_enabled", false),
        e.getString("verification_model", "claude-haiku-4-5-20251001"),
        positiveInt(e, "verification_max_tokens", 1024),
        e.getBoolean("checkpoint_on_retry_exhausted", true),
        nonNegative(e, "shutdown_grace_seconds", 30),
        e.getBoolean("knowledge_extraction_enabled", true),
        e.getString("knowledge_extraction_model", "claude-haiku-4-5-20251001"),
        positiveInt(e, "knowledge_extraction_max_tokens", 1024),
        positiveInt(e, "knowledge_injection_max_chars", 3000),
        (int) nonNegative(e, "knowledge_min_output_length", 200),
        positive(e, "external_claim_timeout_seconds", 3600),
        positive(e, "tool_timeout_sec", 120));
  }

  private static double positive(JsonObject o, String key, double fallback) {
    double v = number(o, key, fallback);
    if (v <= 0) {
      throw new ConfigException("execution." + key + " must be > 0, got " + v);
    }
    return v;
  }

  private static double nonNegative(JsonObject o, String key, double fallback) {
    double v = number(o, key, fallback);
    if (v < 0) {
      throw new ConfigException("execution." + key + " must be >= 0, got " + v);
    }
    return v;
  }

  private static int positiveInt(JsonObject o, String key, int fallback) {
    double v = positive(o, key, fallback);
    if (v != Math.rint(v)) {
      throw new ConfigException("execution." + key + " must be a whole number, got " + v);
    }
    return (int) v;
  }

  private static double number(JsonObject o, String key, double fallback) {
    Object v = o.getValue(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number n)) {
      throw new ConfigException("execution." + key + " must be a number, got " + v);
    }
    return n.doubleValue();
  }
}
