package dev.orch.tool;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The plugin's only view of the kernel for one call.
 *
 * @param vertx the kernel's Vert.x instance, for timers, HTTP clients and blocking work
 * @param projectId the project the calling task belongs to
 * @param workspace the project's sandbox folder; file tools must not reach outside it
 * @param config the tool's slice of the server configuration (may be empty)
 */
public record ToolContext(Vertx vertx, String projectId, Path workspace, JsonObject config) {
  public ToolContext {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(projectId, "projectId");
    Objects.requireNonNull(workspace, "workspace");
    config = config == null ? new JsonObject() : config.copy();
  }
}
