package dev.orch.tools.file;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.pf4j.Extension;

/**
 * {@code list_files}: the files and folders under a folder of the project, one path per line, relative
 * to the project folder (folders end with {@code /}). Links are listed, never followed; {@code .git}
 * is left out.
 */
@Extension
public final class ListFilesTool implements Tool {
  static final int MAX_DEPTH = 32;

  @Override
  public String name() {
    return "list_files";
  }

  @Override
  public String description() {
    return "List the files and folders in a folder of the project (default: the project folder itself), one path"
        + " per line relative to the project folder; folders end with '/'. Set recursive to list everything below.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("path", Args.stringProperty("Folder relative to the project folder; default '.'"))
            .put("recursive", new JsonObject().put("type", "boolean")
                .put("description", "List the whole tree below the folder; default false")));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> list(arguments, context), false);
  }

  private String list(JsonObject arguments, ToolContext context) throws IOException {
    String raw = Args.optionalString(arguments, "path", ".");
    boolean recursive = Args.optionalBool(arguments, "recursive", false);
    FileSettings settings = FileSettings.from(context.config());
    Sandbox sandbox = Sandbox.of(context.workspace());
    Path folder = sandbox.resolve(raw);
    BasicFileAttributes attrs = Files2.attributes(folder, raw);
    if (!attrs.isDirectory()) {
      throw new ToolException(Sandbox.shown(raw) + " is not a folder; use read_file to read a file");
    }
    List<String> lines = new ArrayList<>();
    boolean[] more = {false};
    Files.walkFileTree(folder, EnumSet.noneOf(java.nio.file.FileVisitOption.class), recursive ? MAX_DEPTH : 1,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
            if (dir.equals(folder)) {
              return FileVisitResult.CONTINUE;
            }
            if (dir.getFileName().toString().toLowerCase(Locale.ROOT).equals(".git")) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            return add(sandbox.relative(dir) + "/");
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
            String name = file.getFileName().toString();
            if (name.toLowerCase(Locale.ROOT).equals(".git")) {
              return FileVisitResult.CONTINUE;
            }
            // At the depth limit folders arrive here, not in preVisitDirectory.
            String suffix = a.isDirectory() ? "/" : a.isSymbolicLink() ? " (symbolic link)" : "";
            return add(sandbox.relative(file) + suffix);
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return add(sandbox.relative(file) + " (unreadable)");
          }

          // Stops the walk at the limit: a huge tree costs no more than the entries shown.
          private FileVisitResult add(String line) {
            if (lines.size() >= settings.maxListEntries()) {
              more[0] = true;
              return FileVisitResult.TERMINATE;
            }
            lines.add(line);
            return FileVisitResult.CONTINUE;
          }
        });
    lines.sort(null);
    if (lines.isEmpty()) {
      return "(" + sandbox.relative(folder) + " is empty)";
    }
    String out = String.join("\n", lines);
    if (more[0]) {
      out += "\n\n[Showing the first " + lines.size() + " entries found; there are more. List a subfolder to see"
          + " the rest.]";
    }
    return out;
  }
}
