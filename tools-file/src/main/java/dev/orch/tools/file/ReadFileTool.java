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
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.pf4j.Extension;

/** {@code read_file}: the text of one file of the project, cut at 50,000 characters with a note. */
@Extension
public final class ReadFileTool implements Tool {
  // Enough bytes for MAX_READ_CHARS characters of any UTF-8 text, plus one to see there is more.
  private static final int MAX_READ_BYTES = 4 * FileSettings.MAX_READ_CHARS + 4;
  private static final int BINARY_SNIFF_BYTES = 8_000;

  @Override
  public String name() {
    return "read_file";
  }

  @Override
  public String description() {
    return "Read a text file of the project's folder. Paths are relative to that folder, e.g. src/Main.java."
        + " Files longer than " + FileSettings.MAX_READ_CHARS + " characters are cut, with a note.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("path", Args.stringProperty("File path relative to the project folder")))
        .put("required", new JsonArray().add("path"));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> read(arguments, context), false);
  }

  private String read(JsonObject arguments, ToolContext context) throws IOException {
    String raw = Args.string(arguments, "path");
    Sandbox sandbox = Sandbox.of(context.workspace());
    Path file = sandbox.resolve(raw);
    BasicFileAttributes attrs = Files2.attributes(file, raw);
    if (attrs.isDirectory()) {
      throw new ToolException(Sandbox.shown(raw) + " is a folder; use list_files to see what it holds");
    }
    if (!attrs.isRegularFile()) {
      throw new ToolException("Refused: " + Sandbox.shown(raw) + " is not a regular file");
    }
    byte[] head;
    try (InputStream in = Channels.newInputStream(Files2.openRead(file, raw))) {
      head = in.readNBytes(MAX_READ_BYTES);
    }
    for (int i = 0; i < Math.min(head.length, BINARY_SNIFF_BYTES); i++) {
      if (head[i] == 0) {
        throw new ToolException(Sandbox.shown(raw) + " looks like a binary file (" + attrs.size()
            + " bytes); read_file reads text only");
      }
    }
    String text = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPLACE)
        .onUnmappableCharacter(CodingErrorAction.REPLACE)
        .decode(ByteBuffer.wrap(head)).toString();
    boolean more = head.length == MAX_READ_BYTES || text.length() > FileSettings.MAX_READ_CHARS;
    if (!more) {
      return text;
    }
    int cut = FileSettings.MAX_READ_CHARS;
    if (Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--; // never split a character in two
    }
    return text.substring(0, cut) + "\n\n[Cut at " + FileSettings.MAX_READ_CHARS + " characters: "
        + sandbox.relative(file) + " is " + attrs.size() + " bytes long. Only the beginning is shown.]";
  }
}
