package dev.orch.kernel.git;

import dev.orch.kernel.bus.OrchestratorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a folder may be a project's repository: git is on, the folder exists, it is the top of a git
 * repository, and its real path (links resolved) lies under one of {@code git.allowed_roots}. Blocking.
 */
public final class GitRepos {
  private final Git git;
  private final io.vertx.core.Vertx vertx;

  public GitRepos(Git git) {
    this(git, null);
  }

  /** With {@code vertx}, for {@link #check}, which runs the validation on a worker thread. */
  public GitRepos(Git git, io.vertx.core.Vertx vertx) {
    this.git = git;
    this.vertx = vertx;
  }

  /** {@link #validate} on a worker thread: the repository's real path, as text. */
  public io.vertx.core.Future<String> check(String repoPath) {
    return vertx.executeBlocking(() -> validate(repoPath).toString(), false);
  }

  /**
   * The repository's real path.
   *
   * @throws OrchestratorException 403 when git is off or the folder is outside the allowed roots,
   *     422 when it does not exist or is not a repository
   */
  public Path validate(String repoPath) {
    GitConfig config = git.config();
    if (!config.enabled()) {
      throw OrchestratorException.forbidden("Git projects are turned off on this server (git.enabled is false)");
    }
    if (config.allowedRoots().isEmpty()) {
      throw OrchestratorException.forbidden("repo_path is not allowed: this server allows no repositories"
          + " (git.allowed_roots is empty)");
    }
    Path real;
    try {
      real = Path.of(repoPath).toRealPath();
    } catch (IOException | RuntimeException e) {
      throw new OrchestratorException(422, "repo_path does not exist");
    }
    if (!underAllowedRoot(real, config)) {
      throw OrchestratorException.forbidden("repo_path is outside the allowed repository roots (git.allowed_roots)");
    }
    if (!Files.isDirectory(real)) {
      throw new OrchestratorException(422, "repo_path is not a folder");
    }
    Git.Out top = git.exec(real, "rev-parse", "--show-toplevel");
    if (!top.ok() || !Path.of(top.stdout().strip()).equals(real)) {
      throw new OrchestratorException(422, "repo_path is not the top folder of a git repository");
    }
    return real;
  }

  static boolean underAllowedRoot(Path real, GitConfig config) {
    for (Path root : config.allowedRoots()) {
      Path rootReal;
      try {
        rootReal = root.toRealPath();
      } catch (IOException e) {
        continue;
      }
      if (real.startsWith(rootReal)) {
        return true;
      }
    }
    return false;
  }
}
