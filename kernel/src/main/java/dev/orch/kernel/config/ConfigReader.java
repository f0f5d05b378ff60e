package dev.orch.kernel.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Typed, dotted-key reads over the layered JSON; every failure names the key. */
public final class ConfigReader {
  private final JsonObject root;

  public ConfigReader(JsonObject root) {
    this.root = root;
  }

  public Object value(String key) {
    Object node = root;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      node = object.getValue(part);
    }
    return node;
  }

  public String string(String key, String fallback) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s) {
      return s;
    }
    throw new ConfigException(key + " must be a string, got " + value);
  }

  public boolean bool(String key, boolean fallback) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw new ConfigException(key + " must be true or false, got " + value);
  }

  public double number(String key, double fallback) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw new ConfigException(key + " must be a number, got " + value);
  }

  public int integer(String key, int fallback) {
    Object value = value(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
        && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw new ConfigException(key + " must be an integer, got " + value);
  }

  public int integerIn(String key, int fallback, int min, int max) {
    int value = integer(key, fallback);
    if (value < min || value > max) {
      throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  public int positiveInteger(String key, int fallback) {
    int value = integer(key, fallback);
    if (value <= 0) {
      throw new ConfigException(key + " must be > 0, got " + value);
    }
    return value;
  }

  public double positive(String key, double fallback) {
    double value = number(key, fallback);
    if (value <= 0) {
      throw new ConfigException(key + " must be > 0, got " + value);
    }
    return value;
  }

  public double nonNegative(String key, double fallback) {
    double value = number(key, fallback);
    if (value < 0) {
      throw new ConfigException(key + " must be >= 0, got " + value);
    }
    return value;
  }

  public List<String> strings(String key) {
    Object value = value(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(key + " must be a list of strings, got " + value);
    }
    List<String> out = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof String s)) {
        throw new ConfigException(key + " must be a list of strings, got " + item);
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  public JsonObject object(String key) {
    Object value = value(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw new ConfigException(key + " must be an object, got " + value);
  }

  public JsonArray array(String key) {
    Object value = value(key);
    if (value == null) {
      return new JsonArray();
    }
    if (value instanceof JsonArray array) {
      return array;
    }
    throw new ConfigException(key + " must be a list, got " + value);
  }
}
