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
 * @param config the plugin's configuration: its own section of the server configuration,
 *     {@code tools.<plugin-id>} (no keys when absent), plus the shared service sections
 *     {@code ollama}, {@code comfyui} (each with {@code hosts}: key → base URL, as the server checks
 *     them, {@code OLLAMA_HOST} included as {@code env}), {@code git} and {@code rag} under their own
 *     names, which a plugin's own section may not use. Nothing else of the server configuration
 *     (keys, secrets) is in it. A copy, so a tool may not change what other calls see
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
