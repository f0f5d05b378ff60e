package dev.orch.kernel.git;

import dev.orch.kernel.bus.OrchestratorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worktrees and branches of projects on git repositories (docs/git.md). A project works on its
 * branch {@code {prefix}/{slug}-{id}}, checked out in a worktree of its own under the data folder; each
 * task works in a worktree of its own on a task branch taken from the project branch's head, and its
 * work is brought onto the project branch as one commit (a squash merge) when it completes. The
 * user's checkout is never touched: nothing here runs {@code checkout}, {@code reset} or {@code clean}
 * in the repository's own folder.
 *
 * <p>Every method blocks (call it on a worker thread). Changes to one repository are serialised by a
 * lock per repository, so parallel tasks and several projects on one repository do not race on its
 * refs or on a worktree.
 */
public final class GitWorkspaces {
  private static final Logger LOG = LoggerFactory.getLogger(GitWorkspaces.class);
  /** The trailer that names a commit's task: a completed task's commit is found by it, never made twice. */
  public static final String TASK_TRAILER = "Orch-Task";
  public static final String REQUIREMENTS_TRAILER = "Orch-Requirements";
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private final Git git;
  private final Path dataDir;

  public GitWorkspaces(Git git, Path dataDir) {
    this.git = git;
    this.dataDir = dataDir;
  }

  public GitConfig config() {
    return git.config();
  }

  /** A project's repository, branch and worktree. */
  public record ProjectTree(Path repo, String baseBranch, String branch, Path worktree) {}

  /** A task's commit made onto the project branch, or the files that conflicted. */
  public sealed interface Integration permits Merged, Conflict {}

  /**
   * The task's commit is on the project branch.
   *
   * @param sha the commit on the project branch
   * @param how {@code squash}, or {@code already} when an earlier run had brought it there (found by
   *     its trailer)
   */
  public record Merged(String sha, String how) implements Integration {}

  /** The task's commit conflicts with the project branch; it stays on {@code taskBranch}. */
  public record Conflict(List<String> files, String taskBranch, String taskSha) implements Integration {}

  /** One commit of a project branch. */
  public record LogEntry(String sha, String author, String email, long time, String subject, String taskId) {}

  /** Where the project branch stands against its base. */
  public record State(String head, int ahead, int behind) {}

  // ---- names and paths ----

  /** {@code {data}/git/{projectId}/project}: the project's worktree. */
  public static Path projectWorktree(Path dataDir, String projectId) {
    return dataDir.resolve("git").resolve(safeId(projectId)).resolve("project");
  }

  /** {@code {data}/git/{projectId}/tasks/{taskId}}: a task's worktree while it runs. */
  public static Path taskWorktree(Path dataDir, String projectId, String taskId) {
    return dataDir.resolve("git").resolve(safeId(projectId)).resolve("tasks").resolve(safeId(taskId));
  }

  /** {@code {prefix}/{slug}-{id}}: the slug is the name in lower case, runs of other characters as {@code -}. */
  public String projectBranch(String projectId, String name) {
    String slug = name == null ? "" : name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
        .replaceAll("^-+|-+$", "");
    if (slug.length() > 40) {
      slug = slug.substring(0, 40).replaceAll("-+$", "");
    }
    return config().branchPrefix() + "/" + (slug.isEmpty() ? "project" : slug) + "-" + safeId(projectId);
  }

  /** {@code {prefix}/tasks/{projectId}-{taskId}}. */
  public String taskBranch(String projectId, String taskId) {
    return config().branchPrefix() + "/tasks/" + safeId(projectId) + "-" + safeId(taskId);
  }

  private static String safeId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) {
      throw OrchestratorException.badRequest("invalid id");
    }
    return id;
  }

  // ---- the project ----

  /**
   * The project's branch and worktree, made when missing and repaired when a crash left them half
   * made: the branch from {@code baseBranch} (the repository's {@code HEAD} when null), the worktree
   * checked out on it. {@code branch} is the branch the database already names, or null on the
   * first run.
   *
   * @throws OrchestratorException 422 when the base branch does not exist, 502 when git fails
   */
  public ProjectTree ensureProject(String projectId, String name, Path repo, String baseBranch, String branch) {
    String projectBranch = branch != null ? branch : projectBranch(projectId, name);
    Path worktree = projectWorktree(dataDir, projectId);
    return locked(repo, () -> {
      String base = baseBranch;
      if (base == null || base.isBlank()) {
        base = git.run(repo, "symbolic-ref", "--quiet", "--short", "HEAD").strip();
      }
      if (!git.exec(repo, "check-ref-format", "--branch", base).ok()
          || !git.exec(repo, "rev-parse", "--verify", "--quiet", "refs/heads/" + base).ok()) {
        throw new OrchestratorException(422, "git_base_branch '" + base + "' is not a branch of the repository");
      }
      if (!git.exec(repo, "rev-parse", "--verify", "--quiet", "refs/heads/" + projectBranch).ok()) {
        git.run(repo, "branch", "--no-track", projectBranch, "refs/heads/" + base);
        LOG.info("project branch created [project: {}, branch: {}, base: {}]", projectId, projectBranch, base);
      }
      if (!onBranch(worktree, projectBranch)) {
        replaceWorktree(repo, worktree, () -> git.run(repo, "worktree", "add", "--quiet", worktree.toString(),
            projectBranch));
      }
      return new ProjectTree(repo, base, projectBranch, worktree);
    });
  }

  private boolean onBranch(Path worktree, String branch) {
    if (!Files.isDirectory(worktree)) {
      return false;
    }
    Git.Out head = git.exec(worktree, "symbolic-ref", "--quiet", "--short", "HEAD");
    Git.Out top = git.exec(worktree, "rev-parse", "--show-toplevel");
    return head.ok() && head.stdout().strip().equals(branch) && top.ok()
        && Path.of(top.stdout().strip()).equals(realOrSelf(worktree));
  }

  /** Removes whatever is at {@code worktree} (a stale worktree, a half-made folder), then adds it anew. */
  private void replaceWorktree(Path repo, Path worktree, Runnable add) {
    if (Files.exists(worktree)) {
      git.exec(repo, "worktree", "remove", "--force", "--force", worktree.toString());
      deleteTree(worktree);
    }
    git.run(repo, "worktree", "prune");
    try {
      Files.createDirectories(worktree.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    add.run();
  }

  /**
   * Puts the project worktree back to its branch's last commit: a lock file, a cherry-pick or merge a
   * crash interrupted, stray files. Only this class writes there.
   */
  private void repair(Path worktree) {
    Path gitDir = Path.of(git.run(worktree, "rev-parse", "--absolute-git-dir").strip());
    try {
      if (Files.deleteIfExists(gitDir.resolve("index.lock"))) {
        LOG.warn("stale index lock removed [worktree: {}]", worktree);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (Files.exists(gitDir.resolve("CHERRY_PICK_HEAD"))) {
      git.exec(worktree, "cherry-pick", "--abort");
    }
    if (Files.exists(gitDir.resolve("MERGE_HEAD"))) {
      git.exec(worktree, "merge", "--abort");
    }
    git.run(worktree, "reset", "--quiet", "--hard", "HEAD");
    git.run(worktree, "clean", "-fdq");
  }

  // ---- tasks ----

  /**
   * A fresh worktree for the task on its task branch: the branch as an earlier attempt left it (its
   * commits are kept, so a retry after verification feedback builds on its own work), or a new one
   * from the project branch's head. Uncommitted leftovers of an earlier attempt (a crash, a half-made
   * commit) are dropped with the old worktree.
   */
  public Path prepareTask(ProjectTree project, String projectId, String taskId) {
    Path worktree = taskWorktree(dataDir, projectId, taskId);
    String branch = taskBranch(projectId, taskId);
    return locked(project.repo(), () -> {
      boolean exists = git.exec(project.repo(), "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).ok();
      replaceWorktree(project.repo(), worktree, () -> {
        if (exists) {
          git.run(project.repo(), "worktree", "add", "--quiet", worktree.toString(), branch);
        } else {
          git.run(project.repo(), "worktree", "add", "--quiet", "-b", branch, worktree.toString(),
              "refs/heads/" + project.branch());
        }
      });
      return worktree;
    });
  }

  /**
   * Commits everything the task changed in its worktree, with its text output written to
   * {@code git.non_code_output_path/{taskId}.md}: the configured author, the title as subject, then
   * the {@code Orch-Task} and {@code Orch-Requirements} trailers. A task that changed nothing still
   * gets its commit (one commit per task). Returns the commit's sha on the task branch.
   */
  public String commitTask(ProjectTree project, String projectId, String taskId, String title,
      List<String> requirementIds, String output) {
    Path worktree = taskWorktree(dataDir, projectId, taskId);
    return locked(project.repo(), () -> {
      if (output != null && !output.isBlank()) {
        Path file = worktree.resolve(config().nonCodeOutputPath()).resolve(taskId + ".md");
        try {
          Files.createDirectories(file.getParent());
          Files.writeString(file, "# " + subject(title) + "\n\n" + output.strip() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      // The worktree's .git file is not trusted (a CLI agent may have rewritten it to point at a
      // repository of its own making): git is told its real administrative folder.
      String gitDir = "--git-dir=" + adminDir(project.repo(), worktree);
      String workTree = "--work-tree=" + worktree;
      git.run(worktree, gitDir, workTree, "add", "--all");
      git.run(worktree, gitDir, workTree, "commit", "--quiet", "--allow-empty", "--no-verify",
          "--author=" + config().authorName() + " <" + config().authorEmail() + ">",
          "-m", subject(title), "-m", trailers(taskId, requirementIds));
      return git.run(worktree, gitDir, workTree, "rev-parse", "HEAD").strip();
    });
  }

  /**
   * The administrative folder the repository keeps for {@code worktree}
   * ({@code <common dir>/worktrees/<name>}, the one whose {@code gitdir} names the worktree), found
   * from the repository's side.
   */
  private Path adminDir(Path repo, Path worktree) {
    Path common = repo.resolve(git.run(repo, "rev-parse", "--git-common-dir").strip()).normalize();
    Path expected = worktree.toAbsolutePath().normalize().resolve(".git");
    Path expectedReal = realOrSelf(worktree).resolve(".git");
    try (Stream<Path> dirs = Files.list(common.resolve("worktrees"))) {
      for (Path dir : dirs.toList()) {
        Path pointer = dir.resolve("gitdir");
        if (Files.isRegularFile(pointer)
            && List.of(expected, expectedReal).contains(Path.of(Files.readString(pointer, StandardCharsets.UTF_8)
                .strip()).normalize())) {
          return dir;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no worktree record for " + worktree);
  }

  static String subject(String title) {
    String line = title == null ? "" : title.strip().lines().findFirst().orElse("").strip();
    if (line.isEmpty()) {
      line = "Task";
    }
    return line.length() > 200 ? line.substring(0, 200) : line;
  }

  static String trailers(String taskId, List<String> requirementIds) {
    StringBuilder out = new StringBuilder(TASK_TRAILER + ": " + taskId);
    List<String> reqs = requirementIds == null ? List.of()
        : requirementIds.stream().map(r -> r.replaceAll("[\\r\\n,]", " ").strip()).filter(r -> !r.isEmpty()).toList();
    if (!reqs.isEmpty()) {
      out.append('\n').append(REQUIREMENTS_TRAILER).append(": ").append(String.join(", ", reqs));
    }
    return out.toString();
  }

  /**
   * Brings the task's work onto the project branch, in the project worktree, as one commit (a squash
   * of the task branch: the task's commits since it left the project branch, whatever happened to the
   * branch meanwhile) with the task's message and trailers. Nothing is done when the branch already has
   * a commit of this task (its trailer: an earlier run got that far before a crash). A conflict is
   * undone and reported; the task's work is kept on {@link #conflictBranch}, and the task branch is
   * removed so that a retry starts from the project branch's head.
   */
  public Integration integrate(ProjectTree project, String projectId, String taskId, String title,
      List<String> requirementIds) {
    String branch = taskBranch(projectId, taskId);
    return locked(project.repo(), () -> {
      Path worktree = project.worktree();
      repair(worktree);
      String existing = commitOf(project, taskId);
      if (existing != null) {
        return new Merged(existing, "already");
      }
      String taskSha = git.run(project.repo(), "rev-parse", "refs/heads/" + branch).strip();
      Git.Out merged = git.exec(worktree, "merge", "--squash", "--no-commit", "refs/heads/" + branch);
      if (merged.ok()) {
        git.run(worktree, "commit", "--quiet", "--allow-empty", "--no-verify",
            "--author=" + config().authorName() + " <" + config().authorEmail() + ">",
            "-m", subject(title), "-m", trailers(taskId, requirementIds));
        return new Merged(git.run(worktree, "rev-parse", "HEAD").strip(), "squash");
      }
      List<String> files = git.run(worktree, "diff", "--name-only", "--diff-filter=U").lines()
          .filter(l -> !l.isBlank()).toList();
      repair(worktree);
      if (files.isEmpty()) {
        throw git.failed(worktree, new String[] {"merge", branch}, merged);
      }
      Path taskTree = taskWorktree(dataDir, projectId, taskId);
      if (Files.exists(taskTree)) {
        git.exec(project.repo(), "worktree", "remove", "--force", "--force", taskTree.toString());
        deleteTree(taskTree);
        git.exec(project.repo(), "worktree", "prune");
      }
      git.run(project.repo(), "branch", "--force", conflictBranch(projectId, taskId), taskSha);
      git.run(project.repo(), "branch", "-D", branch);
      return new Conflict(files, conflictBranch(projectId, taskId), taskSha);
    });
  }

  /**
   * A person approved the task as it is: its work is made ready to land, on its task branch. Work
   * that conflicted earlier comes back from {@link #conflictBranch}; files left in its worktree (an
   * attempt the budget stopped half-way) are committed with its output; a task with nothing of its
   * own yet gets a commit with its output from the project branch's head. Answers false when the
   * project branch already has the task's commit.
   */
  public boolean readyForApproval(ProjectTree project, String projectId, String taskId, String title,
      List<String> requirementIds, String output) {
    return locked(project.repo(), () -> {
      if (commitOf(project, taskId) != null) {
        return false;
      }
      String conflict = conflictBranch(projectId, taskId);
      if (!hasTaskBranch(project, projectId, taskId)
          && git.exec(project.repo(), "rev-parse", "--verify", "--quiet", "refs/heads/" + conflict).ok()) {
        git.run(project.repo(), "branch", "-m", conflict, taskBranch(projectId, taskId));
      }
      boolean hasWorktree = git.run(project.repo(), "worktree", "list", "--porcelain").lines()
          .anyMatch(l -> l.equals("worktree " + taskWorktree(dataDir, projectId, taskId))
              || l.equals("worktree " + realOrSelf(taskWorktree(dataDir, projectId, taskId))));
      if (hasWorktree && hasTaskBranch(project, projectId, taskId)) {
        commitTask(project, projectId, taskId, title, requirementIds, output);
      } else if (!hasTaskBranch(project, projectId, taskId)) {
        prepareTask(project, projectId, taskId);
        commitTask(project, projectId, taskId, title, requirementIds, output);
      }
      return true;
    });
  }

  /** {@code {prefix}/conflicts/{projectId}-{taskId}}: where a task's conflicting work is kept. */
  public String conflictBranch(String projectId, String taskId) {
    return config().branchPrefix() + "/conflicts/" + safeId(projectId) + "-" + safeId(taskId);
  }

  /** Whether the task has a task branch (work not yet landed). */
  public boolean hasTaskBranch(ProjectTree project, String projectId, String taskId) {
    return git.exec(project.repo(), "rev-parse", "--verify", "--quiet", "refs/heads/" + taskBranch(projectId, taskId))
        .ok();
  }

  /** The commit on the project branch that carries the task's trailer, or null. */
  public String commitOf(ProjectTree project, String taskId) {
    String found = git.run(project.repo(), "log", "--format=%H", "--fixed-strings",
        "--grep=" + TASK_TRAILER + ": " + safeId(taskId), "refs/heads/" + project.branch()).strip();
    return found.isEmpty() ? null : found.lines().findFirst().orElse(null);
  }

  /** Removes the task's worktree; its branch too once its commit is on the project branch. */
  public void dropTask(ProjectTree project, String projectId, String taskId, boolean dropBranch) {
    Path worktree = taskWorktree(dataDir, projectId, taskId);
    locked(project.repo(), () -> {
      if (Files.exists(worktree)) {
        git.exec(project.repo(), "worktree", "remove", "--force", "--force", worktree.toString());
        deleteTree(worktree);
        git.exec(project.repo(), "worktree", "prune");
      }
      if (dropBranch) {
        git.exec(project.repo(), "branch", "-D", taskBranch(projectId, taskId));
      }
      return null;
    });
  }

  // ---- reads ----

  /** The project branch's head and how far it is ahead of and behind its base (-1 each when the base is gone). */
  public State state(Path repo, String baseBranch, String branch) {
    String head = git.run(repo, "rev-parse", "refs/heads/" + branch).strip();
    Git.Out counts = git.exec(repo, "rev-list", "--left-right", "--count",
        "refs/heads/" + baseBranch + "...refs/heads/" + branch);
    if (!counts.ok()) {
      return new State(head, -1, -1);
    }
    String[] n = counts.stdout().strip().split("\\s+");
    return new State(head, Integer.parseInt(n[1]), Integer.parseInt(n[0]));
  }

  /** The newest {@code limit} commits of the branch. */
  public List<LogEntry> log(Path repo, String branch, int limit) {
    String out = git.run(repo, "log", "-n", String.valueOf(limit),
        "--format=%H%x1f%an%x1f%ae%x1f%at%x1f%s%x1f%(trailers:key=" + TASK_TRAILER + ",valueonly,separator=%x2c)%x1e",
        "refs/heads/" + branch);
    List<LogEntry> entries = new ArrayList<>();
    for (String record : out.split("\u001e")) {
      String r = record.strip();
      if (r.isEmpty()) {
        continue;
      }
      String[] f = r.split("\u001f", -1);
      entries.add(new LogEntry(f[0], f[1], f[2], Long.parseLong(f[3]), f[4],
          f.length > 5 && !f[5].isBlank() ? f[5].strip() : null));
    }
    return entries;
  }

  /** The commit's patch with a summary of the files it changed. */
  public String show(Path repo, String sha) {
    if (sha == null || !sha.matches("[0-9a-f]{7,64}")) {
      throw OrchestratorException.badRequest("invalid commit");
    }
    return git.run(repo, "show", "--no-ext-diff", "--no-textconv", "--stat", "--patch", "--format=commit %H%n%n%B",
        sha);
  }

  /** Pushes the project branch to {@code remote} under the same name. */
  public void push(Path repo, String remote, String branch) {
    git.run(repo, "push", "--quiet", "--no-verify", remote, "refs/heads/" + branch + ":refs/heads/" + branch);
  }

  /** The URL of {@code remote}, or null when the repository has no such remote. */
  public String remoteUrl(Path repo, String remote) {
    Git.Out out = git.exec(repo, "remote", "get-url", remote);
    return out.ok() ? out.stdout().strip() : null;
  }

  // ---- helpers ----

  private static <T> T locked(Path repo, Supplier<T> work) {
    ReentrantLock lock = LOCKS.computeIfAbsent(realOrSelf(repo), k -> new ReentrantLock());
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private static Path realOrSelf(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
