package dev.orch.tool;

/**
 * An expected tool failure: its message is handed to the model as the tool's result, so write it for
 * the model (what was wrong, what to do instead) and keep secrets and host paths out of it.
 *
 * <p>{@code retryable} separates transient failures (a host is down, a timeout) from permanent
 * ones (bad arguments, a refused path), so the kernel knows whether trying again can help.
 *
 * @since 1.0
 */
public class ToolException extends RuntimeException {
  private final boolean retryable;

  public ToolException(String message, boolean retryable) {
    super(message, null, false, false);
    this.retryable = retryable;
  }

  /** A permanent failure. */
  public ToolException(String message) {
    this(message, false);
  }

  public boolean retryable() {
    return retryable;
  }
}
