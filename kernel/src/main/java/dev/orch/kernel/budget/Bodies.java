package dev.orch.kernel.budget;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.json.JsonObject;

/** Strict reads of bus request bodies: a field of the wrong type is a 400, never coerced. */
final class Bodies {
  private Bodies() {}

  /** A finite number, or null when absent or null. */
  static Double number(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw OrchestratorException.badRequest(key + " must be a number");
  }

  /** A whole number &gt;= 0, or null when absent or null. */
  static Long count(JsonObject json, String key) {
    Double value = number(json, key);
    if (value == null) {
      return null;
    }
    if (value < 0 || value != Math.rint(value) || value > Long.MAX_VALUE) {
      throw OrchestratorException.badRequest(key + " must be a whole number >= 0");
    }
    return value.longValue();
  }

  /** A string, or null when absent, null or empty. */
  static String text(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      return s.isEmpty() ? null : s;
    }
    throw OrchestratorException.badRequest(key + " must be a string");
  }

  static void putIfSet(JsonObject json, String key, String value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
