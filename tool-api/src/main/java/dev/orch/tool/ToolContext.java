package dev.orch.tool;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * The plugin's only view of the kernel for one call.
 *
 * @param vertx the kernel's Vert.x instance, for timers, HTTP clients and blocking work
 * @param projectId the project the calling task belongs to; set by the kernel, never by the model
 * @param taskId the calling task
 * @param workspace the project's sandbox folder (for a project on a git repository, its worktree):
 *     it exists when the call starts, and file tools must not reach outside it
 * @param config the plugin's section of the server configuration, {@code tools.<plugin-id>}
 *     (empty when absent); a copy, so a tool may not change what other calls see
 * @param log the plugin's logger; never log secrets or whole prompts at INFO
 * @since 1.0
 */
public record ToolContext(Vertx vertx, String projectId, String taskId, Path workspace, JsonObject config,
    Logger log) {
  public ToolContext {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(projectId, "projectId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(workspace, "workspace");
    Objects.requireNonNull(log, "log");
    config = config == null ? new JsonObject() : config.copy();
  }

  @Override
  public JsonObject config() {
    return config.copy();
  }
}
