package dev.orch.kernel.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git layer on real repositories in temporary folders. */
class GitWorkspacesTest {
  @TempDir Path tmp;
  Path repo;
  Path data;
  Git git;
  GitWorkspaces spaces;

  @BeforeEach
  void repository() throws Exception {
    repo = Files.createDirectories(tmp.resolve("roots/app"));
    data = Files.createDirectories(tmp.resolve("data"));
    git = new Git(GitConfig.from(new JsonObject().put("git", new JsonObject()
        .put("allowed_roots", new JsonArray().add(tmp.resolve("roots").toString())))), Map.of("HOME", tmp.toString()));
    spaces = new GitWorkspaces(git, data);
    git.run(repo, "init", "--quiet", "--initial-branch=main");
    Files.writeString(repo.resolve("README.md"), "hello\n");
    git.run(repo, "add", "README.md");
    git.run(repo, "commit", "--quiet", "-m", "first");
  }

  GitWorkspaces.ProjectTree project(String id) {
    return spaces.ensureProject(id, "My App!", repo, "main", null);
  }

  String taskWork(GitWorkspaces.ProjectTree p, String projectId, String taskId, String file, String text)
      throws Exception {
    Path wt = spaces.prepareTask(p, projectId, taskId);
    Files.writeString(wt.resolve(file), text);
    return spaces.commitTask(p, projectId, taskId, "Write " + file, List.of("R1", "R3"), "done " + taskId);
  }

  GitWorkspaces.Integration integrate(GitWorkspaces.ProjectTree p, String taskId) {
    return spaces.integrate(p, "p1", taskId, "Write " + taskId, List.of("R1", "R3"));
  }

  @Test
  @DisplayName("a task's retry builds on its own earlier commits, and they land as one commit")
  void retriesBuildOnTheTaskBranch() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    taskWork(p, "p1", "ta", "a.txt", "first try\n");
    Path wt = spaces.prepareTask(p, "p1", "ta");
    assertThat(wt.resolve("a.txt")).hasContent("first try");
    Files.writeString(wt.resolve("b.txt"), "feedback addressed\n");
    spaces.commitTask(p, "p1", "ta", "Write a", List.of(), "second");
    integrate(p, "ta");
    assertThat(spaces.log(repo, p.branch(), 10)).extracting(GitWorkspaces.LogEntry::taskId).containsExactly("ta", null);
    assertThat(p.worktree().resolve("b.txt")).exists();
  }

  @Test
  @DisplayName("a project gets its own branch from the base in a worktree under the data folder; the user's dirty checkout stays as it was")
  void projectBranchInItsOwnWorktree() throws Exception {
    Files.writeString(repo.resolve("README.md"), "my unsaved edit\n");
    Files.writeString(repo.resolve("scratch.txt"), "untracked\n");

    GitWorkspaces.ProjectTree p = project("p1");
    String sha = taskWork(p, "p1", "t1", "a.txt", "a\n");
    spaces.integrate(p, "p1", "t1", "Write a.txt", List.of("R1", "R3"));

    assertThat(p.branch()).isEqualTo("orch/my-app-p1");
    assertThat(p.worktree()).isEqualTo(data.resolve("git/p1/project"));
    assertThat(p.worktree().resolve("a.txt")).hasContent("a");
    assertThat(repo.resolve("README.md")).hasContent("my unsaved edit");
    assertThat(repo.resolve("scratch.txt")).exists();
    assertThat(repo.resolve("a.txt")).doesNotExist();
    assertThat(git.run(repo, "symbolic-ref", "--short", "HEAD").strip()).isEqualTo("main");
    assertThat(git.run(repo, "status", "--porcelain")).contains(" M README.md", "?? scratch.txt");
  }

  @Test
  @DisplayName("two tasks started from the same head both land on the project branch, one commit each with trailers")
  void parallelTasksLandOneCommitEach() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    String a = taskWork(p, "p1", "ta", "a.txt", "a\n");
    String b = taskWork(p, "p1", "tb", "b.txt", "b\n");

    assertThat(integrate(p, "ta")).isInstanceOf(GitWorkspaces.Merged.class);
    GitWorkspaces.Integration second = integrate(p, "tb");

    assertThat(second).isInstanceOf(GitWorkspaces.Merged.class);
    assertThat(((GitWorkspaces.Merged) second).how()).isEqualTo("squash");
    List<GitWorkspaces.LogEntry> log = spaces.log(repo, p.branch(), 10);
    assertThat(log).extracting(GitWorkspaces.LogEntry::taskId).containsExactly("tb", "ta", null);
    assertThat(log.get(0).author()).isEqualTo("Orchestration Engine");
    String message = git.run(repo, "log", "-1", "--format=%B", "refs/heads/" + p.branch());
    assertThat(message).startsWith("Write tb\n\nOrch-Task: tb\nOrch-Requirements: R1, R3");
    assertThat(p.worktree().resolve(".orchestration/tb.md")).content().contains("done tb");
    assertThat(spaces.state(repo, "main", p.branch())).extracting(GitWorkspaces.State::ahead, GitWorkspaces.State::behind)
        .containsExactly(2, 0);
  }

  @Test
  @DisplayName("a task already on the project branch is not committed there twice")
  void integrationIsIdempotentByTrailer() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    taskWork(p, "p1", "ta", "a.txt", "a\n");
    String landed = ((GitWorkspaces.Merged) integrate(p, "ta")).sha();
    // The task ran again after a crash that came after its commit landed.
    taskWork(p, "p1", "ta", "a.txt", "a again\n");

    GitWorkspaces.Integration second = integrate(p, "ta");

    assertThat(second).isEqualTo(new GitWorkspaces.Merged(landed, "already"));
    assertThat(spaces.log(repo, p.branch(), 10)).hasSize(2);
  }

  @Test
  @DisplayName("a conflict is undone and names its files; the task's commit stays on its branch")
  void conflictNamesFiles() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    taskWork(p, "p1", "ta", "README.md", "from a\n");
    String b = taskWork(p, "p1", "tb", "README.md", "from b\n");
    integrate(p, "ta");

    GitWorkspaces.Integration second = integrate(p, "tb");

    assertThat(second).isEqualTo(new GitWorkspaces.Conflict(List.of("README.md"), "orch/conflicts/p1-tb", b));
    assertThat(git.run(p.worktree(), "status", "--porcelain")).isEmpty();
    assertThat(git.run(repo, "rev-parse", "refs/heads/orch/conflicts/p1-tb").strip()).isEqualTo(b);
    // A retry starts on top of the current project branch and resolves it.
    Path wt = spaces.prepareTask(p, "p1", "tb");
    assertThat(wt.resolve("README.md")).hasContent("from a");
    Files.writeString(wt.resolve("README.md"), "from a and b\n");
    spaces.commitTask(p, "p1", "tb", "Write README.md", List.of(), "merged by hand");
    assertThat(integrate(p, "tb")).isInstanceOf(GitWorkspaces.Merged.class);
    assertThat(p.worktree().resolve("README.md")).hasContent("from a and b");
  }

  @Test
  @DisplayName("a crash's leftovers in the project worktree (a lock, a half-made cherry-pick) are repaired before the next merge")
  void repairsHalfMadeWork() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    taskWork(p, "p1", "ta", "README.md", "from a\n");
    String b = taskWork(p, "p1", "tb", "README.md", "from b\n");
    integrate(p, "ta");
    git.exec(p.worktree(), "cherry-pick", b); // conflicts and stays half made
    Path gitDir = Path.of(git.run(p.worktree(), "rev-parse", "--absolute-git-dir").strip());
    Files.writeString(gitDir.resolve("index.lock"), "");

    taskWork(p, "p1", "tc", "c.txt", "c\n");
    assertThat(integrate(p, "tc")).isInstanceOf(GitWorkspaces.Merged.class);
    assertThat(spaces.log(repo, p.branch(), 10)).extracting(GitWorkspaces.LogEntry::taskId)
        .containsExactly("tc", "ta", null);
  }

  @Test
  @DisplayName("two projects on one repository work on their own branches and worktrees")
  void twoProjectsOneRepository() throws Exception {
    GitWorkspaces.ProjectTree p1 = project("p1");
    GitWorkspaces.ProjectTree p2 = project("p2");
    taskWork(p1, "p1", "t1", "one.txt", "1\n");
    taskWork(p2, "p2", "t2", "two.txt", "2\n");
    spaces.integrate(p1, "p1", "t1", "one", List.of());
    spaces.integrate(p2, "p2", "t2", "two", List.of());

    assertThat(p1.worktree().resolve("one.txt")).exists();
    assertThat(p1.worktree().resolve("two.txt")).doesNotExist();
    assertThat(p2.worktree().resolve("two.txt")).exists();
    assertThat(p2.worktree().resolve("one.txt")).doesNotExist();
    // Running ensureProject again (a restart) finds both as they are.
    assertThat(spaces.ensureProject("p1", "renamed", repo, "main", p1.branch())).isEqualTo(p1);
  }

  @Test
  @DisplayName("a task that rewrites its worktree's .git file to a repository of its own still commits to its real task branch")
  void plantedGitFileIsIgnored() throws Exception {
    GitWorkspaces.ProjectTree p = project("p1");
    Path wt = spaces.prepareTask(p, "p1", "ta");
    Path evil = Files.createDirectories(tmp.resolve("evil"));
    git.run(evil, "init", "--quiet");
    Files.writeString(wt.resolve(".git"), "gitdir: " + evil.resolve(".git") + "\n");
    Files.writeString(wt.resolve("a.txt"), "a\n");

    String sha = spaces.commitTask(p, "p1", "ta", "Write a", List.of(), "out");

    assertThat(git.run(repo, "rev-parse", "refs/heads/orch/tasks/p1-ta").strip()).isEqualTo(sha);
    assertThat(git.exec(evil, "rev-parse", "--verify", "HEAD").ok()).isFalse();
  }

  @Test
  @DisplayName("a missing base branch is refused with 422")
  void missingBase() {
    assertThatThrownBy(() -> spaces.ensureProject("p1", "x", repo, "nope", null))
        .isInstanceOf(OrchestratorException.class).extracting(e -> ((OrchestratorException) e).status()).isEqualTo(422);
  }

  @Test
  @DisplayName("repo_path is accepted only for a repository under the allowed roots")
  void repoValidation() throws Exception {
    GitRepos repos = new GitRepos(git);
    assertThat(repos.validate(repo.toString())).isEqualTo(repo.toRealPath());
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    git.run(outside, "init", "--quiet");
    assertThat(status(() -> repos.validate(outside.toString()))).isEqualTo(403);
    Path notRepo = Files.createDirectories(tmp.resolve("roots/plain"));
    assertThat(status(() -> repos.validate(notRepo.toString()))).isEqualTo(422);
    assertThat(status(() -> repos.validate(tmp.resolve("roots/missing").toString()))).isEqualTo(422);
    Files.createSymbolicLink(tmp.resolve("roots/link"), outside);
    assertThat(status(() -> repos.validate(tmp.resolve("roots/link").toString()))).isEqualTo(403);
    GitRepos none = new GitRepos(new Git(GitConfig.from(new JsonObject())));
    assertThat(status(() -> none.validate(repo.toString()))).isEqualTo(403);
  }

  @Test
  @DisplayName("the server can tell whether git runs here")
  void gitAvailable() {
    assertThat(git.available()).isTrue();
  }

  @Test
  @DisplayName("a failing git command is a 502 that names the operation, not git's output")
  void failureIs502() {
    assertThatThrownBy(() -> git.run(repo, "rev-parse", "no-such-ref-xyz"))
        .isInstanceOf(GitException.class).hasMessage("Git operation failed: rev-parse");
  }

  static int status(Runnable r) {
    try {
      r.run();
      return 200;
    } catch (OrchestratorException e) {
      return e.status();
    }
  }
}
