package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.RateSpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RateLimiterTest {

  @Test
  @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  @DisplayName("the limiter tracks a bounded number of clients per rule, however many ask, and stays fast")
  void bounded() {
    RateLimiter limiter = new RateLimiter().rule("login", RateSpec.parse("login", "5/minute"));

    for (int i = 0; i < RateLimiter.MAX_CLIENTS + 50_000; i++) {
      limiter.acquire("login", "client-" + i);
    }

    assertThat(limiter.tracked("login")).isLessThanOrEqualTo(RateLimiter.MAX_CLIENTS);
  }

  @Test
  @DisplayName("a busy client keeps its count while others come and go")
  void keepsActiveClients() {
    RateLimiter limiter = new RateLimiter().rule("login", RateSpec.parse("login", "3/minute"));
    for (int i = 0; i < 3; i++) {
      limiter.acquire("login", "attacker");
    }
    for (int i = 0; i < RateLimiter.MAX_CLIENTS + 20_000; i++) {
      limiter.acquire("login", "client-" + i);
      if (i % 1000 == 0) {
        catchThrowableOfType(() -> limiter.acquire("login", "attacker"), OrchestratorException.class);
      }
    }

    OrchestratorException refused = catchThrowableOfType(() -> limiter.acquire("login", "attacker"),
        OrchestratorException.class);
    assertThat(refused).isNotNull();
    assertThat(refused.status()).isEqualTo(429);
  }
}
