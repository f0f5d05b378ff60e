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
   * {@code {"result": "text"}}. Fails with code 400 and the tool's message for a
   * {@link ToolException} that is not retryable, 503 for a retryable one, 504 when the call timed
   * out, 500 (message hidden) for anything else.
   */
  public static final String INVOKE_PREFIX = "orch.tools.invoke.";

  /**
   * Request (any body); reply {@code {"tools": [{"name", "description", "parameters", "plugin",
   * "version"}]}}: every tool this node's host has registered, with its plugin id and version.
   */
  public static final String LIST = "orch.tools.list";

  /**
   * Published by a host when its set of tools changed (a plugin loaded, unloaded or failed):
   * {@code {"node": "...", "tools": ["name", ...]}} with that node's tools after the change.
   */
  public static final String CHANGED = "orch.tools.changed";

  /** The address one tool is invoked at. */
  public static String invoke(String toolName) {
    return INVOKE_PREFIX + toolName;
  }

  private ToolAddresses() {}
}
