package dev.orch.tools.file;

import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;

/** Reads the model's arguments; a wrong type is a message for the model, not an exception trace. */
final class Args {
  private Args() {}

  static String string(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      throw new ToolException(name + " is required");
    }
    if (!(value instanceof String s)) {
      throw new ToolException(name + " must be a string");
    }
    return s;
  }

  static String optionalString(JsonObject arguments, String name, String fallback) {
    return arguments.getValue(name) == null ? fallback : string(arguments, name);
  }

  static boolean optionalBool(JsonObject arguments, String name, boolean fallback) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw new ToolException(name + " must be true or false");
    }
    return b;
  }

  /** A JSON-Schema string property. */
  static JsonObject stringProperty(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }
}
