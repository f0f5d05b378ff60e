package dev.orch.tool;

/**
 * Event-bus contract of the tool host. Bodies are JSON objects, so every address works across a
 * cluster: a tool whose plugin is installed on one node is callable from every node.
 *
 * @since 1.0
 */
public final class ToolAddresses {
  /**
   * Prefix of the address one tool is invoked at: {@code orch.tools.invoke.<name>}. Request
   * {@code {"arguments": {...}, "project_id": "...", "task_id": "..."}}; reply
   * {@code {"result": "text"}}. Every failure text is written for the model, which sees it as the
   * tool's result: code 400 with the tool's message for a {@link ToolException} that is not
   * retryable (or a malformed request), 503 with its message for a retryable one (or a tool whose
   * plugin is being unloaded), 504 {@code Tool error: TimeoutException: operation failed} when the
   * call timed out, 500 {@code Tool error: {ExceptionClass}: operation failed} for anything else (the
   * details only in the host's log).
   */
  public static final String INVOKE_PREFIX = "orch.tools.invoke.";

  /**
   * Request (any body) to this node's host: each node answers for itself. Reply
   * {@code {"tools": [{"name", "description", "parameters", "plugin", "version", "local"}]}}: the
   * tools this node's host registered ({@code "local": true}), then those only other nodes of the
   * cluster offer ({@code "local": false}, with their {@code "node"}), one entry per name. Invoke a
   * local tool with {@code DeliveryOptions.setLocalOnly(true)}, so that a tool working on files acts
   * on this node's folders.
   */
  public static final String LIST = "orch.tools.list";

  /**
   * Published by a host when its set of tools changed (a plugin loaded, unloaded or failed):
   * {@code {"node": "...", "tools": ["name", ...]}} with that node's tools after the change.
   */
  public static final String CHANGED = "orch.tools.changed";

  /**
   * Request (any body) to this node's host. Reply {@code {"resources": [ResourceOut, ...]}}: one
   * resource per jar in this node's plugins folder, as {@code /api/services} shows it (id
   * {@code plugin_<plugin id>}, category {@code plugin}, details with its tools and last error).
   *
   * @since 1.0
   */
  public static final String PLUGINS = "orch.tools.plugins";

  /** The address one tool is invoked at. */
  public static String invoke(String toolName) {
    return INVOKE_PREFIX + toolName;
  }

  private ToolAddresses() {}
}
