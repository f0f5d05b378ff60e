package dev.orch.kernel.tools;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigReader;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.executor.ExecutorConfig;
import dev.orch.kernel.monitor.MonitorConfig;
import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * The tool host's settings, and what each plugin is given as its configuration.
 *
 * <p>A plugin's configuration ({@code ToolContext.config()}) is its own section
 * {@code tools.<plugin-id>} with the shared service sections {@link #SHARED_SECTIONS} added under
 * their own names: {@code ollama} and {@code comfyui} (with {@code hosts} as the monitor checks them,
 * {@code OLLAMA_HOST} included as {@code env}), {@code git} and {@code rag}. Those names are reserved
 * in a plugin's own section. Nothing else of the server configuration (keys, secrets) reaches a plugin
 * this way.
 *
 * @param pluginsDir {@code plugins_dir} ({@code ORCH_PLUGINS_DIR}): the folder scanned for jars
 * @param dataDir {@code data_dir}: project folders live in {@code projects/} below it
 * @param scanIntervalMs {@code plugins.scan_interval_sec}: how often the folder is scanned for added,
 *     replaced and removed jars; a jar is loaded once two scans in a row saw the same size and time
 * @param startTimeoutMs {@code plugins.start_timeout_sec}: the longest a plugin may take to start,
 *     and to stop
 * @param toolTimeoutMs {@code execution.tool_timeout_sec}: the longest one tool call may take
 * @param shutdownGraceMs {@code execution.shutdown_grace_seconds}: at shutdown, how long calls in
 *     flight may still finish before the plugins stop
 */
public record ToolHostConfig(Path pluginsDir, Path dataDir, long scanIntervalMs, long startTimeoutMs,
    long toolTimeoutMs, long shutdownGraceMs, JsonObject toolSections, JsonObject sharedSections) {

  /** Server sections every plugin sees, under their own names. */
  public static final List<String> SHARED_SECTIONS = List.of("ollama", "comfyui", "git", "rag");
  public static final double DEFAULT_SCAN_INTERVAL_SEC = 2;
  public static final double DEFAULT_START_TIMEOUT_SEC = 30;

  public ToolHostConfig {
    toolSections = toolSections.copy();
    sharedSections = sharedSections.copy();
  }

  /**
   * Reads the host's keys.
   *
   * @throws ConfigException naming the key when a value is invalid
   */
  public static ToolHostConfig from(OrchConfig config, MonitorConfig monitor, ExecutorConfig executor) {
    ConfigReader r = new ConfigReader(config.raw());
    double scan = r.positive("plugins.scan_interval_sec", DEFAULT_SCAN_INTERVAL_SEC);
    double start = r.positive("plugins.start_timeout_sec", DEFAULT_START_TIMEOUT_SEC);
    JsonObject tools = r.object("tools");
    for (String id : tools.fieldNames()) {
      if (!(tools.getValue(id) instanceof JsonObject section)) {
        throw new ConfigException("tools." + id + " must be an object (the configuration of plugin " + id + ")");
      }
      for (String reserved : SHARED_SECTIONS) {
        if (section.containsKey(reserved)) {
          throw new ConfigException("tools." + id + "." + reserved + " is reserved: plugins get the top-level "
              + reserved + " section under that name");
        }
      }
    }
    JsonObject shared = new JsonObject();
    for (String name : SHARED_SECTIONS) {
      shared.put(name, r.object(name).copy());
    }
    shared.getJsonObject("ollama").put("hosts", hosts(monitor.ollamaHosts()));
    shared.getJsonObject("comfyui").put("hosts", hosts(monitor.comfyuiHosts()));
    return new ToolHostConfig(config.pluginsDir(), config.dataDir(), Math.max(1, Math.round(scan * 1000)),
        Math.max(1, Math.round(start * 1000)), Math.max(1, Math.round(executor.toolTimeoutSeconds() * 1000)),
        Math.round(executor.shutdownGraceSeconds() * 1000), tools, shared);
  }

  /** The configuration handed to plugin {@code pluginId} with every call. */
  public JsonObject forPlugin(String pluginId) {
    JsonObject out = toolSections.getJsonObject(pluginId, new JsonObject()).copy();
    for (String name : SHARED_SECTIONS) {
      out.put(name, sharedSections.getJsonObject(name).copy());
    }
    return out;
  }

  private static JsonObject hosts(List<Host> hosts) {
    JsonObject out = new JsonObject();
    hosts.forEach(h -> out.put(h.key(), h.url()));
    return out;
  }

  @Override
  public JsonObject toolSections() {
    return toolSections.copy();
  }

  @Override
  public JsonObject sharedSections() {
    return sharedSections.copy();
  }
}
