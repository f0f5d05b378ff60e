package dev.orch.kernel.executor;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.ModelException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.function.DoubleSupplier;

/**
 * When a failed attempt runs again (API.md §11.4): a transient failure with retries left waits
 * {@code min(base · 2^retries + jitter, max)} seconds, or longer when the provider named a
 * {@code retry-after}; anything else is not retried. The jitter's random source is injected, so a
 * test chooses it.
 */
final class TaskRetries {
  /** What to do with a failed attempt. */
  sealed interface Decision {}

  /** Run again, not before {@code at} (epoch seconds); {@code attempt} is the retry's number, from 1. */
  record Retry(double at, int attempt) implements Decision {}

  /** Transient, but its retries are used up. */
  record Exhausted() implements Decision {}

  /** Not worth another try: a bad request, a refused key, a bug. */
  record Permanent() implements Decision {}

  private final double baseSeconds;
  private final double maxSeconds;
  private final double jitterSeconds;
  private final DoubleSupplier random;

  TaskRetries(ExecutorConfig config, DoubleSupplier random) {
    this(config.retryBackoffBaseSeconds(), config.retryBackoffMaxSeconds(), config.retryJitterSeconds(), random);
  }

  TaskRetries(double baseSeconds, double maxSeconds, double jitterSeconds, DoubleSupplier random) {
    this.baseSeconds = baseSeconds;
    this.maxSeconds = maxSeconds;
    this.jitterSeconds = jitterSeconds;
    this.random = random;
  }

  Decision decide(Throwable err, int retryCount, int maxRetries, double now) {
    if (!transientFailure(err)) {
      return new Permanent();
    }
    if (retryCount >= maxRetries) {
      return new Exhausted();
    }
    double delay = Math.min(baseSeconds * Math.pow(2, retryCount) + random.getAsDouble() * jitterSeconds, maxSeconds);
    double at = now + delay;
    if (err instanceof ModelException me && me.retryAfter().isPresent()) {
      at = Math.max(at, now + me.retryAfter().get().toMillis() / 1000.0);
    }
    return new Retry(at, retryCount + 1);
  }

  /** Rate limits, overload, 5xx, timeouts and dropped connections are worth another try. */
  static boolean transientFailure(Throwable err) {
    if (err instanceof OrchestratorException oe) {
      return oe.retryable();
    }
    if (err instanceof ReplyException re) {
      return re.failureType() == ReplyFailure.TIMEOUT || re.failureCode() >= 500;
    }
    return err instanceof java.io.IOException || err instanceof java.util.concurrent.TimeoutException
        || err instanceof io.vertx.core.VertxException && String.valueOf(err.getMessage()).contains("timeout");
  }
}
