package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries of one model call: transient failures ({@link ModelException#retryable()}) whose call was
 * not billed (not {@link ModelException#outcomeUnknown()}) are tried again up to {@code maxRetries} times after an exponential backoff with full jitter, capped at
 * {@code maxDelay}. A server's {@code retry-after} is a floor for the wait; one longer than
 * {@code maxDelay} ends the retries at once, so the caller (the executor) can reschedule the task
 * without holding a slot. Waits are Vert.x timers: no thread ever sleeps.
 */
public final class RetryPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

  public static final int DEFAULT_MAX_RETRIES = 3;
  public static final Duration DEFAULT_BASE_DELAY = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final int maxRetries;
  private final Duration baseDelay;
  private final Duration maxDelay;
  private final DoubleSupplier random;
  private final boolean unbilled;

  /**
   * @param random uniform values in [0, 1) for the jitter; tests pass a constant
   */
  public RetryPolicy(Vertx vertx, int maxRetries, Duration baseDelay, Duration maxDelay, DoubleSupplier random) {
    this(vertx, maxRetries, baseDelay, maxDelay, random, false);
  }

  private RetryPolicy(Vertx vertx, int maxRetries, Duration baseDelay, Duration maxDelay, DoubleSupplier random,
      boolean unbilled) {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
    if (baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
      throw new IllegalArgumentException("need 0 <= baseDelay <= maxDelay");
    }
    this.vertx = vertx;
    this.maxRetries = maxRetries;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    this.random = random;
    this.unbilled = unbilled;
  }

  /** The configured policy with real jitter. */
  public static RetryPolicy of(Vertx vertx, ModelsConfig.Retry config) {
    return new RetryPolicy(vertx, config.maxRetries(), config.baseDelay(), config.maxDelay(),
        () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * The same policy for a provider that bills nothing (a local model): a call of unknown outcome
   * costs nothing, so it is retried like any transient failure.
   */
  public RetryPolicy unbilled() {
    return new RetryPolicy(vertx, maxRetries, baseDelay, maxDelay, random, true);
  }

  public int maxRetries() {
    return maxRetries;
  }

  /**
   * Runs {@code attempt}, and again after a backoff while it fails with a retryable
   * {@link ModelException} and retries are left.
   *
   * @return the first success, or the last failure
   */
  public <T> Future<T> run(String provider, String model, Supplier<Future<T>> attempt) {
    return run(provider, model, attempt, 0);
  }

  private <T> Future<T> run(String provider, String model, Supplier<Future<T>> attempt, int retry) {
    return attempt.get().recover(err -> {
      // A call whose outcome is unknown may have been billed: its caller retries it, under a new
      // budget reservation, rather than this loop under the old one.
      if (!(err instanceof ModelException me) || !me.retryable() || me.outcomeUnknown() && !unbilled
          || retry >= maxRetries) {
        return Future.failedFuture(err);
      }
      Optional<Duration> wait = delay(retry, me.retryAfter().orElse(null));
      if (wait.isEmpty()) {
        LOG.warn("model call failed, retry-after beyond the retry cap [provider: {}, model: {}, status: {}, retryAfterMs: {}]",
            provider, model, me.upstreamStatus(), me.retryAfter().map(Duration::toMillis).orElse(0L));
        return Future.failedFuture(err);
      }
      long ms = wait.get().toMillis();
      LOG.warn("model call failed, retrying [provider: {}, model: {}, status: {}, kind: {}, attempt: {}, retryInMs: {}]",
          provider, model, me.upstreamStatus(), me.kind(), retry + 1, ms);
      Future<Void> timer = ms <= 0 ? Future.succeededFuture() : vertx.timer(ms, TimeUnit.MILLISECONDS);
      return timer.compose(v -> run(provider, model, attempt, retry + 1));
    });
  }

  /**
   * The wait before retry number {@code retry + 1}: uniform in [0, min(maxDelay, baseDelay · 2^retry)],
   * but at least {@code retryAfter}.
   *
   * @param retryAfter the server's requested wait, or null
   * @return the wait; empty when the server asks for more than {@code maxDelay}
   */
  public Optional<Duration> delay(int retry, Duration retryAfter) {
    if (retryAfter != null && retryAfter.compareTo(maxDelay) > 0) {
      return Optional.empty();
    }
    double ceiling = Math.min(maxDelay.toMillis(), baseDelay.toMillis() * Math.pow(2, Math.min(retry, 30)));
    long jittered = (long) Math.floor(random.getAsDouble() * ceiling);
    long floor = retryAfter == null ? 0 : retryAfter.toMillis();
    return Optional.of(Duration.ofMillis(Math.max(jittered, floor)));
  }

  /**
   * The wait a response asks for: {@code retry-after-ms} (milliseconds, as OpenAI sends), else
   * {@code retry-after} in seconds or as an HTTP date (RFC 9110 §10.2.3).
   *
   * @return the wait, never negative; empty when there is no readable header
   */
  public static Optional<Duration> retryAfter(MultiMap headers, Instant now) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Optional.of(Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.trim()))));
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    String value = headers.get("retry-after");
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      double seconds = Double.parseDouble(value.trim());
      return Double.isFinite(seconds) ? Optional.of(Duration.ofMillis(Math.max(0, (long) (seconds * 1000))))
          : Optional.empty();
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(now, at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }
}
