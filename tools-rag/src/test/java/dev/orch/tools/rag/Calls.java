package dev.orch.tools.rag;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/** Calls a tool as the kernel would: a context with the configuration's rag and ollama sections. */
final class Calls {
  private Calls() {}

  static ToolContext context(Vertx vertx, Path workspace, JsonObject config) {
    return new ToolContext(vertx, "project-1", "task-1", workspace, config, LoggerFactory.getLogger("tools-rag"));
  }

  /** The tool's answer; an expected failure is thrown as the {@link ToolException} it is. */
  static String call(Tool tool, ToolContext context, JsonObject arguments) {
    try {
      return tool.invoke(arguments, context).await(60, TimeUnit.SECONDS);
    } catch (ToolException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The configuration a host hands the plugin: {@code {"rag": {...}, "ollama": {...}}}. */
  static JsonObject config(JsonObject databases, String ollamaHost) {
    return new JsonObject()
        .put("rag", new JsonObject().put("databases", databases).put("embed_dimensions", 768)
            .put("default_top_k", 5).put("max_top_k", 20))
        .put("ollama", new JsonObject().put("hosts", ollamaHost == null ? new JsonObject()
                : new JsonObject().put("local", ollamaHost))
            .put("embed_model", LocalOllama.MODEL).put("embed_timeout", 5.0))
        .put("tools-rag", new JsonObject());
  }
}
