package dev.orch.tools.rag;

import dev.orch.rag.RagConfig;
import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;

/**
 * How the plugin reads its configuration, in one place. The host hands every call the server
 * configuration's {@code rag} and {@code ollama} sections, {@code {"rag": {...}, "ollama": {...}}}
 * (the keys of API.md §16), next to the plugin's own section {@code tools-rag}, which this plugin does
 * not need. The last configuration read is kept, so an unchanged one is not parsed again per call.
 */
final class PluginSettings {
  private static JsonObject lastRaw;
  private static RagConfig last;

  private PluginSettings() {}

  /** The RAG settings; fails with a {@link ToolException} naming the invalid key. */
  static synchronized RagConfig rag(JsonObject config) {
    if (last != null && config.equals(lastRaw)) {
      return last;
    }
    try {
      last = RagConfig.from(config);
      lastRaw = config.copy();
      return last;
    } catch (IllegalArgumentException invalid) {
      throw new ToolException("The knowledge tools are misconfigured: " + invalid.getMessage(), false);
    }
  }

  /** The RAG settings for describing a tool's parameters; null when they are invalid (a call says why). */
  static RagConfig ragOrNull(JsonObject config) {
    try {
      return rag(config);
    } catch (ToolException invalid) {
      return null;
    }
  }
}
