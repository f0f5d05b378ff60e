package dev.orch.kernel.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

// A regression that loses a deadline must fail the test, not hang the build.
@Timeout(15)
@ExtendWith(VertxExtension.class)
class RetryPolicyTest {
  private static final ModelException OVERLOADED = new ModelException("anthropic", ModelException.Kind.TRANSIENT, 529,
      "overloaded_error", "overloaded", null);
  private static final ModelException AUTH = new ModelException("anthropic", ModelException.Kind.AUTH, 401,
      "authentication_error", "invalid x-api-key", null);

  private static RetryPolicy policy(Vertx vertx, double jitter) {
    return new RetryPolicy(vertx, 3, Duration.ofMillis(100), Duration.ofMillis(1_000), () -> jitter);
  }

  @Test
  @DisplayName("the backoff doubles per retry, is capped, and full jitter scales it down")
  void backoff(Vertx vertx) {
    RetryPolicy top = policy(vertx, 0.999_999);
    assertThat(top.delay(0, null)).contains(Duration.ofMillis(99));
    assertThat(top.delay(1, null)).contains(Duration.ofMillis(199));
    assertThat(top.delay(3, null)).contains(Duration.ofMillis(799));
    assertThat(top.delay(10, null)).contains(Duration.ofMillis(999));
    assertThat(policy(vertx, 0.5).delay(2, null)).contains(Duration.ofMillis(200));
    assertThat(policy(vertx, 0.0).delay(2, null)).contains(Duration.ZERO);
  }

  @Test
  @DisplayName("retry-after is a floor for the wait, and one beyond the cap ends the retries")
  void retryAfterFloor(Vertx vertx) {
    RetryPolicy policy = policy(vertx, 0.0);
    assertThat(policy.delay(0, Duration.ofMillis(700))).contains(Duration.ofMillis(700));
    assertThat(policy.delay(0, Duration.ofSeconds(5))).isEmpty();
  }

  @Test
  @DisplayName("retry-after is read in seconds, as an HTTP date, and as retry-after-ms")
  void parsesRetryAfter() {
    Instant now = Instant.parse("2026-11-21T10:00:00Z");
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap().add("Retry-After", "7"), now))
        .contains(Duration.ofSeconds(7));
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap().add("retry-after", "1.5"), now))
        .contains(Duration.ofMillis(1_500));
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap()
        .add("retry-after", "Sat, 21 Nov 2026 10:00:30 GMT"), now)).contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap()
        .add("retry-after", "Sat, 21 Nov 2026 09:00:00 GMT"), now)).contains(Duration.ZERO);
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap().add("retry-after-ms", "250")
        .add("retry-after", "9"), now)).contains(Duration.ofMillis(250));
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap().add("retry-after", "soon"), now)).isEmpty();
    assertThat(RetryPolicy.retryAfter(MultiMap.caseInsensitiveMultiMap(), now)).isEmpty();
  }

  @Test
  @DisplayName("a transient failure is tried again up to maxRetries times")
  void retriesTransient(Vertx vertx) {
    AtomicInteger calls = new AtomicInteger();
    Throwable err = catchThrowable(() -> new RetryPolicy(vertx, 3, Duration.ofMillis(1), Duration.ofMillis(5), () -> 1.0)
        .run("anthropic", "m", () -> {
          calls.incrementAndGet();
          return Future.<String>failedFuture(OVERLOADED);
        }).await());

    assertThat(calls).hasValue(4);
    assertThat(err).isSameAs(OVERLOADED);
  }

  @Test
  @DisplayName("a success after failures is returned")
  void succeedsAfterFailures(Vertx vertx) {
    AtomicInteger calls = new AtomicInteger();
    String result = policy(vertx, 0.01).run("anthropic", "m",
        () -> calls.incrementAndGet() < 3 ? Future.failedFuture(OVERLOADED) : Future.succeededFuture("done")).await();

    assertThat(result).isEqualTo("done");
    assertThat(calls).hasValue(3);
  }

  @Test
  @DisplayName("non-retryable failures and unexpected exceptions are not tried again")
  void noRetry(Vertx vertx) {
    AtomicInteger calls = new AtomicInteger();
    Throwable auth = catchThrowable(() -> policy(vertx, 0.0).run("anthropic", "m", () -> {
      calls.incrementAndGet();
      return Future.failedFuture(AUTH);
    }).await());
    Throwable bug = catchThrowable(() -> policy(vertx, 0.0).run("anthropic", "m", () -> {
      calls.incrementAndGet();
      return Future.failedFuture(new IllegalStateException("bug"));
    }).await());

    assertThat(calls).hasValue(2);
    assertThat(auth).isSameAs(AUTH);
    assertThat(bug).isInstanceOf(IllegalStateException.class);
  }
}
