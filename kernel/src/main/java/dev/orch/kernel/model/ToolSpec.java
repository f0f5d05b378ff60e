package dev.orch.kernel.model;

import dev.orch.tool.Tool;
import io.vertx.core.json.JsonObject;

/**
 * A tool definition offered to a model.
 *
 * @param parameters the JSON Schema of the arguments object; copied in and out, so the record stays immutable
 */
public record ToolSpec(String name, String description, JsonObject parameters) {
  public ToolSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("tool name is required");
    }
    description = description == null ? "" : description;
    parameters = parameters == null
        ? new JsonObject().put("type", "object").put("properties", new JsonObject())
        : parameters.copy();
  }

  @Override
  public JsonObject parameters() {
    return parameters.copy();
  }

  /** The definition of a registry tool. */
  public static ToolSpec of(Tool tool) {
    return new ToolSpec(tool.name(), tool.description(), tool.parameters());
  }
}
