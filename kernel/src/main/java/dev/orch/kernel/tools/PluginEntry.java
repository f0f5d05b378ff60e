package dev.orch.kernel.tools;

import dev.orch.kernel.tools.PluginFolder.Fingerprint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * One jar of the plugins folder and what became of it. Touched only on the tool host's context.
 *
 * <p>Its resource ({@code /api/services}, API.md §15.1): {@code plugin_<id>}, category
 * {@code plugin}, method {@code pf4j}; online when started, degraded while one of its tools' last
 * call failed unexpectedly or timed out, offline when it failed to load or start or was refused,
 * checking while it starts.
 */
final class PluginEntry {
  enum State {
    STARTING, STARTED, STOPPING, FAILED, DISABLED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  final String file;
  final Fingerprint fingerprint;
  State state = State.STARTING;
  String id;
  String version = "";
  String description = "";
  /** Why the plugin is not serving: a load or start failure, a refusal. */
  String error;
  List<LoadedTool> tools = List.of();
  final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  WorkerExecutor worker;
  JsonObject config = new JsonObject();
  Logger log;
  /** Tool name → its last call's unexpected failure; cleared by a call that ends normally. */
  private final Map<String, String> failing = new LinkedHashMap<>();
  private JsonObject lastError;
  private int inFlight;
  private Promise<Void> drained;

  PluginEntry(String file, Fingerprint fingerprint) {
    this.file = file;
    this.fingerprint = fingerprint;
  }

  void failed(State state, String error) {
    this.state = state;
    this.error = error;
  }

  void callStarted() {
    inFlight++;
  }

  /** A call ended; {@code failure} is its unexpected failure, or null when it ended normally. */
  void callEnded(String tool, String failure) {
    inFlight--;
    if (failure == null) {
      failing.remove(tool);
    } else {
      failing.put(tool, failure);
      lastError = new JsonObject().put("tool", tool).put("error", failure).put("at", Instant.now().toString());
    }
    if (inFlight == 0 && drained != null) {
      drained.tryComplete();
    }
  }

  /** Completes when no call is in flight. */
  Future<Void> drained() {
    if (inFlight == 0) {
      return Future.succeededFuture();
    }
    if (drained == null) {
      drained = Promise.promise();
    }
    return drained.future();
  }

  int inFlight() {
    return inFlight;
  }

  /** The resource id: {@code plugin_} and the plugin id, or the jar's name when it has no id. */
  String resourceId() {
    String key = id != null ? id : file.replaceAll("\\.jar$", "");
    return "plugin_" + key.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  /** The {@code ResourceOut} of API.md §4. */
  JsonObject resource() {
    String status = switch (state) {
      case STARTED -> failing.isEmpty() ? "online" : "degraded";
      case STARTING -> "checking";
      case STOPPING, FAILED, DISABLED -> "offline";
    };
    JsonObject details = new JsonObject()
        .put("plugin", id)
        .put("version", version)
        .put("file", file)
        .put("state", state.wire())
        .put("tools", new JsonArray(tools.stream().map(LoadedTool::name).toList()));
    if (error != null) {
      details.put("error", error);
    }
    if (!failing.isEmpty()) {
      details.put("failing_tools", new JsonObject(new LinkedHashMap<>(failing)));
    }
    if (lastError != null) {
      details.put("last_error", lastError.copy());
    }
    if (description != null && !description.isBlank()) {
      details.put("description", description);
    }
    return new JsonObject()
        .put("id", resourceId())
        .put("name", "Plugin " + (id != null ? id : file))
        .put("status", status)
        .put("method", "pf4j")
        .put("details", details)
        .put("category", "plugin");
  }
}
