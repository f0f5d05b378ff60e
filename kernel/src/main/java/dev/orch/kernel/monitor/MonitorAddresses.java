package dev.orch.kernel.monitor;

/**
 * Event-bus contract of the resource monitor (API.md §3.10, §15.1). Bodies are {@code JsonObject}s; a
 * resource is always the contract's {@code ResourceOut}:
 * {@code {id, name, status: "online"|"offline"|"degraded"|"checking", method, details, category: "ai"|"api"|"cli"|"plugin"}}
 * (see {@link Resource}).
 */
public final class MonitorAddresses {

  /**
   * Request/reply: the states of the resources.
   *
   * <p>Request {@code {refresh?: bool, id?: string}}. Without {@code refresh} (or false) the cached
   * states are returned at once; a resource not yet checked is {@code checking}. With {@code refresh:
   * true} the checks run first and the reply carries states measured after the request arrived; a
   * refresh that arrives while a sweep is running waits for one more sweep, shared with every other
   * refresh that arrived meanwhile. The slowest check takes about 5 s, so callers that refresh should
   * allow at least 10 s ({@link #REFRESH_TIMEOUT_MS}).
   *
   * <p>Reply {@code {resources: [ResourceOut, ...]}} in catalogue order (Ollama hosts, ComfyUI hosts,
   * {@code anthropic_api}, {@code gemini_cli}, {@code codex_cli}), then one {@code plugin_<id>} per
   * jar in the plugins folder (category {@code plugin}) as the tool host reports it over
   * {@code ToolAddresses.PLUGINS}; with {@code id}, a list of exactly that resource. A refresh does
   * not re-check plugins: their state is always current.
   *
   * <p>Fails 400 when the body is not a JSON object, {@code refresh} not a boolean or {@code id} not a
   * string; 404
   * {@code Resource {id} not found} for an unknown id.
   *
   * <p>Each node runs its own monitor and answers for itself (a local consumer): a host such as
   * {@code http://localhost:11434} is a different machine on every node.
   */
  public static final String STATUS = "orch.monitor.status";

  /**
   * Publish: a resource's status changed, including its first change away from {@code checking}.
   * Body: its {@code ResourceOut} plus {@code previous_status}. Published only when the status
   * changes, not when only details (such as the list of Ollama models) change. Delivered only on
   * the node whose monitor saw the change, for the reason given at {@link #STATUS}.
   */
  public static final String CHANGED = "orch.monitor.changed";

  /** A send timeout long enough for {@link #STATUS} with {@code refresh: true}, in milliseconds. */
  public static final long REFRESH_TIMEOUT_MS = 15_000;

  /** A send timeout for a cached {@link #STATUS} read, in milliseconds. */
  public static final long READ_TIMEOUT_MS = 5_000;

  private MonitorAddresses() {}
}
