package dev.orch.kernel.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MoneyTest {
  @Test
  @DisplayName("limits compare at the nanodollar: sums of binary fractions fit exactly, one nanodollar more does not")
  void fitsAtTheNanodollar() {
    double[] hundredCents = new double[100];
    java.util.Arrays.fill(hundredCents, 0.01);
    assertThat(Money.fits(1.00, hundredCents)).isTrue();
    assertThat(Money.fits(0.3, 0.1, 0.2)).as("0.1 + 0.2 is 0.30000000000000004 as doubles").isTrue();
    assertThat(Money.fits(1.00, 0.5, 0.5, 1e-9)).isFalse();
    assertThat(Money.fits(0, 0)).isTrue();
    assertThat(Money.fits(0, 1e-9)).isFalse();
  }

  @Test
  @DisplayName("amounts of a million dollars and more compare the same way")
  void largeAmounts() {
    assertThat(Money.fits(2e6, 1e6, 1e6)).isTrue();
    assertThat(Money.fits(2e6, 1e6, 1e6, 1e-9)).isFalse();
    assertThat(Money.fits(5e5, 1e6)).isFalse();
  }

  @Test
  @DisplayName("the integer path agrees with exact decimal rounding on prices as they come")
  void agreesWithDecimals() {
    Random rnd = new Random(1);
    for (int i = 0; i < 100_000; i++) {
      double limit = Math.round(rnd.nextDouble() * 100 * 100) / 100.0;
      double spent = rnd.nextDouble() * limit;
      double held = rnd.nextDouble() * limit / 4;
      double amount = Math.round(rnd.nextDouble() * 1e6) / 1e7; // prices to the tenth of a micro-dollar
      BigDecimal sum = exact(spent).add(exact(held)).add(exact(amount));
      assertThat(Money.fits(limit, spent, held, amount)).isEqualTo(sum.compareTo(exact(limit)) <= 0);
    }
  }

  private static BigDecimal exact(double v) {
    return new BigDecimal(v).setScale(9, RoundingMode.HALF_EVEN);
  }
}
