package dev.orch.tools.file;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.pf4j.Extension;

/** {@code write_file}: creates or replaces one file of the project, creating its folders. */
@Extension
public final class WriteFileTool implements Tool {

  @Override
  public String name() {
    return "write_file";
  }

  @Override
  public String description() {
    return "Create or replace a text file in the project's folder, creating missing folders. Paths are relative"
        + " to that folder, e.g. docs/notes.md.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("path", Args.stringProperty("File path relative to the project folder"))
            .put("content", Args.stringProperty("The complete new content of the file")))
        .put("required", new JsonArray().add("path").add("content"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> write(arguments, context), false);
  }

  private String write(JsonObject arguments, ToolContext context) throws IOException {
    String raw = Args.string(arguments, "path");
    String content = Args.string(arguments, "content");
    FileSettings settings = FileSettings.from(context.config());
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > settings.maxWriteBytes()) {
      throw new ToolException("Refused: the content is " + bytes.length + " bytes, over the limit of "
          + settings.maxWriteBytes() + " bytes per file; split it into smaller files");
    }
    Sandbox sandbox = Sandbox.of(context.workspace());
    Path file = sandbox.resolve(raw);
    if (file.equals(sandbox.root())) {
      throw new ToolException("Refused: '" + Sandbox.shown(raw) + "' is the project folder itself; name a file in it");
    }
    BasicFileAttributes existing = Files2.attributesOrNull(file);
    if (existing != null && existing.isDirectory()) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is a folder");
    }
    if (existing != null && !existing.isRegularFile()) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is not a regular file");
    }
    Files2.write(file, bytes, raw);
    context.log().debug("file written [project: {}, path: {}, bytes: {}]", context.projectId(),
        sandbox.relative(file), bytes.length);
    return "File written: " + sandbox.relative(file) + " (" + content.length() + " chars)";
  }
}
