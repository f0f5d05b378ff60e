package dev.orch.kernel.http;

import io.vertx.core.json.JsonArray;

/**
 * A request that failed validation: 422 with {@code {"detail": [...]}} in the FastAPI layout
 * ({@code type}, {@code loc}, {@code msg}, {@code input}, optional {@code ctx}).
 */
public final class ValidationException extends RuntimeException {
  private final JsonArray errors;

  public ValidationException(JsonArray errors) {
    super("request validation failed", null, false, false);
    this.errors = errors.copy();
  }

  public JsonArray errors() {
    return errors.copy();
  }
}
