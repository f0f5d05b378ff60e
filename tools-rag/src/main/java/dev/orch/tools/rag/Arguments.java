package dev.orch.tools.rag;

import dev.orch.rag.RagConfig;
import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The tools' arguments, checked: the model may send anything, and learns from the message what was wrong. */
final class Arguments {
  /** A question or a name, not a document: longer text is refused rather than embedded or scanned for. */
  static final int MAX_TEXT = 10_000;

  private Arguments() {}

  /** A required, non-blank string of at most {@link #MAX_TEXT} characters. */
  static String text(JsonObject arguments, String name, String what) {
    Object value = arguments.getValue(name);
    if (!(value instanceof String s) || s.isBlank()) {
      throw new ToolException(name + " is required: " + what, false);
    }
    if (s.length() > MAX_TEXT) {
      throw new ToolException(name + " is too long: at most " + MAX_TEXT + " characters", false);
    }
    return s;
  }

  /** An optional string; empty when absent or null. */
  static String optionalText(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return "";
    }
    if (!(value instanceof String s)) {
      throw new ToolException(name + " must be a string", false);
    }
    return s;
  }

  /** {@code top_k} within the configured bounds; the default when absent. */
  static int topK(JsonObject arguments, RagConfig config) {
    Object value = arguments.getValue("top_k");
    if (value == null) {
      return config.topK(null);
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ToolException("top_k must be a whole number from 1 to " + config.maxTopK(), false);
    }
    return config.topK((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue())));
  }

  /** The {@code database} property: an enum of the configured names when there are any. */
  static JsonObject databaseProperty(RagConfig config) {
    JsonObject property = new JsonObject().put("type", "string").put("description", "Which RAG database to search");
    if (config != null && !config.databases().isEmpty()) {
      property.put("enum", new JsonArray(config.databases().keySet().stream().toList()));
    }
    return property;
  }

  static JsonObject topKProperty(RagConfig config) {
    int fallback = config == null ? 5 : config.defaultTopK();
    int max = config == null ? 20 : config.maxTopK();
    return new JsonObject().put("type", "integer").put("default", fallback).put("minimum", 1).put("maximum", max)
        .put("description", "Number of results (" + fallback + " when not given, at most " + max + ")");
  }
}
