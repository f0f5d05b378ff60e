package dev.orch.kernel.model;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The model section of the configuration, validated. Keys (conf/config.json):
 *
 * <ul>
 *   <li>{@code anthropic.base_url}, {@code anthropic.api_key} ({@code ANTHROPIC_API_KEY}),
 *       {@code anthropic.timeout} (s), {@code anthropic.cache_ttl} ({@code 5m} or {@code 1h}),
 *       {@code anthropic.models.{haiku,sonnet,opus}};
 *   <li>{@code ollama.hosts.local} (else {@code ollama.hosts.env}), {@code ollama.default_model}
 *       (the {@code ollama} tier), {@code ollama.generate_timeout} (s);
 *   <li>{@code openai.base_url} (with or without the trailing {@code /v1}), {@code openai.api_key},
 *       timeout {@code execution.http_client_timeout} (s);
 *   <li>{@code model_catalog}: {@code {model: {"provider": "anthropic"|"ollama"|"openai"}}}. A model
 *       not listed is served by Anthropic when its id starts with {@code claude-}, by Ollama when it
 *       is {@code ollama.default_model}, and by nobody otherwise;
 *   <li>{@code model_pricing}: see {@link Pricing#from};
 *   <li>{@code model_retry}: {@code max_retries} (3), {@code base_delay_ms} (1000),
 *       {@code max_delay_ms} (30000), see {@link RetryPolicy}.
 * </ul>
 *
 * <p>Every model that routing, planning, verification or knowledge extraction may call must have a
 * provider that is configured and a price; Ollama models are exempt from the price (local compute,
 * recorded at cost 0 as in API.md §11.4) unless the table prices them.
 */
public record ModelsConfig(
    Anthropic anthropic,
    Ollama ollama,
    OpenAi openai,
    Map<Tier, String> tierModels,
    Map<String, String> catalog,
    Pricing pricing,
    Retry retry) {

  static final String DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";
  static final Map<Tier, String> DEFAULT_TIER_MODELS = Map.of(
      Tier.HAIKU, "claude-haiku-4-5-20251001",
      Tier.SONNET, "claude-sonnet-4-6",
      Tier.OPUS, "claude-opus-4-6",
      Tier.OLLAMA, "qwen2.5-coder:14b");
  private static final Set<String> PROVIDERS = Set.of(ModelProvider.ANTHROPIC, ModelProvider.OLLAMA,
      ModelProvider.OPENAI);

  /**
   * The Anthropic Messages API.
   *
   * @param apiKey empty when not configured: calls then fail and health reports down
   * @param cacheTtl the lifetime of the prompt-cache entries the calls write: {@code 5m} or {@code 1h}
   * @param batch how economy projects' calls are batched (Message Batches API)
   */
  public record Anthropic(String baseUrl, String apiKey, Duration timeout, String cacheTtl, Batch batch) {
    /** The lifetimes Anthropic's {@code cache_control.ttl} accepts. */
    public static final Set<String> CACHE_TTLS = Set.of("5m", "1h");

    public Anthropic {
      baseUrl = withoutTrailingSlash(baseUrl);
      apiKey = apiKey == null ? "" : apiKey;
      cacheTtl = cacheTtl == null ? "5m" : cacheTtl;
      batch = batch == null ? Batch.DEFAULT : batch;
      if (!CACHE_TTLS.contains(cacheTtl)) {
        throw new ConfigException("anthropic.cache_ttl must be \"5m\" or \"1h\", got '" + cacheTtl + "'");
      }
    }

    public Anthropic(String baseUrl, String apiKey, Duration timeout) {
      this(baseUrl, apiKey, timeout, "5m", Batch.DEFAULT);
    }

    public Anthropic(String baseUrl, String apiKey, Duration timeout, String cacheTtl) {
      this(baseUrl, apiKey, timeout, cacheTtl, Batch.DEFAULT);
    }

    public boolean hasKey() {
      return !apiKey.isBlank();
    }

    /** Never prints the key. */
    @Override
    public String toString() {
      return "Anthropic[baseUrl=" + baseUrl + ", key=" + (hasKey() ? "set" : "unset") + ", timeout=" + timeout
          + ", cacheTtl=" + cacheTtl + "]";
    }
  }

  /**
   * The Message Batches API's use for economy projects.
   *
   * @param window how long calls are gathered before one batch is sent ({@code anthropic.batch_window_ms})
   * @param pollMin the first wait before a batch's status is asked ({@code anthropic.batch_poll_min_sec});
   *     each later wait doubles
   * @param pollMax the longest wait between two polls ({@code anthropic.batch_poll_max_sec})
   */
  public record Batch(Duration window, Duration pollMin, Duration pollMax) {
    public static final Batch DEFAULT = new Batch(Duration.ofMillis(2000), Duration.ofSeconds(10),
        Duration.ofSeconds(300));
  }

  /**
   * An Ollama server.
   *
   * @param host base URL; empty when none is configured
   * @param key its key under {@code ollama.hosts} ({@code local}, else {@code env}): the resource
   *     monitor names it {@code ollama_<key>}
   */
  public record Ollama(String host, String defaultModel, Duration timeout, String key) {
    public Ollama {
      host = withoutTrailingSlash(host);
    }

    public Ollama(String host, String defaultModel, Duration timeout) {
      this(host, defaultModel, timeout, "local");
    }

    /** The resource monitor's id for this host (API.md §15.1), or null when none is configured. */
    public String resource() {
      return host.isBlank() ? null : "ollama_" + key;
    }
  }

  /**
   * An OpenAI-compatible chat-completions server.
   *
   * @param baseUrl empty when not configured
   * @param apiKey sent as a bearer token when not empty
   */
  public record OpenAi(String baseUrl, String apiKey, Duration timeout) {
    public OpenAi {
      baseUrl = withoutTrailingSlash(baseUrl);
      apiKey = apiKey == null ? "" : apiKey;
    }

    public boolean configured() {
      return !baseUrl.isBlank();
    }

    /** Never prints the key. */
    @Override
    public String toString() {
      return "OpenAi[baseUrl=" + baseUrl + ", key=" + (apiKey.isBlank() ? "unset" : "set") + ", timeout=" + timeout + "]";
    }
  }

  /** Retry settings of {@link RetryPolicy}. */
  public record Retry(int maxRetries, Duration baseDelay, Duration maxDelay) {}

  public ModelsConfig {
    tierModels = Map.copyOf(tierModels);
    catalog = Map.copyOf(catalog);
  }

  /**
   * Reads and validates the model section of the whole configuration ({@code OrchConfig.raw()}).
   *
   * @throws ConfigException naming the key: a non-positive timeout, a malformed URL, price or
   *     catalog entry, or a called model without a configured provider or without a price
   */
  public static ModelsConfig from(JsonObject raw) {
    JsonObject anthropicJson = object(raw, "anthropic");
    JsonObject ollamaJson = object(raw, "ollama");
    JsonObject openaiJson = object(raw, "openai");

    Anthropic anthropic = new Anthropic(
        url("anthropic.base_url", string(anthropicJson, "anthropic.base_url", "base_url", DEFAULT_ANTHROPIC_BASE_URL)),
        string(anthropicJson, "anthropic.api_key", "api_key", ""),
        seconds(anthropicJson, "anthropic.timeout", "timeout", 120),
        string(anthropicJson, "anthropic.cache_ttl", "cache_ttl", "5m"),
        new Batch(Duration.ofMillis(Math.round(number(anthropicJson, "anthropic.batch_window_ms", "batch_window_ms",
            2000))), seconds(anthropicJson, "anthropic.batch_poll_min_sec", "batch_poll_min_sec", 10),
            seconds(anthropicJson, "anthropic.batch_poll_max_sec", "batch_poll_max_sec", 300)));

    JsonObject hosts = object(ollamaJson, "hosts");
    String hostKey = "ollama.hosts.local";
    String host = string(hosts, hostKey, "local", "");
    if (host.isBlank()) {
      hostKey = "ollama.hosts.env";
      host = string(hosts, hostKey, "env", "");
    }
    String ollamaModel = string(ollamaJson, "ollama.default_model", "default_model",
        DEFAULT_TIER_MODELS.get(Tier.OLLAMA));
    Ollama ollama = new Ollama(url(hostKey, host), ollamaModel,
        seconds(ollamaJson, "ollama.generate_timeout", "generate_timeout", 120),
        hostKey.substring(hostKey.lastIndexOf('.') + 1));

    OpenAi openai = new OpenAi(
        url("openai.base_url", string(openaiJson, "openai.base_url", "base_url", "")),
        string(openaiJson, "openai.api_key", "api_key", ""),
        seconds(object(raw, "execution"), "execution.http_client_timeout", "http_client_timeout", 300));

    Map<Tier, String> tiers = new EnumMap<>(Tier.class);
    JsonObject models = object(anthropicJson, "models");
    for (Tier tier : Tier.values()) {
      tiers.put(tier, tier == Tier.OLLAMA ? ollamaModel
          : string(models, "anthropic.models." + tier.wire(), tier.wire(), DEFAULT_TIER_MODELS.get(tier)));
    }

    Map<String, String> catalog = new LinkedHashMap<>();
    JsonObject catalogJson = object(raw, "model_catalog");
    for (String model : catalogJson.fieldNames()) {
      String key = "model_catalog." + model;
      if (!(catalogJson.getValue(model) instanceof JsonObject entry)) {
        throw new ConfigException(key + " must be an object like {\"provider\": \"openai\"}");
      }
      String provider = string(entry, key + ".provider", "provider", "");
      if (!PROVIDERS.contains(provider)) {
        throw new ConfigException(key + ".provider must be one of anthropic, ollama, openai, got '" + provider + "'");
      }
      catalog.put(model, provider);
    }

    ModelsConfig config = new ModelsConfig(anthropic, ollama, openai, tiers, catalog,
        Pricing.from(object(raw, "model_pricing")), retry(object(raw, "model_retry")));
    config.requireServed(raw);
    return config;
  }

  /** Which provider serves {@code model}: the catalog entry, else the built-in rules; empty for none. */
  public Optional<String> providerOf(String model) {
    String listed = catalog.get(model);
    if (listed != null) {
      return Optional.of(listed);
    }
    if (model.startsWith("claude-")) {
      return Optional.of(ModelProvider.ANTHROPIC);
    }
    if (model.equals(ollama.defaultModel())) {
      return Optional.of(ModelProvider.OLLAMA);
    }
    return Optional.empty();
  }

  /** The model id of a tier. */
  public String model(Tier tier) {
    return tierModels.get(tier);
  }

  /** Every routed or otherwise called model needs a configured provider, and a price unless local. */
  private void requireServed(JsonObject raw) {
    Map<String, String> called = new LinkedHashMap<>();
    for (Tier tier : Tier.values()) {
      called.put(tier == Tier.OLLAMA ? "ollama.default_model" : "anthropic.models." + tier.wire(), model(tier));
    }
    called.put("anthropic.planning_model", string(object(raw, "anthropic"), "anthropic.planning_model",
        "planning_model", "claude-sonnet-4-6"));
    JsonObject execution = object(raw, "execution");
    called.put("execution.verification_model", string(execution, "execution.verification_model",
        "verification_model", "claude-haiku-4-5-20251001"));
    called.put("execution.knowledge_extraction_model", string(execution, "execution.knowledge_extraction_model",
        "knowledge_extraction_model", "claude-haiku-4-5-20251001"));

    called.forEach((key, model) -> {
      if (model.isBlank()) {
        throw new ConfigException(key + " must name a model");
      }
      String provider = providerOf(model).orElseThrow(() -> new ConfigException(key + " names model '" + model
          + "', which no provider serves: add it to model_catalog with a provider"));
      if (provider.equals(ModelProvider.OPENAI) && !openai.configured()) {
        throw new ConfigException(key + " names model '" + model + "', served by openai, but openai.base_url is empty");
      }
      if (provider.equals(ModelProvider.OLLAMA) && ollama.host().isBlank()) {
        throw new ConfigException(key + " names model '" + model + "', served by ollama, but ollama.hosts.local is empty");
      }
      if (!provider.equals(ModelProvider.OLLAMA) && !pricing.has(model)) {
        throw new ConfigException(key + " names model '" + model + "', which has no price in model_pricing");
      }
    });
  }

  private static Retry retry(JsonObject json) {
    int maxRetries = (int) number(json, "model_retry.max_retries", "max_retries", RetryPolicy.DEFAULT_MAX_RETRIES);
    if (maxRetries < 0 || maxRetries > 10) {
      throw new ConfigException("model_retry.max_retries must be between 0 and 10, got " + maxRetries);
    }
    long base = (long) number(json, "model_retry.base_delay_ms", "base_delay_ms",
        RetryPolicy.DEFAULT_BASE_DELAY.toMillis());
    long max = (long) number(json, "model_retry.max_delay_ms", "max_delay_ms",
        RetryPolicy.DEFAULT_MAX_DELAY.toMillis());
    if (base < 0 || max < base) {
      throw new ConfigException("model_retry needs 0 <= base_delay_ms <= max_delay_ms, got " + base + " and " + max);
    }
    return new Retry(maxRetries, Duration.ofMillis(base), Duration.ofMillis(max));
  }

  private static JsonObject object(JsonObject parent, String key) {
    Object value = parent.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw new ConfigException(key + " must be an object, got " + value);
  }

  private static String string(JsonObject parent, String fullKey, String key, String fallback) {
    Object value = parent.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s) {
      return s.trim();
    }
    throw new ConfigException(fullKey + " must be a string, got " + value);
  }

  private static double number(JsonObject parent, String fullKey, String key, double fallback) {
    Object value = parent.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw new ConfigException(fullKey + " must be a number, got " + value);
  }

  private static Duration seconds(JsonObject parent, String fullKey, String key, double fallback) {
    double value = number(parent, fullKey, key, fallback);
    if (value <= 0) {
      throw new ConfigException(fullKey + " must be > 0, got " + value);
    }
    return Duration.ofMillis(Math.round(value * 1000));
  }

  private static String withoutTrailingSlash(String url) {
    return url == null ? "" : url.trim().replaceAll("/+$", "");
  }

  /** Checks an http(s) URL and drops trailing slashes; empty stays empty. */
  private static String url(String key, String value) {
    if (value.isBlank()) {
      return "";
    }
    try {
      URI uri = URI.create(value);
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + " must be an http(s) URL, got '" + value + "'");
    }
    return value.replaceAll("/+$", "");
  }
}
