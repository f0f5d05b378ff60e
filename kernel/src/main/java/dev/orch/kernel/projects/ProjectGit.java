package dev.orch.kernel.projects;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.git.GitWorkspaces;
import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;

/**
 * The git views of the API (docs/git.md): a project branch's log and a task commit's diff, for the
 * project's owner (or an admin). Git runs on worker threads.
 */
public final class ProjectGit {
  /** The largest diff returned, in characters; a longer one is cut and marked {@code truncated}. */
  public static final int MAX_DIFF_CHARS = 200_000;

  private final Vertx vertx;
  private final Db db;
  private final ProjectAccess access;
  private final GitWorkspaces spaces;

  public ProjectGit(Vertx vertx, Db db, ProjectAccess access, GitWorkspaces spaces) {
    this.vertx = vertx;
    this.db = db;
    this.access = access;
    this.spaces = spaces;
  }

  /**
   * The newest {@code limit} commits of the project branch: {@code [{sha, author, email, time, subject,
   * task_id}]}; empty before the first task ran. 404/403 (ownership); 409 for a project without a repository.
   */
  public Future<JsonArray> log(Principal caller, String projectId, int limit) {
    return access.project(caller, projectId).compose(p -> {
      if (p.repoPath() == null) {
        return Future.failedFuture(OrchestratorException.conflict("Project has no repository"));
      }
      if (p.gitProjectBranch() == null) {
        return Future.succeededFuture(new JsonArray());
      }
      return vertx.executeBlocking(() -> {
        JsonArray out = new JsonArray();
        spaces.log(Path.of(p.repoPath()), p.gitProjectBranch(), limit).forEach(e -> out.add(new JsonObject()
            .put("sha", e.sha()).put("author", e.author()).put("email", e.email()).put("time", (double) e.time())
            .put("subject", e.subject()).put("task_id", e.taskId())));
        return out;
      }, false);
    });
  }

  /**
   * The task's commit on the project branch as a patch: {@code {task_id, sha, diff, truncated}}, cut at
   * {@link #MAX_DIFF_CHARS}. 404 when the task is unknown or has no commit yet; 403 when not the owner.
   */
  public Future<JsonObject> diff(Principal caller, String taskId) {
    return access.taskProject(caller, taskId)
        .compose(p -> db.reads().preparedQuery("SELECT git_commit_sha FROM tasks WHERE id = ?")
            .execute(Tuple.of(taskId)).map(rows -> {
              Row row = rows.iterator().hasNext() ? rows.iterator().next() : null;
              return row == null ? null : row.getString("git_commit_sha");
            }).compose(sha -> {
              if (sha == null || p.repoPath() == null) {
                return Future.failedFuture(OrchestratorException.notFound("Task " + taskId + " has no commit"));
              }
              return vertx.executeBlocking(() -> {
                String diff = spaces.show(Path.of(p.repoPath()), sha);
                boolean cut = diff.length() > MAX_DIFF_CHARS;
                return new JsonObject().put("task_id", taskId).put("sha", sha)
                    .put("diff", cut ? diff.substring(0, MAX_DIFF_CHARS) : diff).put("truncated", cut);
              }, false);
            }));
  }
}
