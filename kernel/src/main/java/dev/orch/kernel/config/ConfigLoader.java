package dev.orch.kernel.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the effective configuration from its three layers, lowest first: the defaults file
 * ({@code conf/config.json}), the file given with {@code --config}, then the environment.
 *
 * <p>The order is fixed here rather than left to a store library, whose default lets a file win over
 * the environment. Files merge deeply; an environment value replaces the whole value at its key
 * (RUNNING.md: {@code ORCH_MODEL_PRICING='{...}'} is the complete price table).
 */
public final class ConfigLoader {
  private static final String PREFIX = "ORCH_";

  /** Conventional variables and the key each one sets. */
  private static final Map<String, String> CONVENTIONAL = Map.of(
      "ANTHROPIC_API_KEY", "anthropic.api_key",
      "ANTHROPIC_BASE_URL", "anthropic.base_url",
      "OPENAI_API_KEY", "openai.api_key",
      "OPENAI_BASE_URL", "openai.base_url",
      "OLLAMA_HOST", "ollama.hosts.env");

  private ConfigLoader() {}

  /**
   * Loads and layers the configuration.
   *
   * @param defaults the defaults file; must exist
   * @param override the {@code --config} file, or null
   * @param env the environment to read overrides from
   * @throws ConfigException when a file is missing or not a JSON object
   */
  public static JsonObject load(Path defaults, Path override, Map<String, String> env) {
    JsonObject config = readObject(defaults);
    if (override != null) {
      config.mergeIn(readObject(override), true);
    }
    applyEnvironment(config, env);
    return config;
  }

  /** Applies {@code ORCH_A__B_C} overrides and the conventional variables, in a stable order. */
  static void applyEnvironment(JsonObject config, Map<String, String> env) {
    Map<String, String> sorted = new TreeMap<>(env);
    sorted.forEach((name, raw) -> {
      if (CONVENTIONAL.containsKey(name) && !raw.isEmpty()) {
        set(config, CONVENTIONAL.get(name), raw);
      }
    });
    // ORCH_* are applied after the conventional ones, so an explicit key wins.
    sorted.forEach((name, raw) -> {
      if (name.startsWith(PREFIX) && name.length() > PREFIX.length()) {
        set(config, keyOf(name), parseValue(raw));
      }
    });
  }

  /** {@code ORCH_SERVER__RATE_LIMIT} → {@code server.rate_limit}. */
  static String keyOf(String variable) {
    return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace("__", ".");
  }

  /** A value that parses as JSON is taken as JSON; anything else is a string. */
  static Object parseValue(String raw) {
    String trimmed = raw.trim();
    if (trimmed.isEmpty()) {
      return raw;
    }
    try {
      Object value = Json.decodeValue(trimmed);
      return value == null ? raw : value;
    } catch (DecodeException notJson) {
      return raw;
    }
  }

  private static void set(JsonObject config, String dottedKey, Object value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject)) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = (JsonObject) child;
    }
    node.put(parts[parts.length - 1], value);
  }

  private static JsonObject readObject(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException("config file unreadable: " + file + " (" + e.getMessage() + ")", e);
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException("config file is not a JSON object: " + file + " (" + e.getMessage() + ")", e);
    }
  }
}
