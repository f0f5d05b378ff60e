package dev.orch.kernel.bus;

/**
 * A 503 for work refused because a bounded queue is full: trying again soon helps. The HTTP edge
 * sends {@code Retry-After} with {@link #retryAfterSeconds()}.
 */
public final class Busy extends OrchestratorException {
  private final int retryAfterSeconds;

  public Busy(String message, int retryAfterSeconds) {
    super(503, message, true);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
