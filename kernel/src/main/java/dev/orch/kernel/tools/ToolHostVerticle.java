package dev.orch.kernel.tools;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.tools.PluginEntry.State;
import dev.orch.kernel.tools.PluginFolder.Fingerprint;
import dev.orch.kernel.tools.PluginRuntime.Loaded;
import dev.orch.tool.ToolAddresses;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin host: runs PF4J over the plugins folder, registers one consumer per tool at
 * {@link ToolAddresses#invoke}, answers {@link ToolAddresses#LIST} and {@link ToolAddresses#PLUGINS},
 * publishes {@link ToolAddresses#CHANGED}.
 *
 * <p>At start every jar in the folder is loaded, and the plugins start in parallel, each within
 * {@code plugins.start_timeout_sec}; then the folder is scanned every {@code plugins.scan_interval_sec}.
 * A new jar is loaded once two scans saw it unchanged (a jar still being copied is never loaded
 * half-written); a changed one is reloaded the same way, the old version serving until the new file has
 * settled; a removed one is unloaded. A jar that failed is tried again when it changes.
 *
 * <p>Unloading takes a plugin's tools off the list and the bus first, lets the calls in flight end
 * (each is bounded by {@code execution.tool_timeout_sec}), then stops the plugin. A plugin that fails
 * to load, throws or hangs at start, or offers a tool name another plugin already offers, is refused
 * and shown offline with the reason; one whose tool calls throw or time out is shown degraded. None of
 * this reaches the kernel or the other plugins.
 *
 * <p>Tool calls run on a small worker pool of each plugin's own, so that a plugin that blocks by
 * mistake stalls only its own calls.
 */
public final class ToolHostVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ToolHostVerticle.class);
  /** Longest tool result handed to a model; the rest is cut with a note. */
  static final int MAX_RESULT_CHARS = 100_000;
  /** Calls of one plugin that may run their synchronous part at once. */
  static final int WORKERS_PER_PLUGIN = 4;
  private static final long READ_TIMEOUT_MS = 2_000;
  /** Under {@code data_dir}: the private copies of loaded jars. */
  static final String COPIES = "plugin-copies";

  private final ToolHostConfig config;
  private final String node = Ids.short12();
  private Context context;
  private Workspaces workspaces;
  private PluginRuntime runtime;
  private ClusterTools cluster;
  private Path shadowDir;
  /** By jar file name, in name order. */
  private final Map<String, PluginEntry> entries = new TreeMap<>();
  /** Tool name → the entry of the plugin that offers it. */
  private final Map<String, PluginEntry> tools = new HashMap<>();
  /** The fingerprints the previous scan saw, to tell a settled jar from one still being written. */
  private Map<String, Fingerprint> lastScan = Map.of();
  private Future<Void> reconciling;
  private long scanTimer = -1;
  private long announceTimer = -1;
  private boolean stopping;
  private int loads;

  public ToolHostVerticle(ToolHostConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    workspaces = new Workspaces(vertx, config.dataDir());
    cluster = new ClusterTools(vertx, node);
    MessageConsumer<Object> list = vertx.eventBus().localConsumer(ToolAddresses.LIST, this::onList);
    MessageConsumer<Object> plugins = vertx.eventBus().localConsumer(ToolAddresses.PLUGINS, this::onPlugins);
    return vertx.executeBlocking(this::copyFolder, false)
        .onSuccess(dir -> {
          shadowDir = dir;
          runtime = new PluginRuntime(config.pluginsDir(), dir);
        })
        .compose(dir -> Future.all(list.completion(), plugins.completion()))
        .compose(v -> reconcile(true))
        .onSuccess(v -> {
          scanTimer = vertx.setPeriodic(config.scanIntervalMs(), id -> tick());
          if (cluster.clustered()) {
            announceTimer = vertx.setPeriodic(ClusterTools.REFRESH_MS, id -> announce());
          }
          LOG.info("tool host listening [plugins dir: {}, plugins: {}, tools: {}, node: {}]", config.pluginsDir(),
              entries.size(), new java.util.TreeSet<>(tools.keySet()), node);
        });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(scanTimer);
    vertx.cancelTimer(announceTimer);
    Future<Void> current = reconciling == null ? Future.succeededFuture() : reconciling;
    return current.transform(ar -> {
      List<Future<Void>> unloads = new ArrayList<>(entries.values()).stream()
          .map(e -> unload(e, config.shutdownGraceMs())).toList();
      return Future.join(unloads).transform(done -> cluster.withdraw());
    }).transform(ar -> vertx.executeBlocking(() -> {
      deleteTree(shadowDir);
      return null;
    }, false));
  }

  /**
   * The folder for this start's private jar copies, {@code data_dir/plugin-copies/<node>/}. What an
   * earlier run left there (a server that was killed) goes first: a data folder belongs to one server.
   */
  private Path copyFolder() throws IOException {
    Path base = config.dataDir().resolve(COPIES);
    deleteTree(base);
    return Files.createDirectories(base.resolve(node));
  }

  // ---- scanning ----

  private void tick() {
    if (reconciling == null && !stopping) {
      reconcile(false);
    }
  }

  /** One pass over the folder: unload what went, reload what changed and settled, load what is new and settled. */
  private Future<Void> reconcile(boolean initial) {
    Future<Void> pass = vertx.executeBlocking(() -> PluginFolder.scan(config.pluginsDir()), false)
        .compose(found -> {
          Map<String, Fingerprint> previous = lastScan;
          lastScan = found;
          List<PluginEntry> goners = new ArrayList<>();
          List<String> ready = new ArrayList<>();
          for (PluginEntry entry : entries.values()) {
            Fingerprint now = found.get(entry.file);
            if (now == null) {
              goners.add(entry);
            } else if (!now.equals(entry.fingerprint) && now.equals(previous.get(entry.file))) {
              goners.add(entry);
              ready.add(entry.file);
            }
          }
          found.forEach((file, fingerprint) -> {
            if (!entries.containsKey(file) && (initial || fingerprint.equals(previous.get(file)))) {
              ready.add(file);
            }
          });
          if (goners.isEmpty() && ready.isEmpty()) {
            return Future.<Void>succeededFuture();
          }
          return Future.join(goners.stream().map(e -> unload(e, config.toolTimeoutMs())).toList())
              .transform(v -> loadAll(ready.stream().sorted().map(f -> Map.entry(f, found.get(f))).toList()))
              .onComplete(v -> changed());
        })
        .onFailure(err -> LOG.warn("plugin scan failed [dir: {}, reason: {}]", config.pluginsDir(), err.toString()));
    reconciling = pass;
    return pass.eventually(() -> {
      reconciling = null;
      return Future.succeededFuture();
    }).recover(err -> Future.succeededFuture());
  }

  /** Loads jars one by one (PF4J's manager is not concurrent), starts their plugins in parallel, registers in name order. */
  private Future<Void> loadAll(List<Map.Entry<String, Fingerprint>> jars) {
    Future<Void> chain = Future.succeededFuture();
    List<PluginEntry> loaded = new ArrayList<>();
    for (var jar : jars) {
      chain = chain.compose(v -> load(jar.getKey(), jar.getValue()).map(entry -> {
        loaded.add(entry);
        return null;
      }));
    }
    return chain.compose(v -> {
      List<Future<List<LoadedTool>>> starts = loaded.stream()
          .map(e -> e.state == State.STARTING ? startPlugin(e) : Future.<List<LoadedTool>>succeededFuture(List.of()))
          .toList();
      return Future.join(starts).transform(done -> {
        Future<Void> registrations = Future.succeededFuture();
        for (int i = 0; i < loaded.size(); i++) {
          PluginEntry entry = loaded.get(i);
          Future<List<LoadedTool>> started = starts.get(i);
          if (entry.state == State.STARTING) {
            registrations = registrations.compose(ignored -> started.succeeded()
                ? register(entry, started.result()) : refuse(entry, PluginRuntime.rootMessage(started.cause())));
          }
        }
        return registrations;
      });
    });
  }

  private Future<PluginEntry> load(String file, Fingerprint fingerprint) {
    PluginEntry entry = new PluginEntry(file, fingerprint);
    entries.put(file, entry);
    Path jar = config.pluginsDir().resolve(file);
    return vertx.executeBlocking(() -> runtime.load(jar), false).transform(ar -> {
      if (ar.failed()) {
        entry.failed(State.FAILED, PluginRuntime.rootMessage(ar.cause()));
        LOG.warn("plugin not loaded [file: {}, reason: {}]", file, entry.error);
        return Future.succeededFuture(entry);
      }
      Loaded loaded = ar.result();
      entry.id = loaded.id();
      entry.config = config.forPlugin(loaded.id());
      entry.version = loaded.version();
      entry.description = loaded.description();
      if (loaded.refusal() != null) {
        entry.failed(State.DISABLED, loaded.refusal());
        LOG.warn("plugin not started [plugin: {}, file: {}, reason: {}]", entry.id, file, entry.error);
        return vertx.executeBlocking(() -> {
          runtime.unload(loaded.id());
          return entry;
        }, false);
      }
      return Future.succeededFuture(entry);
    });
  }

  private Future<List<LoadedTool>> startPlugin(PluginEntry entry) {
    return Future.fromCompletionStage(runtime.start(entry.id, entry.config, config.startTimeoutMs()), context);
  }

  /** Refuses a plugin that started but may not serve: it is stopped and unloaded, and shown offline. */
  private Future<Void> refuse(PluginEntry entry, String reason) {
    entry.failed(State.FAILED, reason);
    LOG.warn("plugin refused [plugin: {}, file: {}, reason: {}]", entry.id, entry.file, reason);
    return Future.fromCompletionStage(runtime.stopAndUnload(entry.id, config.startTimeoutMs()), context);
  }

  /** Registers a started plugin's tools, unless one of its names is taken. */
  private Future<Void> register(PluginEntry entry, List<LoadedTool> offered) {
    Map<String, LoadedTool> byName = new LinkedHashMap<>();
    for (LoadedTool tool : offered) {
      PluginEntry owner = tools.get(tool.name());
      if (owner != null || byName.containsKey(tool.name())) {
        String by = owner != null ? "plugin " + owner.id : "this plugin twice";
        LOG.warn("tool name taken, plugin refused [plugin: {}, tool: {}, offered by: {}]", entry.id, tool.name(), by);
        return refuse(entry, "tool name " + tool.name() + " is already offered by " + by);
      }
      byName.put(tool.name(), tool);
    }
    entry.tools = byName.values().stream().sorted(Comparator.comparing(LoadedTool::name)).toList();
    entry.log = LoggerFactory.getLogger("orch.plugin." + entry.id);
    entry.worker = vertx.createSharedWorkerExecutor("orch-plugin-" + entry.id + "-" + (++loads), WORKERS_PER_PLUGIN,
        config.toolTimeoutMs(), TimeUnit.MILLISECONDS);
    List<Future<Void>> registered = new ArrayList<>();
    for (LoadedTool tool : entry.tools) {
      MessageConsumer<Object> consumer = vertx.eventBus().consumer(ToolAddresses.invoke(tool.name()),
          msg -> onInvoke(entry, tool, msg));
      entry.consumers.add(consumer);
      registered.add(consumer.completion());
    }
    return Future.all(registered).transform(ar -> {
      if (ar.failed()) {
        return unregister(entry).compose(v -> refuse(entry, "cannot register its tools: " + ar.cause().getMessage()));
      }
      entry.state = State.STARTED;
      entry.tools.forEach(t -> tools.put(t.name(), entry));
      LOG.info("plugin loaded [plugin: {}, version: {}, file: {}, tools: {}]", entry.id, entry.version, entry.file,
          entry.tools.stream().map(LoadedTool::name).toList());
      return Future.succeededFuture();
    });
  }

  /**
   * Takes a plugin out: off the list and the bus, then its calls in flight may end (up to
   * {@code drainMs}), then it stops and its class loader closes. Never fails.
   */
  private Future<Void> unload(PluginEntry entry, long drainMs) {
    entries.remove(entry.file, entry);
    if (entry.state != State.STARTED) {
      return Future.succeededFuture();
    }
    entry.state = State.STOPPING;
    entry.tools.forEach(t -> tools.remove(t.name(), entry));
    return unregister(entry)
        .compose(v -> entry.drained().timeout(drainMs, TimeUnit.MILLISECONDS))
        .recover(err -> {
          LOG.warn("plugin unloaded with calls in flight [plugin: {}, calls: {}]", entry.id, entry.inFlight());
          return Future.succeededFuture();
        })
        .compose(v -> Future.fromCompletionStage(runtime.stopAndUnload(entry.id, config.startTimeoutMs()), context))
        .compose(v -> entry.worker.close())
        .onComplete(ar -> LOG.info("plugin unloaded [plugin: {}, file: {}]", entry.id, entry.file))
        .recover(err -> Future.succeededFuture());
  }

  private Future<Void> unregister(PluginEntry entry) {
    List<Future<Void>> out = entry.consumers.stream().map(MessageConsumer::unregister).toList();
    entry.consumers.clear();
    return Future.join(out).mapEmpty();
  }

  /** Tells the cluster what this node now offers. */
  private void changed() {
    JsonArray names = new JsonArray(tools.keySet().stream().sorted().toList());
    vertx.eventBus().publish(ToolAddresses.CHANGED, new JsonObject().put("node", node).put("tools", names));
    announce();
  }

  private void announce() {
    cluster.announce(localTools()).onFailure(err ->
        LOG.warn("tools not announced to the cluster [reason: {}]", err.toString()));
  }

  // ---- bus ----

  private JsonArray localTools() {
    JsonArray out = new JsonArray();
    tools.values().stream().distinct().sorted(Comparator.comparing(e -> e.file)).forEach(entry ->
        entry.tools.forEach(t -> out.add(new JsonObject()
            .put("name", t.name())
            .put("description", t.description())
            .put("parameters", t.parameters())
            .put("plugin", entry.id)
            .put("version", entry.version))));
    return out;
  }

  private void onList(Message<Object> msg) {
    JsonArray local = localTools();
    cluster.remote().timeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .otherwise(err -> {
          LOG.warn("remote tools not read [reason: {}]", err.toString());
          return List.of();
        })
        .onSuccess(remote -> {
          JsonArray out = new JsonArray();
          java.util.Set<String> names = new java.util.HashSet<>();
          local.forEach(t -> {
            names.add(((JsonObject) t).getString("name"));
            out.add(((JsonObject) t).put("local", true));
          });
          remote.stream().sorted(Comparator.comparing(t -> t.getString("name", ""))).forEach(t -> {
            if (names.add(t.getString("name"))) {
              out.add(t.put("local", false));
            }
          });
          msg.reply(new JsonObject().put("tools", out));
        });
  }

  private void onPlugins(Message<Object> msg) {
    JsonArray out = new JsonArray();
    entries.values().forEach(e -> out.add(e.resource()));
    msg.reply(new JsonObject().put("resources", out));
  }

  private void onInvoke(PluginEntry entry, LoadedTool tool, Message<Object> msg) {
    if (!(msg.body() instanceof JsonObject body)) {
      msg.fail(400, "The tool request must be a JSON object");
      return;
    }
    Object arguments = body.getValue("arguments", new JsonObject());
    if (!(arguments instanceof JsonObject args)) {
      msg.fail(400, "The arguments of " + tool.name() + " must be a JSON object");
      return;
    }
    if (!(body.getValue("project_id") instanceof String projectId) || !(body.getValue("task_id") instanceof String taskId)) {
      msg.fail(400, "The tool request needs project_id and task_id");
      return;
    }
    if (entry.state != State.STARTED) {
      msg.fail(503, "Tool " + tool.name() + " is being unloaded; try again later");
      return;
    }
    entry.callStarted();
    workspaces.of(projectId, taskId)
        .compose(workspace -> entry.worker.<Future<String>>executeBlocking(() -> tool.tool().invoke(args.copy(),
            new ToolContext(vertx, projectId, taskId, workspace, entry.config, entry.log)), false))
        .compose(result -> result == null ? Future.failedFuture(new NullPointerException("invoke returned null")) : result)
        .timeout(config.toolTimeoutMs(), TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            entry.callEnded(tool.name(), null);
            msg.reply(new JsonObject().put("result", capped(ar.result())));
          } else {
            fail(entry, tool, projectId, taskId, msg, ar.cause());
          }
        });
  }

  private void fail(PluginEntry entry, LoadedTool tool, String projectId, String taskId, Message<Object> msg,
      Throwable err) {
    if (err instanceof ToolException te) {
      entry.callEnded(tool.name(), null);
      msg.fail(te.retryable() ? 503 : 400, te.getMessage() == null ? "Tool " + tool.name() + " failed" : te.getMessage());
    } else if (err instanceof OrchestratorException oe) {
      entry.callEnded(tool.name(), null);
      msg.fail(oe.status(), oe.getMessage());
    } else if (err instanceof TimeoutException) {
      String reason = "did not answer within " + PluginRuntime.seconds(config.toolTimeoutMs()) + " s";
      entry.callEnded(tool.name(), reason);
      LOG.warn("tool call timed out [plugin: {}, tool: {}, project: {}, task: {}, timeout ms: {}]", entry.id,
          tool.name(), projectId, taskId, config.toolTimeoutMs());
      msg.fail(504, "Tool error: TimeoutException: operation failed");
    } else {
      entry.callEnded(tool.name(), PluginRuntime.rootMessage(err));
      LOG.warn("tool call failed [plugin: {}, tool: {}, project: {}, task: {}]", entry.id, tool.name(), projectId,
          taskId, err);
      msg.fail(500, "Tool error: " + err.getClass().getSimpleName() + ": operation failed");
    }
  }

  static String capped(String result) {
    if (result == null) {
      return "";
    }
    if (result.length() <= MAX_RESULT_CHARS) {
      return result;
    }
    int cut = Character.isHighSurrogate(result.charAt(MAX_RESULT_CHARS - 1)) ? MAX_RESULT_CHARS - 1 : MAX_RESULT_CHARS;
    return result.substring(0, cut) + "\n\n[Cut at " + MAX_RESULT_CHARS + " characters of " + result.length() + ".]";
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
