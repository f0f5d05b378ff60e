package dev.orch.kernel.tools;

import dev.orch.kernel.tools.PluginRuntime.PluginFailure;
import dev.orch.tool.Tool;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * One tool of a started plugin, with its description read once, on the plugin's own thread: the host
 * never calls plugin code to list tools.
 *
 * @param parameters the JSON Schema of its arguments; a copy is handed out
 */
record LoadedTool(Tool tool, String name, String description, JsonObject parameters) {
  /** The names the model may call a tool by (tool-api's {@link Tool#name()} contract). */
  static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,64}");
  static final int MAX_DESCRIPTION_CHARS = 4_000;

  /**
   * Reads and checks a tool's description, with the schema it offers for the plugin's configuration
   * ({@link Tool#parameters(JsonObject)}); runs plugin code.
   */
  static LoadedTool describe(Tool tool, JsonObject config) throws PluginFailure {
    String name = tool.name();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new PluginFailure("tool " + tool.getClass().getName() + " has an invalid name '" + name
          + "' (lower case letters, digits and '_', 1 to 64 characters)", null);
    }
    String description = tool.description();
    if (description == null || description.isBlank()) {
      throw new PluginFailure("tool " + name + " has no description", null);
    }
    if (description.length() > MAX_DESCRIPTION_CHARS) {
      throw new PluginFailure("tool " + name + " has a description over " + MAX_DESCRIPTION_CHARS + " characters", null);
    }
    JsonObject parameters = tool.parameters(config.copy());
    if (parameters == null || !"object".equals(parameters.getValue("type"))) {
      throw new PluginFailure("tool " + name + " must describe its arguments as a JSON Schema of type object", null);
    }
    return new LoadedTool(tool, name, description, parameters.copy());
  }

  @Override
  public JsonObject parameters() {
    return parameters.copy();
  }
}
