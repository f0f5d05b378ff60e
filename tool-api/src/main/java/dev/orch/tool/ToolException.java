package dev.orch.tool;

/**
 * An expected tool failure whose message is shown to the model.
 *
 * <p>{@code retryable} separates transient failures (a host is down, a timeout) from permanent
 * ones (bad arguments), so the executor knows whether trying again can help.
 */
public class ToolException extends RuntimeException {
  private final boolean retryable;

  public ToolException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public ToolException(String message) {
    this(message, false);
  }

  public boolean retryable() {
    return retryable;
  }
}
