package dev.orch.tool;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.pf4j.ExtensionPoint;

/**
 * A capability the executor offers to a model. A plugin contributes each tool as one PF4J
 * {@code @Extension} class implementing this interface.
 *
 * <p>The kernel creates each extension once per plugin start and calls {@link #invoke} on a Vert.x
 * context, possibly for several tasks at once: implementations keep no per-call state in fields
 * and must not block the calling thread. Blocking work (files, subprocesses, JDBC) goes through
 * {@code context.vertx().executeBlocking(...)}. (The kernel starts each call on a small worker pool
 * of the plugin's own, so that a plugin that blocks by mistake stalls only its own calls; the
 * callbacks of the futures a tool uses may still run on an event loop.) The kernel bounds every call
 * with {@code execution.tool_timeout_sec}; a tool should still put its own timeout on every external
 * call, so it fails with a useful message before the kernel gives up on it.
 *
 * @since 1.0
 */
public interface Tool extends ExtensionPoint {

  /**
   * Stable, unique name the model calls the tool by, e.g. {@code read_file}: lower case letters,
   * digits and underscores, 1 to 64 characters. A second tool offering a name already registered is
   * refused by the kernel.
   */
  String name();

  /** One or two sentences the model reads to decide when to call the tool. */
  String description();

  /** JSON Schema (draft 2020-12 subset the providers accept) of the arguments object. */
  JsonObject parameters();

  /**
   * The JSON Schema of the arguments for this configuration: the same {@code config} object the
   * host hands to {@link #invoke} in {@link ToolContext#config()}. A tool whose arguments depend on
   * the configuration (an {@code enum} of the configured database names, of the configured hosts)
   * overrides this; the host offers models this schema rather than {@link #parameters()}.
   *
   * @since 1.1
   */
  default JsonObject parameters(JsonObject config) {
    return parameters();
  }

  /**
   * Runs the tool once.
   *
   * @param arguments the model's arguments, as given (validate them: the model may send anything)
   * @param context the calling task's view of the kernel
   * @return the text handed back to the model. Fails with {@link ToolException} for expected
   *     problems (bad arguments, a refused path, a resource that is down): its message is shown to
   *     the model. Any other failure is logged and shown to the model only as a generic error.
   */
  Future<String> invoke(JsonObject arguments, ToolContext context);
}
