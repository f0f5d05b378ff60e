package dev.orch.kernel.executor;

import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.executor.TaskStore.GitTask;
import dev.orch.kernel.git.GitWorkspaces;
import dev.orch.kernel.git.PullRequests;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The git side of a task of a project on a repository (docs/git.md): before the attempt, the project's
 * branch and worktree and the task's own worktree; after it, the task's commit and its landing on the
 * project branch, each announced as an event. Git runs on worker threads; the database records where
 * things stand after each step, so a restart finds them.
 */
final class GitSteps {
  private static final Logger LOG = LoggerFactory.getLogger(GitSteps.class);

  /** A task's work conflicts with the project branch; the attempt's output and spend are in {@link TaskRun.Failed}. */
  static final class Conflict extends RuntimeException {
    final List<String> files;
    final String keptOn;

    Conflict(List<String> files, String keptOn) {
      super("Merge conflict with the project branch in " + String.join(", ", files), null, false, false);
      this.files = files;
      this.keptOn = keptOn;
    }
  }

  /** A git task ready to run: its project's tree and its facts. */
  record Prepared(GitTask task, GitWorkspaces.ProjectTree tree, Path worktree) {}

  private final Vertx vertx;
  private final GitWorkspaces spaces;
  private final PullRequests pulls;
  private final TaskStore store;
  private final Progress progress;
  private final Clock clock;

  GitSteps(Vertx vertx, GitWorkspaces spaces, PullRequests pulls, TaskStore store, Progress progress, Clock clock) {
    this.vertx = vertx;
    this.spaces = spaces;
    this.pulls = pulls;
    this.store = store;
    this.progress = progress;
    this.clock = clock;
  }

  /**
   * A git project completed: with {@code git.auto_pr}, its branch is pushed to {@code git.pr_remote}
   * and, with a forge configured, a pull request is opened (once: the project's git state remembers
   * it). Best effort: a failure is logged and kept in the git state, the project stays completed.
   */
  Future<Void> finished(String projectId) {
    if (!spaces.config().enabled() || !spaces.config().autoPr()) {
      return Future.succeededFuture();
    }
    return store.gitFinish(projectId).compose(f -> {
      if (f == null || f.state().containsKey("pull_request")) {
        return Future.<Void>succeededFuture();
      }
      String remote = spaces.config().prRemote();
      Path repo = Path.of(f.repoPath());
      return vertx.<Boolean>executeBlocking(() -> {
        if (spaces.remoteUrl(repo, remote) == null) {
          return false;
        }
        spaces.push(repo, remote, f.projectBranch());
        return true;
      }, false).compose(pushed -> {
        if (!pushed) {
          LOG.info("project branch not pushed: no such remote [project: {}, remote: {}]", projectId, remote);
          return store.gitState(projectId, f.state().put("push", new JsonObject().put("result", "no_remote")
              .put("remote", remote)));
        }
        JsonObject state = f.state().put("push", new JsonObject().put("result", "pushed").put("remote", remote)
            .put("at", Times.now(clock)));
        progress.emit(projectId, null, EventTypes.GIT_PUSH, "Pushed " + f.projectBranch() + " to " + remote,
            new JsonObject().put("remote", remote).put("branch", f.projectBranch()));
        if (!pulls.configured()) {
          return store.gitState(projectId, state);
        }
        return pulls.open(f.projectBranch(), f.baseBranch(), f.name(), pullRequestBody(f)).compose(opened -> {
          progress.emit(projectId, null, EventTypes.PR_OPENED, "Pull request opened: " + opened.url(),
              new JsonObject().put("url", opened.url()).put("number", opened.number()));
          return store.gitState(projectId, state.put("pull_request", new JsonObject().put("url", opened.url())
              .put("number", opened.number())));
        }, err -> store.gitState(projectId, state.put("pull_request_error", err.getMessage())));
      });
    }).recover(err -> {
      LOG.warn("push or pull request failed [project: {}, reason: {}]", projectId, err.getMessage());
      return store.gitStateOf(projectId).compose(state -> store.gitState(projectId,
          state.put("push", new JsonObject().put("result", "failed").put("error", err.getMessage()))));
    });
  }

  /** The pull request's body: the tasks with their commits, the requirements they cover, and the cost. */
  static String pullRequestBody(TaskStore.GitFinish f) {
    StringBuilder out = new StringBuilder("Opened by Orch for project **").append(f.name()).append("**.\n\n")
        .append("| task | status | commit | requirements |\n| --- | --- | --- | --- |\n");
    java.util.TreeSet<String> covered = new java.util.TreeSet<>();
    double cost = 0;
    for (dev.orch.kernel.store.Sql.Rec t : f.tasks()) {
      JsonArray reqs = dev.orch.kernel.state.TaskView.jsonArray(t.getString("requirement_ids_json"));
      boolean done = "completed".equals(t.getString("status"));
      if (done) {
        reqs.forEach(r -> covered.add(String.valueOf(r)));
      }
      Double c = t.getDouble("cost_usd");
      cost += c == null ? 0 : c;
      String sha = t.getString("git_commit_sha");
      out.append("| ").append(t.getString("title").replace("|", "\\|").replace("\n", " ")).append(" | ")
          .append(t.getString("status")).append(" | ").append(sha == null ? "" : sha.substring(0, Math.min(10, sha.length())))
          .append(" | ").append(String.join(", ", reqs.stream().map(String::valueOf).toList())).append(" |\n");
    }
    out.append("\nRequirements covered: ").append(covered.isEmpty() ? "none" : String.join(", ", covered))
        .append("\n\nCost: $").append(String.format(java.util.Locale.ROOT, "%.4f", cost)).append('\n');
    return out.toString();
  }

  /** The task's worktree made ready, or null when its project has no repository (or git is off). */
  Future<Prepared> prepare(Claimed task, boolean onRepository) {
    if (!onRepository || !spaces.config().enabled()) {
      return Future.succeededFuture();
    }
    return store.gitTask(task.id()).compose(git -> {
      if (git == null || git.repoPath() == null) {
        return Future.succeededFuture();
      }
      return vertx.<Prepared>executeBlocking(() -> {
        GitWorkspaces.ProjectTree tree = spaces.ensureProject(git.projectId(), git.projectName(),
            Path.of(git.repoPath()), git.baseBranch(), git.projectBranch());
        return new Prepared(git, tree, spaces.prepareTask(tree, git.projectId(), task.id()));
      }, false).compose(p -> (p.tree().branch().equals(git.projectBranch()) ? Future.<Void>succeededFuture()
          : store.gitProjectReady(git.projectId(), p.tree().baseBranch(), p.tree().branch(),
              p.tree().worktree().toString())).map(p));
    });
  }

  /**
   * Commits the task's work on its task branch and, with {@code integrate}, lands it on the project
   * branch. A task that is verified first lands only once accepted ({@link #accepted}): a retry with
   * feedback builds on its task branch, and the project branch gets one commit for it. Fails with
   * {@link Conflict} when the work conflicts (recorded in the project's git state and announced).
   */
  Future<Void> land(Claimed task, Prepared p, String output, boolean integrate) {
    String projectId = task.projectId();
    return vertx.<String>executeBlocking(() -> {
      String sha = spaces.commitTask(p.tree(), projectId, task.id(), task.title(), p.task().requirementIds(), output);
      if (!integrate) {
        spaces.dropTask(p.tree(), projectId, task.id(), false);
      }
      return sha;
    }, false).compose(sha -> {
      progress.emit(projectId, task.id(), EventTypes.GIT_COMMIT, task.title() + ": committed",
          new JsonObject().put("branch", spaces.taskBranch(projectId, task.id())).put("sha", sha));
      return integrate ? integrate(task, p.task(), p.tree()) : Future.succeededFuture();
    });
  }

  /**
   * A verified task was accepted: its task branch lands on the project branch now (nothing when it
   * has no task branch: no repository, or it landed before). Fails with {@link Conflict}.
   */
  Future<Void> accepted(Claimed task) {
    if (!spaces.config().enabled()) {
      return Future.succeededFuture();
    }
    return store.gitTask(task.id()).compose(git -> {
      if (git == null || git.repoPath() == null || git.projectBranch() == null) {
        return Future.succeededFuture();
      }
      return vertx.<GitWorkspaces.ProjectTree>executeBlocking(() -> {
        GitWorkspaces.ProjectTree tree = spaces.ensureProject(git.projectId(), git.projectName(),
            Path.of(git.repoPath()), git.baseBranch(), git.projectBranch());
        return spaces.hasTaskBranch(tree, git.projectId(), task.id()) ? tree : null;
      }, false).compose(tree -> tree == null ? Future.succeededFuture() : integrate(task, git, tree));
    });
  }

  /**
   * A person approved a task in review: its work (whatever it left: a task branch, a conflict branch,
   * files in its worktree, or only its output) lands on the project branch as one commit, as every
   * completed task's does. Nothing for a project without a repository, or when it landed before.
   * Fails with {@link Conflict}.
   */
  Future<Void> approved(Claimed task, String output) {
    if (!spaces.config().enabled()) {
      return Future.succeededFuture();
    }
    return store.gitTask(task.id()).compose(git -> {
      if (git == null || git.repoPath() == null) {
        return Future.succeededFuture();
      }
      return vertx.<GitWorkspaces.ProjectTree>executeBlocking(() -> {
        GitWorkspaces.ProjectTree tree = spaces.ensureProject(git.projectId(), git.projectName(),
            Path.of(git.repoPath()), git.baseBranch(), git.projectBranch());
        return spaces.readyForApproval(tree, git.projectId(), task.id(), task.title(), git.requirementIds(), output)
            ? tree : null;
      }, false).compose(tree -> {
        if (tree == null) {
          return Future.succeededFuture();
        }
        Future<Void> ready = tree.branch().equals(git.projectBranch()) ? Future.succeededFuture()
            : store.gitProjectReady(git.projectId(), tree.baseBranch(), tree.branch(), tree.worktree().toString());
        return ready.compose(v -> integrate(task, git, tree));
      });
    });
  }

  private Future<Void> integrate(Claimed task, GitTask git, GitWorkspaces.ProjectTree tree) {
    String projectId = task.projectId();
    return vertx.<Landing>executeBlocking(() -> {
      GitWorkspaces.Integration done = spaces.integrate(tree, projectId, task.id(), task.title(), git.requirementIds());
      GitWorkspaces.State state = null;
      if (done instanceof GitWorkspaces.Merged) {
        spaces.dropTask(tree, projectId, task.id(), true);
        state = spaces.state(tree.repo(), tree.baseBranch(), tree.branch());
      }
      return new Landing(done, state);
    }, false).compose(landing -> {
      if (landing.done() instanceof GitWorkspaces.Conflict c) {
        JsonObject last = new JsonObject().put("task_id", task.id()).put("result", "conflict")
            .put("files", new JsonArray(c.files())).put("kept_on", c.taskBranch()).put("at", Times.now(clock));
        return store.gitStateOf(projectId).compose(state -> store.gitState(projectId, state.put("last_merge", last)))
            .compose(v -> Future.failedFuture(new Conflict(c.files(), c.taskBranch())));
      }
      GitWorkspaces.Merged merged = (GitWorkspaces.Merged) landing.done();
      GitWorkspaces.State s = landing.state();
      return store.gitStateOf(projectId).compose(state -> {
        state.put("head", s.head()).put("ahead", s.ahead()).put("behind", s.behind())
            .put("last_merge", new JsonObject().put("task_id", task.id()).put("result", "merged")
                .put("sha", merged.sha()).put("how", merged.how()).put("at", Times.now(clock)));
        return store.gitLanded(task.id(), tree.branch(), merged.sha(), projectId, state);
      }).onSuccess(v -> {
        LOG.info("task landed on project branch [project: {}, task: {}, sha: {}, how: {}]", projectId, task.id(),
            merged.sha(), merged.how());
        progress.emit(projectId, task.id(), EventTypes.GIT_MERGE, task.title() + ": merged into " + tree.branch(),
            new JsonObject().put("branch", tree.branch()).put("sha", merged.sha()).put("how", merged.how())
                .put("head", s.head()).put("ahead", s.ahead()).put("behind", s.behind()));
      });
    });
  }

  private record Landing(GitWorkspaces.Integration done, GitWorkspaces.State state) {}
}
