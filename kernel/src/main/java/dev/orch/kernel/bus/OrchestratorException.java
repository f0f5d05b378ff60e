package dev.orch.kernel.bus;

/**
 * The one exception that carries meaning everywhere: an HTTP-style status, a message safe to show
 * the caller, and whether trying again can help. Event-bus handlers reply it as a
 * {@code ReplyException} with the status as failure code; the HTTP edge renders it as
 * {@code {"detail": message}}.
 */
public class OrchestratorException extends RuntimeException {
  private final int status;
  private final boolean retryable;

  public OrchestratorException(int status, String message, boolean retryable) {
    super(message, null, false, false);
    this.status = status;
    this.retryable = retryable;
  }

  public OrchestratorException(int status, String message) {
    this(status, message, false);
  }

  public int status() {
    return status;
  }

  public boolean retryable() {
    return retryable;
  }

  public static OrchestratorException badRequest(String message) {
    return new OrchestratorException(400, message);
  }

  public static OrchestratorException forbidden(String message) {
    return new OrchestratorException(403, message);
  }

  public static OrchestratorException notFound(String message) {
    return new OrchestratorException(404, message);
  }

  public static OrchestratorException conflict(String message) {
    return new OrchestratorException(409, message);
  }

  public static OrchestratorException budgetExhausted(String message) {
    return new OrchestratorException(402, message);
  }

  public static OrchestratorException badGateway(String message) {
    return new OrchestratorException(502, message, true);
  }

  public static OrchestratorException unavailable(String message) {
    return new OrchestratorException(503, message, true);
  }
}
