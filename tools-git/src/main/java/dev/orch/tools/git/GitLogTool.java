package dev.orch.tools.git;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.pf4j.Extension;

/** {@code git_log}: recent commits of the project's repository, one line each. */
@Extension
public final class GitLogTool implements Tool {
  static final int DEFAULT_COUNT = 20;
  static final int MAX_COUNT = 200;

  @Override
  public String name() {
    return "git_log";
  }

  @Override
  public String description() {
    return "List recent commits of the project's git repository, newest first, one per line: short hash, date,"
        + " author, subject. Optionally from a revision (ref) or for one file or folder (path). Read-only.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("max_count", GitArgs.property("integer", "How many commits, 1 to " + MAX_COUNT + "; default "
            + DEFAULT_COUNT))
        .put("ref", GitArgs.property("string", "Start from this revision or range, e.g. main or main..feature"))
        .put("path", GitArgs.property("string", "Only commits touching this file or folder, relative to the repository")));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> {
      int count = GitArgs.count(arguments, "max_count", DEFAULT_COUNT, MAX_COUNT);
      String ref = GitArgs.ref(arguments, "ref");
      String path = GitArgs.path(arguments, "path");
      List<String> args = new ArrayList<>(List.of("log", "--no-color", "--no-ext-diff", "--no-textconv",
          "--date=short", "--format=%h %ad %an: %s", "-n", String.valueOf(count)));
      if (ref != null) {
        args.add("--end-of-options");
        args.add(ref);
      }
      args.add("--");
      if (path != null) {
        args.add(path);
      }
      String out = new Git(context.vertx(), GitSettings.from(context.config())).run(context.workspace(), "git log", args);
      return out.isBlank() ? "No commits." : out.stripTrailing();
    }, false);
  }
}
