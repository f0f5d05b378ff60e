package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PricingTest {
  private final Pricing pricing = Pricing.from(new JsonObject()
      .put("claude-sonnet-4-6", new JsonObject().put("input_per_mtok", 3.0).put("output_per_mtok", 15.0))
      .put("claude-haiku-4-5-20251001", new JsonObject().put("input_per_mtok", 1.0).put("output_per_mtok", 5.0))
      .put("gpt-4o-mini", new JsonObject().put("input_per_mtok", 0.15).put("output_per_mtok", 0.6)
          .put("cache_read_per_mtok", 0.075)));

  @Test
  @DisplayName("input and output are priced per million tokens (API.md §11.1)")
  void inputOutput() {
    // 1500 x 3 / 1e6 + 4096 x 15 / 1e6 = 0.0045 + 0.06144
    assertThat(pricing.estimate("claude-sonnet-4-6", 1_500, 4_096)).isEqualTo(new BigDecimal("0.065940"));
  }

  @Test
  @DisplayName("cache writes cost 1.25x and cache reads 0.1x the input price")
  void cacheMultipliers() {
    Usage usage = new Usage(100, 200, 10_000, 50_000);
    // 100 x 3 + 200 x 15 + 10000 x 3.75 + 50000 x 0.3 = 300 + 3000 + 37500 + 15000 = 55800 micro-dollars
    assertThat(pricing.cost("claude-sonnet-4-6", usage)).isEqualTo(new BigDecimal("0.055800"));
    assertThat(pricing.price("claude-haiku-4-5-20251001").orElseThrow().cacheWritePerMtok())
        .isEqualByComparingTo("1.25");
    assertThat(pricing.price("claude-haiku-4-5-20251001").orElseThrow().cacheReadPerMtok())
        .isEqualByComparingTo("0.1");
  }

  @Test
  @DisplayName("cache_read_per_mtok overrides the default multiplier")
  void cacheOverride() {
    // 1000 x 0.15 + 0 + 1000000 x 0.075 = 150 + 75000 micro-dollars
    assertThat(pricing.cost("gpt-4o-mini", new Usage(1_000, 0, 0, 1_000_000))).isEqualTo(new BigDecimal("0.075150"));
  }

  @Test
  @DisplayName("the exact cost is rounded half-even to 6 decimals")
  void roundsHalfEven() {
    // 1 x 0.15 / 1e6 = 0.00000015 -> 0.000000; 5 x 0.15 = 0.00000075 -> 0.000001; 3 x 0.5 = 0.0000015 -> 0.000002
    assertThat(pricing.estimate("gpt-4o-mini", 1, 0)).isEqualTo(new BigDecimal("0.000000"));
    assertThat(pricing.estimate("gpt-4o-mini", 5, 0)).isEqualTo(new BigDecimal("0.000001"));
    Pricing half = Pricing.from(new JsonObject().put("m", new JsonObject().put("input_per_mtok", 0.5).put("output_per_mtok", 0.5)));
    assertThat(half.estimate("m", 1, 0)).isEqualTo(new BigDecimal("0.000000")); // 0.0000005 -> even 0
    assertThat(half.estimate("m", 3, 0)).isEqualTo(new BigDecimal("0.000002")); // 0.0000015 -> even 2
  }

  @Test
  @DisplayName("a model without a price costs 0")
  void unpriced() {
    assertThat(pricing.cost("qwen2.5-coder:14b", new Usage(5_000, 5_000, 0, 0))).isEqualTo(new BigDecimal("0.000000"));
    assertThat(pricing.has("qwen2.5-coder:14b")).isFalse();
  }

  @Test
  @DisplayName("a negative or missing price is a config error naming the key")
  void invalidPrice() {
    assertThatThrownBy(() -> Pricing.from(new JsonObject().put("m", new JsonObject().put("input_per_mtok", -1)
        .put("output_per_mtok", 1)))).isInstanceOf(ConfigException.class).hasMessageContaining("model_pricing.m.input_per_mtok");
    assertThatThrownBy(() -> Pricing.from(new JsonObject().put("m", new JsonObject().put("input_per_mtok", 1))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("model_pricing.m.output_per_mtok");
  }
}
