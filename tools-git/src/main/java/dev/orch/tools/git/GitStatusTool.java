package dev.orch.tools.git;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.pf4j.Extension;

/** {@code git_status}: the branch and the changed and untracked files of the project's repository. */
@Extension
public final class GitStatusTool implements Tool {

  @Override
  public String name() {
    return "git_status";
  }

  @Override
  public String description() {
    return "Show the current branch and the changed, staged and untracked files of the project's git repository"
        + " (git status --short --branch). Read-only.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object").put("properties", new JsonObject());
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    return context.vertx().executeBlocking(() -> {
      Git git = new Git(context.vertx(), GitSettings.from(context.config()));
      String out = git.run(context.workspace(), "git status", List.of("status", "--short", "--branch",
          "--untracked-files=normal"));
      return out.lines().count() <= 1 ? out.strip() + "\nNothing to commit, working tree clean" : out.stripTrailing();
    }, false);
  }
}
