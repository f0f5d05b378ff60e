package dev.orch.kernel.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Rounding and limit arithmetic on USD amounts. */
final class Money {
  /**
   * Limits are compared at a billionth of a dollar: far below any price, far above the error of
   * summing binary fractions, so 100 reservations of 0.01 fit a 1.00 limit exactly.
   */
  private static final int COMPARE_SCALE = 9;

  private Money() {}

  /** Python's {@code round(value, places)}: half-even on the exact binary value, as the original answers. */
  static double round(double value, int places) {
    return exact(value, places).doubleValue();
  }

  /** As {@link #round}, kept as a decimal for sums of rounded values. */
  static BigDecimal exact(double value, int places) {
    return new BigDecimal(value).setScale(places, RoundingMode.HALF_EVEN);
  }

  /** {@code part / whole · 100} to one decimal, 0 when {@code whole} is 0 (API.md §4 BudgetStatus). */
  static double pct(double part, double whole) {
    return whole > 0 ? round(part / whole * 100, 1) : 0.0;
  }

  /** Up to a million dollars, a billion times an amount stays well within a double's exact integers. */
  private static final double LONG_SAFE = 1e6;

  /** True when the sum of {@code amounts} is within {@code limit}. */
  static boolean fits(double limit, double... amounts) {
    // Every budget check runs this, and the decimal path below was a tenth of a dispatch pass. In
    // nanodollars it is integer arithmetic with the same half-even rounding of each amount, except for
    // an amount within a sixteenth of a nanodollar of a rounding boundary (the product's own rounding).
    // Amounts over a million dollars take the decimal path.
    if (Math.abs(limit) <= LONG_SAFE) {
      long sum = 0;
      boolean small = true;
      for (double amount : amounts) {
        if (!(Math.abs(amount) <= LONG_SAFE)) {
          small = false;
          break;
        }
        sum += (long) Math.rint(amount * 1e9);
      }
      if (small) {
        return sum <= (long) Math.rint(limit * 1e9);
      }
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (double amount : amounts) {
      sum = sum.add(exact(amount, COMPARE_SCALE));
    }
    return sum.compareTo(exact(limit, COMPARE_SCALE)) <= 0;
  }
}
