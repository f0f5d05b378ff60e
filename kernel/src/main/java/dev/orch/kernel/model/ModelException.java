package dev.orch.kernel.model;

import dev.orch.kernel.bus.OrchestratorException;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed model call. {@link #retryable()} is the transient / non-transient split the executor
 * acts on (API.md §11.4); {@link #retryAfter()} is the wait the server asked for, if any.
 */
public final class ModelException extends OrchestratorException {

  /** What went wrong, and the status and retryability that follow from it. */
  public enum Kind {
    /** 408, 429, 5xx, 529, or a connection that could not be opened: the call was not billed. */
    TRANSIENT(503, true),
    /** No answer within the configured timeout: the provider may have run, and billed, the call. */
    TIMEOUT(504, true),
    /** The connection broke after the request may have left: the provider may have billed the call. */
    DROPPED(503, true),
    /** The server refused the credentials (401, 403). */
    AUTH(502, false),
    /** The provider account's credit or spend limit is used up; waiting minutes does not help. */
    SPEND_LIMIT(502, false),
    /** The server rejected the request itself (other 4xx). */
    INVALID_REQUEST(502, false),
    /** A success status with a body that is not the protocol's answer. */
    BAD_RESPONSE(502, false),
    /** The provider has no base URL or key configured. */
    NOT_CONFIGURED(503, false);

    private final int status;
    private final boolean retryable;

    Kind(int status, boolean retryable) {
      this.status = status;
      this.retryable = retryable;
    }
  }

  private final String provider;
  private final Kind kind;
  private final int upstreamStatus;
  private final String errorType;
  private final Duration retryAfter;

  /**
   * @param upstreamStatus the provider's HTTP status; 0 when there was no answer
   * @param errorType the provider's error type or code, e.g. {@code overloaded_error}; null when none
   * @param retryAfter the wait the provider asked for; null when none
   */
  public ModelException(String provider, Kind kind, int upstreamStatus, String errorType, String message,
      Duration retryAfter) {
    super(kind.status, message, kind.retryable);
    this.provider = provider;
    this.kind = kind;
    this.upstreamStatus = upstreamStatus;
    this.errorType = errorType;
    this.retryAfter = retryAfter;
  }

  static ModelException notConfigured(String provider, String message) {
    return new ModelException(provider, Kind.NOT_CONFIGURED, 0, null, message, null);
  }

  public String provider() {
    return provider;
  }

  public Kind kind() {
    return kind;
  }

  public int upstreamStatus() {
    return upstreamStatus;
  }

  public Optional<String> errorType() {
    return Optional.ofNullable(errorType);
  }

  /**
   * True when the provider may have run and billed the call although no answer came back (a timeout,
   * a connection that broke after the request left). Its budget reservation is kept until it
   * expires, and a retry holds a new one, so the limits hold even if every such call was billed.
   */
  public boolean outcomeUnknown() {
    return kind == Kind.TIMEOUT || kind == Kind.DROPPED;
  }

  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
