package dev.orch.kernel.tools;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.git.GitWorkspaces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The one place that maps a task to the folder its tools work in: for a task of a project on a git
 * repository, the task's worktree while it runs ({@code $ORCH_DATA_DIR/git/{project_id}/tasks/{task_id}/},
 * see docs/git.md); otherwise the project's folder {@code $ORCH_DATA_DIR/projects/{project_id}/},
 * created on first use.
 */
public final class Workspaces {
  /** Project ids are 12 hex characters; anything that could be a path step is refused outright. */
  private static final Pattern PROJECT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final Vertx vertx;
  private final Path dataDir;

  public Workspaces(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.dataDir = dataDir;
  }

  /** The folder of {@code projectId} under {@code dataDir}, without touching the disk. */
  public static Path path(Path dataDir, String projectId) {
    if (projectId == null || !PROJECT_ID.matcher(projectId).matches()) {
      throw OrchestratorException.badRequest("invalid project id");
    }
    return dataDir.resolve("projects").resolve(projectId);
  }

  /** The folder of {@code projectId}, created when missing (on a worker thread). Fails 400 for a bad id. */
  public Future<Path> of(String projectId) {
    Path folder;
    try {
      folder = path(dataDir, projectId);
    } catch (OrchestratorException e) {
      return Future.failedFuture(e);
    }
    return vertx.executeBlocking(() -> Files.createDirectories(folder), false);
  }

  /**
   * The folder {@code taskId}'s tools work in: its git worktree when it has one (the executor made it
   * before the attempt started), else the project's folder. Fails 400 for a bad id.
   */
  public Future<Path> of(String projectId, String taskId) {
    Path worktree;
    try {
      path(dataDir, projectId);
      worktree = taskId == null ? null : GitWorkspaces.taskWorktree(dataDir, projectId, taskId);
    } catch (OrchestratorException e) {
      return Future.failedFuture(e);
    }
    if (worktree == null) {
      return of(projectId);
    }
    return vertx.<Boolean>executeBlocking(() -> Files.isDirectory(worktree.resolve(".git"))
            || Files.isRegularFile(worktree.resolve(".git")), false)
        .compose(isTree -> isTree ? Future.succeededFuture(worktree) : of(projectId));
  }
}
