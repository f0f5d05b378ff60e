package dev.orch.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.Kernel;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code conf/config.json} and the code agree: every key in the file is read (changing its value
 * changes what the server is built from, or is refused), and every default in the file is the code's
 * own (leaving the key out changes nothing). The server is built from {@link OrchConfig} and
 * {@link Kernel.Sections}, so comparing those compares everything a key can reach.
 */
class ConfigKeysTest {
  @TempDir Path dir;

  /** Keys whose value is a map of names (models, hosts, roles, databases): one setting, not one per entry. */
  static final Set<String> MAPS = Set.of("model_pricing", "model_catalog", "ollama.hosts", "comfyui.hosts",
      "rag.databases", "server.endpoint_rate_limits", "cli_agents.allowed", "execution.max_concurrent_per_provider",
      "anthropic.models", "model_retry");

  JsonObject shipped() {
    return ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, Map.of());
  }

  /**
   * Everything the server is built from, as comparable values; a refused value as its message. With
   * {@code passedThrough} false, the sections handed to plugins as they are are left out: a plugin
   * keeps its own defaults for them, and its tests hold it to this file.
   */
  Object built(JsonObject json) {
    return built(json, true);
  }

  Object built(JsonObject json, boolean passedThrough) {
    JsonObject copy = json.copy();
    copy.getJsonObject("auth", new JsonObject()).put("secret_key", TestKernel.SECRET);
    if (!copy.containsKey("auth")) {
      copy.put("auth", new JsonObject().put("secret_key", TestKernel.SECRET));
    }
    try {
      OrchConfig config = OrchConfig.from(copy, dir);
      Kernel.Sections sections = Kernel.Sections.from(config);
      var tools = sections.tools();
      Object host = passedThrough ? tools : List.of(tools.pluginsDir(), tools.scanIntervalMs(), tools.startTimeoutMs(),
          tools.toolTimeoutMs(), tools.shutdownGraceMs());
      return List.of(config.dataDir(), config.pluginsDir(), config.db(), config.server(), config.auth(),
          sections.models(), sections.budget(), sections.monitor(), sections.executor(), sections.defaultMaxTokens(),
          sections.planningModel(), sections.tasks(), sections.cliAgents(), sections.rag(), host, sections.git(),
          sections.cluster());
    } catch (ConfigException | IllegalArgumentException refused) {
      return "refused: " + refused.getMessage();
    }
  }

  /** Leaf keys (and map-valued keys) of the file, as dotted paths. */
  static List<String> keys(JsonObject json, String prefix) {
    List<String> out = new ArrayList<>();
    for (String field : json.fieldNames()) {
      String path = prefix.isEmpty() ? field : prefix + "." + field;
      Object value = json.getValue(field);
      if (value instanceof JsonObject nested && !MAPS.contains(path) && !nested.isEmpty()) {
        out.addAll(keys(nested, path));
      } else {
        out.add(path);
      }
    }
    return out;
  }

  static JsonObject parentOf(JsonObject root, String path) {
    String[] parts = path.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    return node;
  }

  static String leaf(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  @Test
  @DisplayName("every default in conf/config.json is the code's own: leaving a key out changes nothing")
  void defaultsInOnePlace() {
    JsonObject file = shipped();
    Object expected = built(file, false);
    assertThat(expected).as("the shipped file builds").isNotInstanceOf(String.class);
    List<String> differing = new ArrayList<>();
    for (String key : keys(file, "")) {
      JsonObject without = file.copy();
      parentOf(without, key).remove(leaf(key));
      if (!built(without, false).equals(expected)) {
        differing.add(key);
      }
    }
    assertThat(differing).as("keys whose default in the code differs from conf/config.json").isEmpty();
  }

  @Test
  @DisplayName("every key in conf/config.json is read: another value changes what the server is built from")
  void everyKeyIsRead() {
    JsonObject file = shipped();
    Object expected = built(file);
    List<String> unread = new ArrayList<>();
    for (String key : keys(file, "")) {
      if (key.equals("auth.secret_key")) {
        continue; // every build here sets its own
      }
      JsonObject changed = file.copy();
      JsonObject parent = parentOf(changed, key);
      parent.put(leaf(key), MAPS.contains(key) ? otherEntry(parent.getJsonObject(leaf(key)))
          : other(parent.getValue(leaf(key))));
      if (built(changed).equals(expected)) {
        unread.add(key);
      }
    }
    assertThat(unread).as("keys nothing reads").isEmpty();
  }

  /** The same map with its first entry's value changed (or one entry added to an empty map). */
  static JsonObject otherEntry(JsonObject map) {
    JsonObject out = map.copy();
    if (out.isEmpty()) {
      return out.put("extra", new JsonObject().put("provider", "openai"));
    }
    String first = out.fieldNames().iterator().next();
    Object value = out.getValue(first);
    out.put(first, value instanceof JsonObject o && !o.isEmpty() ? otherEntry(o) : other(value));
    return out;
  }

  /** A different value of the same kind. */
  static Object other(Object value) {
    if (value == null) {
      return 7;
    }
    if (value instanceof Boolean b) {
      return !b;
    }
    if (value instanceof Integer n) {
      return n + 1;
    }
    if (value instanceof Number n) {
      return n.doubleValue() + 1.5;
    }
    if (value instanceof String s) {
      return s.isEmpty() ? "http://127.0.0.1:1" : s + "x";
    }
    if (value instanceof JsonArray a) {
      return a.isEmpty() ? new JsonArray().add("http://127.0.0.1:1") : new JsonArray();
    }
    JsonObject o = (JsonObject) value;
    return o.isEmpty() ? new JsonObject().put("x", new JsonObject()) : new JsonObject();
  }
}
