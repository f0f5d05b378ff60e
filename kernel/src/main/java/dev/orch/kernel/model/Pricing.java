package dev.orch.kernel.model;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The price table ({@code model_pricing}) and the cost of a call (API.md §11.1, with prompt-cache
 * tokens): input / 10⁶ · input price + output / 10⁶ · output price + cache writes / 10⁶ · cache-write
 * price + cache reads / 10⁶ · cache-read price, computed exactly and rounded to 6 decimals half-even.
 * A model without a price costs 0, with one warning per model.
 */
public final class Pricing {
  private static final Logger LOG = LoggerFactory.getLogger(Pricing.class);
  public static final int SCALE = 6;

  private final Map<String, ModelPrice> prices;
  private final Map<String, TokenLimits> limits;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /**
   * The most tokens one call of a model takes in and gives out. A reported usage above them cannot be
   * real (an external agent's result, say) and is refused.
   */
  public record TokenLimits(long maxInput, long maxOutput, long minCache) {
    /** For a model whose entry names none: the largest any current model accepts. */
    public static final TokenLimits DEFAULT = new TokenLimits(1_000_000, 128_000, 1024);

    public TokenLimits(long maxInput, long maxOutput) {
      this(maxInput, maxOutput, 1024);
    }
  }

  /**
   * The shortest prompt prefix {@code model} caches, in tokens, when its entry names none: Anthropic's
   * 2,048 for Haiku, 1,024 for the others. A shorter prefix is not cached (and not charged as a write).
   */
  static long defaultMinCache(String model) {
    return model.contains("haiku") ? 2048 : 1024;
  }

  public Pricing(Map<String, ModelPrice> prices) {
    this(prices, Map.of());
  }

  public Pricing(Map<String, ModelPrice> prices, Map<String, TokenLimits> limits) {
    this.prices = Map.copyOf(prices);
    this.limits = Map.copyOf(limits);
  }

  /**
   * Reads {@code {model: {input_per_mtok, output_per_mtok, cache_write_per_mtok?, cache_read_per_mtok?,
   * max_input_tokens?, max_output_tokens?, min_cache_tokens?}}}.
   *
   * @throws ConfigException naming the key of a missing or negative price
   */
  public static Pricing from(JsonObject modelPricing) {
    Map<String, ModelPrice> prices = new LinkedHashMap<>();
    Map<String, TokenLimits> limits = new LinkedHashMap<>();
    for (String model : modelPricing.fieldNames()) {
      String key = "model_pricing." + model;
      if (!(modelPricing.getValue(model) instanceof JsonObject entry)) {
        throw new ConfigException(key + " must be an object with input_per_mtok and output_per_mtok");
      }
      BigDecimal input = price(entry, key, "input_per_mtok");
      BigDecimal output = price(entry, key, "output_per_mtok");
      ModelPrice defaults = ModelPrice.of(input, output);
      BigDecimal write = entry.containsKey("cache_write_per_mtok")
          ? price(entry, key, "cache_write_per_mtok") : defaults.cacheWritePerMtok();
      BigDecimal read = entry.containsKey("cache_read_per_mtok")
          ? price(entry, key, "cache_read_per_mtok") : defaults.cacheReadPerMtok();
      prices.put(model, new ModelPrice(input, output, write, read));
      limits.put(model, new TokenLimits(tokens(entry, key, "max_input_tokens", TokenLimits.DEFAULT.maxInput()),
          tokens(entry, key, "max_output_tokens", TokenLimits.DEFAULT.maxOutput()),
          tokens(entry, key, "min_cache_tokens", defaultMinCache(model))));
    }
    return new Pricing(prices, limits);
  }

  private static long tokens(JsonObject entry, String key, String field, long fallback) {
    Object value = entry.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() <= 0) {
      throw new ConfigException(key + "." + field + " must be a whole number > 0, got " + value);
    }
    return n.longValue();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Pricing other && prices.equals(other.prices) && limits.equals(other.limits);
  }

  @Override
  public int hashCode() {
    return prices.hashCode() * 31 + limits.hashCode();
  }

  /** The token limits of one call of {@code model}. */
  public TokenLimits limits(String model) {
    return limits.getOrDefault(model, TokenLimits.DEFAULT);
  }

  /** The shortest prompt prefix, in tokens, that {@code model} caches. */
  public long minCacheTokens(String model) {
    TokenLimits known = limits.get(model);
    return known == null ? defaultMinCache(model) : known.minCache();
  }

  private static BigDecimal price(JsonObject entry, String key, String field) {
    Object value = entry.getValue(field);
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
      throw new ConfigException(key + "." + field + " must be a number >= 0, got " + value);
    }
    // toString keeps the decimal the config wrote (0.8 stays 0.8, not 0.8000000000000000444...).
    return new BigDecimal(n.toString());
  }

  public Optional<ModelPrice> price(String model) {
    return Optional.ofNullable(prices.get(model));
  }

  public boolean has(String model) {
    return prices.containsKey(model);
  }

  /** The cost in USD of a call's usage, rounded to 6 decimals; 0 (with one warning) for an unpriced model. */
  public BigDecimal cost(String model, Usage usage) {
    ModelPrice p = prices.get(model);
    if (p == null) {
      if (warned.add(model)) {
        LOG.warn("model has no price, its calls cost 0 [model: {}]", model);
      }
      return BigDecimal.ZERO.setScale(SCALE);
    }
    BigDecimal micro = BigDecimal.valueOf(usage.input()).multiply(p.inputPerMtok())
        .add(BigDecimal.valueOf(usage.output()).multiply(p.outputPerMtok()))
        .add(BigDecimal.valueOf(usage.cacheCreation() - usage.cacheCreation1h()).multiply(p.cacheWritePerMtok()))
        .add(BigDecimal.valueOf(usage.cacheCreation1h()).multiply(p.cacheWrite1hPerMtok()))
        .add(BigDecimal.valueOf(usage.cacheRead()).multiply(p.cacheReadPerMtok()));
    // divide by 10^6 exactly (a power of ten never needs rounding), then round once.
    return micro.movePointLeft(6).setScale(SCALE, RoundingMode.HALF_EVEN);
  }

  /** The cost of a call with the given uncached input and output tokens, e.g. a reservation estimate. */
  public BigDecimal estimate(String model, long inputTokens, long outputTokens) {
    return cost(model, new Usage(inputTokens, outputTokens, 0, 0));
  }

  /**
   * The cost of a call whose first {@code cachedTokens} input tokens are expected from the prompt cache
   * and the rest ({@code inputTokens - cachedTokens}) sent uncached.
   */
  public BigDecimal estimate(String model, long inputTokens, long cachedTokens, long outputTokens) {
    long cached = Math.max(0, Math.min(cachedTokens, inputTokens));
    return cost(model, new Usage(inputTokens - cached, outputTokens, 0, cached));
  }
}
