package dev.orch.tool;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.pf4j.ExtensionPoint;

/**
 * A capability the executor offers to a model. A plugin contributes tools as PF4J extensions.
 *
 * <p>Implementations must not block the calling thread: blocking work goes through
 * {@code context.vertx().executeBlocking(...)}.
 */
public interface Tool extends ExtensionPoint {

  /** Stable unique name the model calls the tool by, e.g. {@code read_file}. */
  String name();

  /** One or two sentences the model reads to decide when to call the tool. */
  String description();

  /** JSON Schema of the arguments object. */
  JsonObject parameters();

  /**
   * Runs the tool once.
   *
   * @return the text handed back to the model; fails with {@link ToolException} for expected
   *     problems (bad arguments, a resource that is down)
   */
  Future<String> invoke(JsonObject arguments, ToolContext context);
}
