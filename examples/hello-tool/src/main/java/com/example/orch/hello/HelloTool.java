package com.example.orch.hello;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.pf4j.Extension;

/**
 * The tool {@code hello}: greets someone. One {@code @Extension} class per tool; the server makes one
 * instance per plugin start and may call it for several tasks at once, so it keeps no per-call state.
 */
@Extension
public class HelloTool implements Tool {

  @Override
  public String name() {
    return "hello";
  }

  @Override
  public String description() {
    return "Greet someone by name.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject()
        .put("type", "object")
        .put("properties", new JsonObject()
            .put("name", new JsonObject().put("type", "string").put("description", "Who to greet")))
        .put("required", new JsonArray().add("name"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    // The model may send anything: check the arguments, and answer a mistake with a ToolException,
    // whose message the model reads.
    if (!(arguments.getValue("name") instanceof String name) || name.isBlank()) {
      return Future.failedFuture(new ToolException("name is required: the name of the person to greet"));
    }
    // The plugin's configuration is the server's section tools.hello.
    String greeting = context.config().getString("greeting", "Hello");
    context.log().debug("greeting [project: {}, task: {}]", context.projectId(), context.taskId());
    return Future.succeededFuture(greeting + ", " + name + "! (project " + context.projectId() + ")");
  }
}
