package dev.orch.tools.git;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.pf4j.Extension;

/** {@code git_diff}: changes of the project's repository, unstaged, staged or against a revision. */
@Extension
public final class GitDiffTool implements Tool {

  @Override
  public String name() {
    return "git_diff";
  }

  @Override
  public String description() {
    return "Show changes in the project's git repository as a unified diff: by default the unstaged changes;"
        + " staged=true for staged ones; ref to compare with a revision (e.g. HEAD~1, main, main..feature);"
        + " path to limit it to a file or folder; stat=true for a summary. Read-only.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("staged", GitArgs.property("boolean", "Show staged changes instead of unstaged ones"))
        .put("ref", GitArgs.property("string", "A revision or range to diff against, e.g. HEAD~1 or main..feature"))
        .put("path", GitArgs.property("string", "Limit the diff to this file or folder, relative to the repository"))
        .put("stat", GitArgs.property("boolean", "Only a summary of changed files and line counts")));
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> {
      boolean staged = GitArgs.bool(arguments, "staged");
      boolean stat = GitArgs.bool(arguments, "stat");
      String ref = GitArgs.ref(arguments, "ref");
      String path = GitArgs.path(arguments, "path");
      List<String> args = new ArrayList<>(List.of("diff", "--no-color", "--no-ext-diff", "--no-textconv"));
      if (staged) {
        args.add("--cached");
      }
      if (stat) {
        args.add("--stat");
      }
      if (ref != null) {
        args.add("--end-of-options");
        args.add(ref);
      }
      args.add("--");
      if (path != null) {
        args.add(path);
      }
      String out = new Git(context.vertx(), GitSettings.from(context.config())).run(context.workspace(), "git diff", args);
      if (out.isBlank()) {
        return ref != null ? "No differences to " + ref + "." : staged ? "No staged changes." : "No unstaged changes.";
      }
      return out.stripTrailing();
    }, false);
  }
}
