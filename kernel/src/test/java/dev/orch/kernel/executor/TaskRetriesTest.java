package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.ModelException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Backoff arithmetic on a chosen random source: 5 s base, 120 s cap, 2 s jitter, at t = 1,000. */
class TaskRetriesTest {
  final TaskRetries retries = new TaskRetries(5, 120, 2, () -> 0.5);

  static ModelException overloaded(Duration retryAfter) {
    return new ModelException("anthropic", ModelException.Kind.TRANSIENT, 529, "overloaded_error", "Overloaded",
        retryAfter);
  }

  @Test
  @DisplayName("retry n waits base times two to the n, plus its share of the jitter")
  void doubles() {
    assertThat(retries.decide(overloaded(null), 0, 5, 1_000)).isEqualTo(new TaskRetries.Retry(1_006, 1));
    assertThat(retries.decide(overloaded(null), 2, 5, 1_000)).isEqualTo(new TaskRetries.Retry(1_021, 3));
  }

  @Test
  @DisplayName("the wait never passes the cap")
  void capped() {
    assertThat(retries.decide(overloaded(null), 6, 10, 1_000)).isEqualTo(new TaskRetries.Retry(1_120, 7));
  }

  @Test
  @DisplayName("a provider's retry-after longer than the backoff is honoured")
  void retryAfter() {
    assertThat(retries.decide(overloaded(Duration.ofSeconds(30)), 0, 5, 1_000))
        .isEqualTo(new TaskRetries.Retry(1_030, 1));
  }

  @Test
  @DisplayName("with its retries used up a transient failure is exhausted; a permanent one is never retried")
  void exhaustedAndPermanent() {
    assertThat(retries.decide(overloaded(null), 5, 5, 1_000)).isInstanceOf(TaskRetries.Exhausted.class);
    var badRequest = new ModelException("anthropic", ModelException.Kind.INVALID_REQUEST, 400, null, "bad", null);
    assertThat(retries.decide(badRequest, 0, 5, 1_000)).isInstanceOf(TaskRetries.Permanent.class);
    assertThat(retries.decide(new IllegalStateException("a bug"), 0, 5, 1_000))
        .isInstanceOf(TaskRetries.Permanent.class);
    assertThat(retries.decide(new java.util.concurrent.TimeoutException(), 0, 5, 1_000))
        .isInstanceOf(TaskRetries.Retry.class);
  }
}
