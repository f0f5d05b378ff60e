package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server on a git project, killed with SIGKILL while tasks land (five times), by turns
 * the instant the project branch moves (a task's work just landed, its completion perhaps not stored
 * yet) and a moment after a task's answer leaves the model (1 to 150 ms: the kill falls before or
 * during the task's commit on its branch), started again each time on the same data folder and
 * repository. At the end the project completed, and git agrees with the database: the project branch
 * has exactly one commit per task (by its {@code Orch-Task} trailer), the project worktree is clean,
 * and {@code git fsck} finds nothing wrong.
 */
class GitCrashIT {
  static final int TASKS = 12;
  static final int KILLS = 5;

  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  ServerProcess server;
  Path repo;
  final Random random = new Random(20261201);
  /** Set to kill the server a moment after the next task answer leaves the model. */
  final AtomicBoolean armed = new AtomicBoolean();
  final java.util.concurrent.atomic.AtomicInteger taskCalls = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(this::respond);
    claude.onAnswered(r -> {
      if (isTask(r) && armed.compareAndSet(true, false)) {
        serverVertx.setTimer(1 + random.nextInt(150), id -> server.killNow());
      }
    });
    Path roots = Files.createDirectories(dir.resolve("repos"));
    repo = Files.createDirectories(roots.resolve("app")).toRealPath();
    sh(repo, "git", "init", "--quiet", "--initial-branch=main");
    Files.writeString(repo.resolve("README.md"), "app\n");
    sh(repo, "git", "add", "README.md");
    sh(repo, "git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "start");
    server = new ServerProcess(dir, ServerProcess.againstClaude(claude.baseUrl(), Map.ofEntries(
        Map.entry("ORCH_GIT__ALLOWED_ROOTS", new JsonArray().add(roots.toRealPath().toString()).encode()),
        Map.entry("ORCH_GIT__AUTO_PR", "false"),
        Map.entry("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "3"),
        Map.entry("ORCH_EXECUTION__MAX_CONCURRENT_PER_PROJECT", "3"),
        Map.entry("ORCH_EXECUTION__RETRY_BACKOFF_BASE_SEC", "0.05"),
        Map.entry("ORCH_EXECUTION__RETRY_JITTER_SEC", "0.01"))));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  static String sh(Path in, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }

  private static boolean isTask(Recorded r) {
    return r.path().equals("/v1/messages") && !String.valueOf(r.body().getValue("system")).contains("You are the planner");
  }

  /** Three chains of four tasks, so three tasks land side by side. */
  private static JsonObject plan() {
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < TASKS; i++) {
      tasks.add(new JsonObject().put("title", "T" + i).put("description", "Do T" + i + ".").put("task_type", "code")
          .put("complexity", "simple").put("tools_needed", new JsonArray())
          .put("requirement_ids", new JsonArray().add("R" + i))
          .put("depends_on", i >= 3 ? new JsonArray().add(i - 3) : new JsonArray()));
    }
    return new JsonObject().put("summary", "git crash").put("tasks", tasks);
  }

  private LocalAnthropicServer.Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    if (!isTask(r)) {
      return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(500, 300),
          LocalAnthropicServer.text(plan().encode()));
    }
    taskCalls.incrementAndGet();
    var m = java.util.regex.Pattern.compile("Do (T\\d+)\\.").matcher(r.body().getJsonArray("messages").encode());
    return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn", LocalAnthropicServer.usage(100, 50),
        LocalAnthropicServer.text("output of " + (m.find() ? m.group(1) : "?"))).after(50 + random.nextInt(150));
  }

  @Test
  @DisplayName("SIGKILL while tasks land, then restart: the project completes with exactly one commit per task on its branch, a clean worktree and a sound repository")
  void killedWhileLanding() throws Exception {
    Process life = server.launch();
    String token = server.signUp("a@example.com");
    String projectId = server.post("/api/projects", new JsonObject().put("name", "crash").put("requirements", "r")
        .put("repo_path", repo.toString()).put("git_base_branch", "main"), token).getString("id");
    String planId = server.post("/api/projects/" + projectId + "/plan", null, token).getString("plan_id");
    server.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
    server.post("/api/projects/" + projectId + "/execute", null, token);

    int kills = 0;
    long started = System.nanoTime();
    for (int k = 0; k < KILLS && !completed(projectId); k++) {
      boolean onLanding = k % 2 == 0;
      Thread watch = onLanding ? killOnLanding(projectId, life) : null;
      armed.set(!onLanding);
      long until = System.currentTimeMillis() + 30_000;
      while (life.isAlive() && !completed(projectId) && System.currentTimeMillis() < until) {
        ServerProcess.sleep(20);
      }
      if (watch != null) {
        watch.interrupt();
        watch.join();
      }
      if (life.isAlive()) {
        break; // the project completed before another answer left the model
      }
      server.awaitKilled();
      kills++;
      System.out.printf("git crash test: kill %d (%s) at %d ms%n", kills, onLanding ? "on landing" : "after an answer",
          (System.nanoTime() - started) / 1_000_000);
      assertThat(server.scalar("PRAGMA integrity_check")).isEqualTo("ok");
      life = server.launch();
    }
    armed.set(false);
    long deadline = System.currentTimeMillis() + 40_000;
    while (!completed(projectId) && System.currentTimeMillis() < deadline) {
      ServerProcess.sleep(200);
    }

    System.out.printf("git crash test: completed at %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(kills).as("the server was killed while tasks landed").isGreaterThanOrEqualTo(2);
    assertThat(server.scalar("SELECT status FROM projects WHERE id = '" + projectId + "'")).isEqualTo("completed");
    Map<String, String> shaByTask = new HashMap<>();
    try (Connection c = server.db(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT id, status, git_commit_sha FROM tasks WHERE project_id = '" + projectId + "'")) {
      while (rs.next()) {
        assertThat(rs.getString(2)).as("task %s", rs.getString(1)).isEqualTo("completed");
        shaByTask.put(rs.getString(1), rs.getString(3));
      }
    }
    assertThat(shaByTask).hasSize(TASKS);

    String branch = server.scalar("SELECT git_project_branch FROM projects WHERE id = '" + projectId + "'");
    List<String> trailers = new ArrayList<>();
    Map<String, String> shaOfTrailer = new HashMap<>();
    for (String line : sh(repo, "git", "log", "--format=%H %(trailers:key=Orch-Task,valueonly,separator=)",
        "refs/heads/" + branch).strip().split("\n")) {
      String[] parts = line.strip().split(" ", 2);
      if (parts.length == 2 && !parts[1].isBlank()) {
        trailers.add(parts[1].strip());
        shaOfTrailer.put(parts[1].strip(), parts[0]);
      }
    }
    assertThat(trailers).as("one commit per task on the project branch: none twice, none missing")
        .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(shaByTask.keySet());
    shaByTask.forEach((task, sha) -> assertThat(sha).as("task %s's recorded commit", task).isEqualTo(shaOfTrailer.get(task)));
    assertThat(sh(repo, "git", "rev-list", "--count", "refs/heads/" + branch).strip())
        .as("the base commit and one per task, nothing else").isEqualTo(String.valueOf(TASKS + 1));

    Path worktree = Path.of(server.scalar("SELECT git_worktree_path FROM projects WHERE id = '" + projectId + "'"));
    assertThat(sh(worktree, "git", "status", "--porcelain")).as("the project worktree is clean").isBlank();
    assertThat(sh(worktree, "git", "rev-parse", "--abbrev-ref", "HEAD").strip()).isEqualTo(branch);
    assertThat(sh(repo, "git", "status", "--porcelain")).as("the user's checkout is untouched").isBlank();
    assertThat(sh(repo, "git", "rev-parse", "--abbrev-ref", "HEAD").strip()).isEqualTo("main");
    String fsck = sh(repo, "git", "fsck", "--full", "--strict", "--no-dangling");
    assertThat(fsck).as("git fsck").doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("missing")
        .doesNotContainIgnoringCase("broken");
    assertThat(sh(repo, "git", "branch", "--list", "orch/tasks/*")).as("no task branch is left").isBlank();
    // What the kills hit, from the servers' logs: work landed before a kill and found again by its trailer.
    int foundAgain = 0;
    try (var logs = Files.list(dir)) {
      for (Path log : logs.filter(f -> f.getFileName().toString().startsWith("stdout-")).toList()) {
        foundAgain += (int) Files.readAllLines(log).stream().filter(l -> l.contains("how: already")).count();
      }
    }
    System.out.println("git crash test: " + kills + " kills, " + TASKS + " tasks, " + taskCalls.get()
        + " task calls, " + foundAgain + " landings found already made after a restart; one commit each");
  }

  /**
   * Kills the server the moment its project branch moves (a task's commit just landed: its completion
   * may not be stored yet), watching the branch's ref file.
   */
  private Thread killOnLanding(String projectId, Process life) {
    Thread t = new Thread(() -> {
      String before = null;
      String branch = null;
      while (!Thread.currentThread().isInterrupted() && life.isAlive()) {
        String now = null;
        try {
          if (branch == null) {
            branch = server.scalar("SELECT git_project_branch FROM projects WHERE id = '" + projectId + "'");
          }
          Path ref = branch == null ? null : repo.resolve(".git/refs/heads").resolve(branch);
          now = ref != null && Files.exists(ref) ? Files.readString(ref).strip() : null;
        } catch (Exception retry) {
          // read again
        }
        if (before != null && now != null && !now.equals(before)) {
          server.killNow();
          return;
        }
        if (now != null) {
          before = now;
        }
        ServerProcess.sleep(1);
      }
    }, "kill-on-landing");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private boolean completed(String projectId) throws Exception {
    return "completed".equals(server.scalar("SELECT status FROM projects WHERE id = '" + projectId + "'"));
  }
}
