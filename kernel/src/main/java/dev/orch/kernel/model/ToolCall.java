package dev.orch.kernel.model;

import io.vertx.core.json.JsonObject;

/**
 * A tool call requested by a model.
 *
 * @param id the provider's call id, echoed in the matching {@link ToolResult}; generated when the
 *     provider sends none (Ollama)
 * @param arguments the arguments object; copied in and out
 */
public record ToolCall(String id, String name, JsonObject arguments) {
  public ToolCall {
    if (id == null || id.isBlank() || name == null || name.isBlank()) {
      throw new IllegalArgumentException("tool call id and name are required");
    }
    arguments = arguments == null ? new JsonObject() : arguments.copy();
  }

  @Override
  public JsonObject arguments() {
    return arguments.copy();
  }
}
