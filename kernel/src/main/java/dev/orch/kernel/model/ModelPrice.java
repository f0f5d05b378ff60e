package dev.orch.kernel.model;

import java.math.BigDecimal;

/**
 * USD per million tokens for one model.
 *
 * @param cacheWritePerMtok price of input tokens written to the prompt cache; by default 1.25 × input
 *     (Anthropic's multiplier for the 5-minute cache)
 * @param cacheReadPerMtok price of input tokens read from the prompt cache; by default 0.1 × input
 */
public record ModelPrice(BigDecimal inputPerMtok, BigDecimal outputPerMtok, BigDecimal cacheWritePerMtok,
    BigDecimal cacheReadPerMtok) {
  static final BigDecimal CACHE_WRITE_MULTIPLIER = new BigDecimal("1.25");
  static final BigDecimal CACHE_READ_MULTIPLIER = new BigDecimal("0.1");

  public ModelPrice {
    for (BigDecimal p : new BigDecimal[] {inputPerMtok, outputPerMtok, cacheWritePerMtok, cacheReadPerMtok}) {
      if (p == null || p.signum() < 0) {
        throw new IllegalArgumentException("prices must be >= 0");
      }
    }
  }

  /** Input and output prices, with the default cache multipliers. */
  public static ModelPrice of(BigDecimal inputPerMtok, BigDecimal outputPerMtok) {
    return new ModelPrice(inputPerMtok, outputPerMtok, inputPerMtok.multiply(CACHE_WRITE_MULTIPLIER),
        inputPerMtok.multiply(CACHE_READ_MULTIPLIER));
  }

  public static ModelPrice of(double inputPerMtok, double outputPerMtok) {
    return of(BigDecimal.valueOf(inputPerMtok), BigDecimal.valueOf(outputPerMtok));
  }
}
