package dev.orch.kernel.model;

import java.math.BigDecimal;

/**
 * USD per million tokens for one model.
 *
 * @param cacheWritePerMtok price of input tokens written to the prompt cache; by default 1.25 × input
 *     (Anthropic's multiplier for the 5-minute cache)
 * @param cacheReadPerMtok price of input tokens read from the prompt cache; by default 0.1 × input
 * @param cacheWrite1hPerMtok price of input tokens written to the 1-hour prompt cache; by default 2 × input
 */
public record ModelPrice(BigDecimal inputPerMtok, BigDecimal outputPerMtok, BigDecimal cacheWritePerMtok,
    BigDecimal cacheReadPerMtok, BigDecimal cacheWrite1hPerMtok) {
  static final BigDecimal CACHE_WRITE_MULTIPLIER = new BigDecimal("1.25");
  static final BigDecimal CACHE_WRITE_1H_MULTIPLIER = new BigDecimal("2");
  static final BigDecimal CACHE_READ_MULTIPLIER = new BigDecimal("0.1");

  public ModelPrice {
    for (BigDecimal p : new BigDecimal[] {inputPerMtok, outputPerMtok, cacheWritePerMtok, cacheReadPerMtok,
        cacheWrite1hPerMtok}) {
      if (p == null || p.signum() < 0) {
        throw new IllegalArgumentException("prices must be >= 0");
      }
    }
  }

  /** With the 1-hour cache write at the default 2 × input. */
  public ModelPrice(BigDecimal inputPerMtok, BigDecimal outputPerMtok, BigDecimal cacheWritePerMtok,
      BigDecimal cacheReadPerMtok) {
    this(inputPerMtok, outputPerMtok, cacheWritePerMtok, cacheReadPerMtok,
        inputPerMtok == null ? null : inputPerMtok.multiply(CACHE_WRITE_1H_MULTIPLIER));
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
