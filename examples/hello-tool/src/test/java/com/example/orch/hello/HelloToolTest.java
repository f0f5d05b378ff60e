package com.example.orch.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A tool is tested on its own: give it a context, call it, look at the text. */
class HelloToolTest {
  private final Vertx vertx = Vertx.vertx();
  @TempDir Path workspace;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private ToolContext context(JsonObject config) {
    return new ToolContext(vertx, "p1", "t1", workspace, config, LoggerFactory.getLogger("hello"));
  }

  @Test
  @DisplayName("greets with the configured greeting")
  void greets() throws Exception {
    String text = new HelloTool().invoke(new JsonObject().put("name", "Ada"),
        context(new JsonObject().put("greeting", "Good morning"))).await(5, TimeUnit.SECONDS);
    assertEquals("Good morning, Ada! (project p1)", text);
  }

  @Test
  @DisplayName("a missing name is a message for the model")
  void needsName() {
    var failure = assertThrows(ToolException.class, () -> new HelloTool().invoke(new JsonObject(), context(null))
        .await(5, TimeUnit.SECONDS));
    assertEquals("name is required: the name of the person to greet", failure.getMessage());
  }
}
