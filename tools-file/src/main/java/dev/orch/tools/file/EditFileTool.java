package dev.orch.tools.file;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.pf4j.Extension;

/**
 * {@code edit_file}: replaces one exact piece of text in a file. The text must occur exactly once, so
 * the model cannot change a place it did not mean.
 */
@Extension
public final class EditFileTool implements Tool {

  @Override
  public String name() {
    return "edit_file";
  }

  @Override
  public String description() {
    return "Replace one exact piece of text in a file of the project's folder. old_string must occur exactly once"
        + " in the file (include enough surrounding lines to make it unique), whitespace included.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("path", Args.stringProperty("File path relative to the project folder"))
            .put("old_string", Args.stringProperty("The exact text to replace; must occur exactly once"))
            .put("new_string", Args.stringProperty("The text to put in its place")))
        .put("required", new JsonArray().add("path").add("old_string").add("new_string"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> edit(arguments, context), false);
  }

  private String edit(JsonObject arguments, ToolContext context) throws IOException {
    String raw = Args.string(arguments, "path");
    String oldString = Args.string(arguments, "old_string");
    String newString = Args.string(arguments, "new_string");
    if (oldString.isEmpty()) {
      throw new ToolException("old_string must not be empty; to create a file use write_file");
    }
    FileSettings settings = FileSettings.from(context.config());
    Sandbox sandbox = Sandbox.of(context.workspace());
    Path file = sandbox.resolve(raw);
    BasicFileAttributes attrs = Files2.attributes(file, raw);
    if (!attrs.isRegularFile()) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is not a regular file");
    }
    if (attrs.size() > settings.maxWriteBytes()) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is " + attrs.size() + " bytes, over the limit of "
          + settings.maxWriteBytes() + " bytes per file");
    }
    String text = readUtf8(file, settings.maxWriteBytes(), raw);
    int first = text.indexOf(oldString);
    if (first < 0) {
      throw new ToolException("old_string was not found in " + sandbox.relative(file)
          + "; read the file and copy the exact text, whitespace included");
    }
    int count = count(text, oldString, first);
    if (count > 1) {
      throw new ToolException("old_string occurs " + count + " times in " + sandbox.relative(file)
          + "; include more surrounding text so that it occurs exactly once");
    }
    String edited = text.substring(0, first) + newString + text.substring(first + oldString.length());
    byte[] bytes = edited.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > settings.maxWriteBytes()) {
      throw new ToolException("Refused: the edited file would be " + bytes.length + " bytes, over the limit of "
          + settings.maxWriteBytes() + " bytes per file");
    }
    Files2.write(file, bytes, raw);
    return "File edited: " + sandbox.relative(file) + " (1 replacement, now " + edited.length() + " chars)";
  }

  private static String readUtf8(Path file, long maxBytes, String raw) throws IOException {
    byte[] bytes;
    try (InputStream in = Channels.newInputStream(Files2.openRead(file, raw))) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    }
    if (bytes.length > maxBytes) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is over the limit of " + maxBytes + " bytes per file");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is not UTF-8 text; edit_file edits text files only");
    }
  }

  private static int count(String text, String needle, int first) {
    int count = 1;
    int at = text.indexOf(needle, first + 1);
    while (at >= 0) {
      count++;
      at = text.indexOf(needle, at + 1);
    }
    return count;
  }
}
