package dev.orch.kernel.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.PluginJars;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Git projects end to end over HTTP: a real repository in a temporary folder, the file tools plugin,
 * and a local server speaking the Anthropic Messages protocol whose model writes one file per task.
 */
class GitIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";
  @TempDir Path dir;
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(() -> config(dir.resolve("data")), this::respond)
      .waitingUpTo(Duration.ofSeconds(30));
  TestKernel k;
  String token;
  Path repo;
  /** Title → the file its first round writes (path → content), and how long the model takes. */
  final Map<String, JsonObject> writes = new ConcurrentHashMap<>();
  final Map<String, Long> delays = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  final Map<String, List<String>> prompts = new ConcurrentHashMap<>();
  /** Title → what its second attempt writes instead. */
  final Map<String, JsonObject> secondWrites = new ConcurrentHashMap<>();
  /** Verdicts the verifier gives, in order (then "passed"). */
  final java.util.Queue<String> verdicts = new java.util.concurrent.ConcurrentLinkedQueue<>();

  @BeforeEach
  void repository() throws Exception {
    repo = Files.createDirectories(dir.resolve("repos/app")).toRealPath();
    sh(repo, "git", "init", "--quiet", "--initial-branch=main");
    Files.writeString(repo.resolve("README.md"), "app\n");
    sh(repo, "git", "add", "README.md");
    sh(repo, "git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "start");
  }

  static String sh(Path in, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }

  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    if (String.valueOf(r.body().getValue("system")).contains("You review")) {
      String verdict = verdicts.isEmpty() ? "passed" : verdicts.poll();
      return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(50, 10),
          LocalAnthropicServer.text("{\"verdict\": \"" + verdict + "\", \"notes\": \"add the second file\"}"));
    }
    JsonArray messages = r.body().getJsonArray("messages");
    String user = messages.getJsonObject(0).encode();
    var m = java.util.regex.Pattern.compile("Do ([A-Za-z0-9]+)\\.").matcher(user);
    String title = m.find() ? m.group(1) : "?";
    long delay = delays.getOrDefault(title, 0L);
    if (messages.size() == 1) {
      int attempt = attempts.computeIfAbsent(title, t -> new AtomicInteger()).incrementAndGet();
      prompts.computeIfAbsent(title, t -> new java.util.concurrent.CopyOnWriteArrayList<>())
          .add(String.valueOf(r.body().getValue("system")));
      JsonObject write = attempt > 1 && secondWrites.containsKey(title) ? secondWrites.get(title) : writes.get(title);
      if (write != null) {
        return LocalAnthropicServer.message(HAIKU, "tool_use", LocalAnthropicServer.usage(100, 20),
            LocalAnthropicServer.text("Writing."), LocalAnthropicServer.toolUse("toolu_1", "write_file", write.copy()))
            .after(delay);
      }
    }
    return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(100, 50),
        LocalAnthropicServer.text("output of " + title)).after(delay);
  }

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a schema of the test's own. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  /**
   * The fixture's kernel running three tasks at a time, per project too, exports unthrottled, on
   * repositories under {@code dir/repos} without pull requests, with the file tools; then {@code tweak}.
   * A second start in a test is a restart on the same data.
   */
  private void startKernel(Consumer<JsonObject> tweak) {
    k = orch.start(c -> {
      c.getJsonObject("execution").put("max_concurrent_tasks", 3).put("max_concurrent_per_project", 3);
      c.getJsonObject("server").getJsonObject("endpoint_rate_limits").put("export", "100000/minute");
      c.put("git", new JsonObject().put("allowed_roots", new JsonArray().add(dir.resolve("repos").toString()))
          .put("auto_pr", false));
      PluginJars.drop(PluginJars.module("tools-file"), Path.of(c.getString("plugins_dir")), "tools-file.jar");
      tweak.accept(c);
    });
    token = orch.token();
  }

  /** A task writing {@code file}. */
  void writes(String title, String file, String content) {
    writes.put(title, new JsonObject().put("path", file).put("content", content));
  }

  /** Creates a project on the repository, approves a plan of the tasks (title → dependency indices) and executes it. */
  String run(String name, Map<String, List<Integer>> tasks) {
    return run(name, "main", tasks);
  }

  String run(String name, String baseBranch, Map<String, List<Integer>> tasks) {
    String projectId = orch.createProject(new JsonObject().put("name", name).put("requirements", "r")
        .put("repo_path", repo.toString()).put("git_base_branch", baseBranch));
    JsonArray list = new JsonArray();
    int[] index = {0};
    tasks.forEach((title, deps) -> list.add(ExecutorFixture.task(title)
        .put("requirement_ids", new JsonArray().add("R" + (++index[0])))
        .put("tools_needed", new JsonArray().add("write_file")).put("depends_on", new JsonArray(deps))));
    orch.approve(projectId, new JsonObject().put("summary", "s").put("tasks", list));
    // Through the API, as a person would, where ExecutorFixture.execute skips the access and status checks.
    var executed = k.post("/api/projects/" + projectId + "/execute", null, token);
    assertThat(executed.statusCode()).as(executed.bodyAsString()).isEqualTo(200);
    return projectId;
  }

  @SuppressWarnings("unchecked")
  static Map<String, List<Integer>> plan(Object... titleAndDeps) {
    Map<String, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < titleAndDeps.length; i += 2) {
      out.put((String) titleAndDeps[i], (List<Integer>) titleAndDeps[i + 1]);
    }
    return out;
  }

  JsonObject project(String id) {
    return orch.project(id);
  }

  Map<String, JsonObject> tasks(String projectId) {
    Map<String, JsonObject> out = new HashMap<>();
    k.get("/api/tasks/project/" + projectId, token).bodyAsJsonArray()
        .forEach(t -> out.put(((JsonObject) t).getString("title"), (JsonObject) t));
    return out;
  }

  List<String> eventTypes(String projectId) {
    List<String> out = new ArrayList<>();
    k.get("/api/projects/" + projectId + "/export", token).bodyAsJsonObject().getJsonArray("events")
        .forEach(e -> out.add(((JsonObject) e).getString("event_type")));
    return out;
  }

  void awaitStatus(String projectId, String status) {
    orch.awaitStatus(projectId, status);
  }

  /** The project branch's commits, newest first: subject and Orch-Task trailer. */
  List<String[]> branchLog(String branch) throws Exception {
    List<String[]> out = new ArrayList<>();
    for (String line : sh(repo, "git", "log", "--format=%H|%s|%(trailers:key=Orch-Task,valueonly,separator=)|%an",
        branch).strip().split("\n")) {
      out.add(line.split("\\|", -1));
    }
    return out;
  }

  @Test
  @DisplayName("a 5-task DAG with two parallel branches ends with one commit per task on the project branch, in dependency order, with trailers; the user's dirty checkout is untouched")
  void dagCommitsInDependencyOrder() throws Exception {
    Files.writeString(repo.resolve("README.md"), "my unsaved edit\n");
    startKernel(c -> {});
    for (String t : List.of("A", "B", "C", "D", "E")) {
      writes(t, t + ".txt", "made by " + t + "\n");
    }
    delays.put("B", 300L);
    String id = run("Shop Front", plan("A", List.of(), "B", List.of(0), "C", List.of(0), "D", List.of(1),
        "E", List.of(2, 3)));
    awaitStatus(id, "completed");

    JsonObject p = project(id);
    String branch = p.getString("git_project_branch");
    assertThat(branch).isEqualTo("orch/shop-front-" + id);
    Map<String, JsonObject> tasks = tasks(id);
    List<String[]> log = branchLog(branch);
    assertThat(log).hasSize(6);
    assertThat(log.get(5)[1]).isEqualTo("start");
    List<String> order = new ArrayList<>();
    for (String[] c : log.subList(0, 5)) {
      String title = tasks.entrySet().stream().filter(e -> e.getValue().getString("id").equals(c[2])).findFirst()
          .orElseThrow().getKey();
      assertThat(c[1]).isEqualTo(title);
      assertThat(c[3]).isEqualTo("Orchestration Engine");
      assertThat(tasks.get(title).getString("git_commit_sha")).isEqualTo(c[0]);
      assertThat(tasks.get(title).getString("git_branch")).isEqualTo(branch);
      order.add(0, title);
    }
    assertThat(order.indexOf("A")).isZero();
    assertThat(order.indexOf("B")).isLessThan(order.indexOf("D"));
    assertThat(order.indexOf("C")).isLessThan(order.indexOf("E"));
    assertThat(order.indexOf("D")).isLessThan(order.indexOf("E"));
    String message = sh(repo, "git", "log", "-1", "--format=%B", tasks.get("E").getString("git_commit_sha"));
    assertThat(message).isEqualTo("E\n\nOrch-Task: " + tasks.get("E").getString("id") + "\nOrch-Requirements: R5\n\n");
    for (String t : List.of("A", "B", "C", "D", "E")) {
      assertThat(sh(repo, "git", "show", branch + ":" + t + ".txt")).isEqualTo("made by " + t + "\n");
      assertThat(sh(repo, "git", "show", branch + ":.orchestration/" + tasks.get(t).getString("id") + ".md"))
          .contains("output of " + t);
    }
    // E started from a branch that had all of its dependencies' files.
    assertThat(sh(repo, "git", "show", tasks.get("E").getString("git_commit_sha") + "^:D.txt")).isNotEmpty();

    assertThat(repo.resolve("README.md")).hasContent("my unsaved edit");
    assertThat(repo.resolve("A.txt")).doesNotExist();
    assertThat(sh(repo, "git", "symbolic-ref", "--short", "HEAD").strip()).isEqualTo("main");
    assertThat(sh(repo, "git", "branch", "--list", "orch/tasks/*")).as("task branches are gone once landed").isEmpty();

    JsonObject state = p.getJsonObject("git_state");
    assertThat(state.getString("head")).isEqualTo(log.get(0)[0]);
    assertThat(state.getInteger("ahead")).isEqualTo(5);
    assertThat(state.getInteger("behind")).isZero();
    assertThat(state.getJsonObject("last_merge").getString("result")).isEqualTo("merged");
    assertThat(p.getString("git_worktree_path")).isEqualTo(dir.resolve("data/git/" + id + "/project").toString());
    assertThat(eventTypes(id)).filteredOn(t -> t.equals("git_commit")).hasSize(5);
    assertThat(eventTypes(id)).filteredOn(t -> t.equals("git_merge")).hasSize(5);

    JsonArray apiLog = k.get("/api/projects/" + id + "/git/log?limit=3", token).bodyAsJsonArray();
    assertThat(apiLog).hasSize(3);
    assertThat(apiLog.getJsonObject(0).getString("sha")).isEqualTo(log.get(0)[0]);
    assertThat(apiLog.getJsonObject(0).getString("task_id")).isEqualTo(log.get(0)[2]);
    var diff = k.get("/api/tasks/" + tasks.get("B").getString("id") + "/diff", token);
    assertThat(diff.statusCode()).isEqualTo(200);
    assertThat(diff.bodyAsJsonObject().getString("diff")).contains("+made by B").contains("B.txt")
        .doesNotContain("A.txt");
    assertThat(diff.bodyAsJsonObject().getBoolean("truncated")).isFalse();
    String bob = k.signUp("bob@example.com", "password2").getString("access_token");
    assertThat(k.get("/api/projects/" + id + "/git/log", bob).statusCode()).isEqualTo(403);
    assertThat(k.get("/api/tasks/" + tasks.get("B").getString("id") + "/diff", bob).statusCode()).isEqualTo(403);
    assertThat(k.get("/api/tasks/nope/diff", token).statusCode()).isEqualTo(404);
    assertThat(k.get("/api/projects/" + id + "/git/log?limit=0", token).statusCode()).isEqualTo(422);
  }

  @Test
  @DisplayName("on completion the project branch is pushed to the remote and a pull request opened through the GitHub REST protocol, listing tasks, requirements and cost")
  void pushAndPullRequest() throws Exception {
    Path remote = dir.resolve("remote.git");
    sh(dir, "git", "init", "--quiet", "--bare", remote.toString());
    sh(repo, "git", "remote", "add", "origin", remote.toString());
    List<JsonObject> pulls = new java.util.concurrent.CopyOnWriteArrayList<>();
    var forge = orch.vertx().createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      pulls.add(new JsonObject().put("method", req.method().name()).put("path", req.path())
          .put("authorization", req.getHeader("Authorization")).put("accept", req.getHeader("Accept"))
          .put("body", body.toJsonObject()));
      req.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("number", 7).put("html_url", "https://github.example/acme/app/pull/7").encode());
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    startKernel(c -> c.getJsonObject("git").put("auto_pr", true).put("forge", new JsonObject().put("type", "github")
        .put("api_url", "http://127.0.0.1:" + forge.actualPort()).put("repository", "acme/app")
        .put("token_env", "ORCH_TEST_FORGE_TOKEN")));
    writes("Build", "app.txt", "built\n");
    String id = run("Release", plan("Build", List.of(), "Document", List.of(0)));
    awaitStatus(id, "completed");
    orch.await("the pull request", () -> project(id).getJsonObject("git_state").containsKey("pull_request"));

    String branch = project(id).getString("git_project_branch");
    assertThat(sh(remote, "git", "show", branch + ":app.txt")).isEqualTo("built\n");
    assertThat(pulls).hasSize(1);
    JsonObject pr = pulls.get(0);
    assertThat(pr.getString("method")).isEqualTo("POST");
    assertThat(pr.getString("path")).isEqualTo("/repos/acme/app/pulls");
    assertThat(pr.getString("authorization")).isEqualTo("Bearer forge-token-3c9e7a1b");
    assertThat(pr.getString("accept")).isEqualTo("application/vnd.github+json");
    JsonObject body = pr.getJsonObject("body");
    assertThat(body.getString("head")).isEqualTo(branch);
    assertThat(body.getString("base")).isEqualTo("main");
    assertThat(body.getString("title")).isEqualTo("Release");
    assertThat(body.getString("body")).contains("| Build | completed |").contains("| Document | completed |")
        .contains("Requirements covered: R1, R2").contains("Cost: $0.0");
    assertThat(project(id).getJsonObject("git_state").getJsonObject("pull_request").getString("url"))
        .isEqualTo("https://github.example/acme/app/pull/7");
    assertThat(eventTypes(id)).contains("git_push", "pr_opened");
    forge.close();
  }

  @Test
  @DisplayName("with verification, a task sent back with feedback builds on its own work and lands as one commit once accepted")
  void verifiedTaskLandsOnceAccepted() throws Exception {
    startKernel(c -> c.getJsonObject("execution").put("verification_enabled", true));
    verdicts.add("gaps_found");
    writes("Verified", "first.txt", "first\n");
    secondWrites.put("Verified", new JsonObject().put("path", "second.txt").put("content", "second\n"));
    String id = run("Checked", plan("Verified", List.of(), "After", List.of(0)));
    awaitStatus(id, "completed");

    String branch = project(id).getString("git_project_branch");
    assertThat(attempts.get("Verified").get()).isEqualTo(2);
    List<String[]> log = branchLog(branch);
    assertThat(log).extracting(c -> c[1]).containsExactly("After", "Verified", "start");
    String sha = tasks(id).get("Verified").getString("git_commit_sha");
    assertThat(sh(repo, "git", "show", "--name-only", "--format=", sha).lines().toList())
        .contains("first.txt", "second.txt");
  }

  @Test
  @DisplayName("a task a person approves after review lands on the project branch as one commit with its trailers, before its dependant runs")
  void approvedReviewLands() throws Exception {
    startKernel(c -> c.getJsonObject("execution").put("verification_enabled", true));
    verdicts.add("human_needed");
    writes("Reviewed", "reviewed.txt", "reviewed\n");
    String id = run("Approved", plan("Reviewed", List.of(), "After", List.of(0)));
    orch.await("the task needs review", () -> "needs_review".equals(tasks(id).get("Reviewed").getString("status")));
    String branch = project(id).getString("git_project_branch");
    assertThat(branchLog(branch)).extracting(c -> c[1]).as("nothing lands before the approval").containsExactly("start");

    String taskId = tasks(id).get("Reviewed").getString("id");
    var approved = k.post("/api/tasks/" + taskId + "/review", new JsonObject().put("action", "approve"), token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    assertThat(approved.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    // The run ended while its only open work waited on the review: it is executed again.
    if (!"executing".equals(project(id).getString("status"))) {
      var executed = k.post("/api/projects/" + id + "/execute", null, token);
      assertThat(executed.statusCode()).as(executed.bodyAsString()).isEqualTo(200);
    }
    awaitStatus(id, "completed");

    List<String[]> log = branchLog(branch);
    assertThat(log).extracting(c -> c[1]).containsExactly("After", "Reviewed", "start");
    assertThat(log.get(1)[2]).isEqualTo(taskId);
    assertThat(tasks(id).get("Reviewed").getString("git_commit_sha")).isEqualTo(log.get(1)[0]);
    assertThat(sh(repo, "git", "show", branch + ":reviewed.txt")).isEqualTo("reviewed\n");
    assertThat(sh(repo, "git", "branch", "--list", "orch/tasks/*")).as("no task branch is left").isBlank();
  }

  @Test
  @DisplayName("approving a task whose work conflicts with the project branch keeps it in review with one git_conflict checkpoint naming the file")
  void approvedReviewConflicts() throws Exception {
    startKernel(c -> c.getJsonObject("execution").put("verification_enabled", true));
    verdicts.add("passed");
    verdicts.add("human_needed");
    writes("Fast", "config.txt", "fast\n");
    writes("Slow", "config.txt", "slow\n");
    delays.put("Slow", 500L);
    String id = run("Clash", plan("Fast", List.of(), "Slow", List.of()));
    orch.await("the slow task needs review", () -> "needs_review".equals(tasks(id).get("Slow").getString("status")));
    orch.await("the fast task completes", () -> "completed".equals(tasks(id).get("Fast").getString("status")));
    String slowId = tasks(id).get("Slow").getString("id");

    for (int i = 0; i < 2; i++) {
      var approved = k.post("/api/tasks/" + slowId + "/review", new JsonObject().put("action", "approve"), token);
      assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(409);
      assertThat(approved.bodyAsJsonObject().getString("detail")).contains("config.txt");
    }
    assertThat(tasks(id).get("Slow").getString("status")).isEqualTo("needs_review");
    JsonArray checkpoints = k.get("/api/checkpoints/project/" + id, token).bodyAsJsonArray();
    assertThat(checkpoints).as("one checkpoint however often it is approved").hasSize(1);
    assertThat(checkpoints.getJsonObject(0).getString("checkpoint_type")).isEqualTo("git_conflict");
    assertThat(checkpoints.getJsonObject(0).getString("summary")).contains("config.txt");
    assertThat(eventTypes(id)).contains("git_conflict");
    String branch = project(id).getString("git_project_branch");
    assertThat(sh(repo, "git", "show", branch + ":config.txt")).isEqualTo("fast\n");
    assertThat(sh(repo, "git", "show", "orch/conflicts/" + id + "-" + slowId + ":config.txt"))
        .as("the conflicting work is kept").isEqualTo("slow\n");
    assertThat(branchLog(branch)).extracting(c -> c[1]).containsExactly("Fast", "start");
  }

  @Test
  @DisplayName("after a crash between a task's landing and its completion, the restarted server runs it again without a second commit and repairs the half-made merge")
  void restartAfterCrash() throws Exception {
    startKernel(c -> {});
    writes("Only", "only.txt", "once\n");
    String id = run("Crashy", plan("Only", List.of()));
    awaitStatus(id, "completed");
    JsonObject only = tasks(id).get("Only");
    String landed = only.getString("git_commit_sha");
    Path worktree = Path.of(project(id).getString("git_worktree_path"));
    // What the database and the worktree hold had the process died after the commit landed and before
    // the completion was stored, in the middle of the next merge.
    k.sql("UPDATE tasks SET status = 'running', lease_owner = 'dead-node', lease_expires_at = 1, completed_at = NULL,"
        + " git_commit_sha = NULL, git_branch = NULL WHERE id = ?", only.getString("id"));
    k.sql("UPDATE projects SET status = 'executing', completed_at = NULL WHERE id = ?", id);
    Path gitDir = Path.of(sh(worktree, "git", "rev-parse", "--absolute-git-dir").strip());
    Files.writeString(gitDir.resolve("index.lock"), "");
    Files.writeString(worktree.resolve("half-written.txt"), "?");
    k.close();
    k = null;

    startKernel(c -> {});
    awaitStatus(id, "completed");

    assertThat(attempts.get("Only").get()).as("the task ran again").isEqualTo(2);
    String branch = project(id).getString("git_project_branch");
    assertThat(branchLog(branch)).extracting(c -> c[1]).containsExactly("Only", "start");
    assertThat(tasks(id).get("Only").getString("git_commit_sha")).isEqualTo(landed);
    assertThat(gitDir.resolve("index.lock")).doesNotExist();
    assertThat(worktree.resolve("half-written.txt")).doesNotExist();
    assertThat(project(id).getJsonObject("git_state").getJsonObject("last_merge").getString("how")).isEqualTo("already");
  }

  @Test
  @DisplayName("a base branch the repository does not have fails the task before any model call, naming the branch")
  void missingBaseBranch() {
    startKernel(c -> {});
    String id = run("Lost", "release/9", plan("Only", List.of()));
    awaitStatus(id, "failed");
    assertThat(tasks(id).get("Only").getString("error")).contains("git_base_branch 'release/9' is not a branch");
    assertThat(attempts).isEmpty();
  }

  @Test
  @DisplayName("two projects on one repository each get their own branch and see only their own files")
  void twoProjectsOneRepository() throws Exception {
    startKernel(c -> {});
    writes("One", "shared.txt", "from one\n");
    writes("Two", "shared.txt", "from two\n");
    String first = run("First", plan("One", List.of()));
    String second = run("Second", plan("Two", List.of()));
    awaitStatus(first, "completed");
    awaitStatus(second, "completed");

    assertThat(sh(repo, "git", "show", "orch/first-" + first + ":shared.txt")).isEqualTo("from one\n");
    assertThat(sh(repo, "git", "show", "orch/second-" + second + ":shared.txt")).isEqualTo("from two\n");
    assertThat(repo.resolve("shared.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a conflict between parallel tasks becomes a checkpoint naming the file; its retry runs on top of the project branch and lands")
  void conflictCheckpointAndRetry() throws Exception {
    startKernel(c -> {});
    writes("Fast", "config.txt", "fast\n");
    writes("Slow", "config.txt", "slow\n");
    delays.put("Slow", 500L);
    String id = run("Clash", plan("Fast", List.of(), "Slow", List.of()));
    orch.await("the slow task needs review", () -> "needs_review".equals(tasks(id).get("Slow").getString("status")));

    JsonArray checkpoints = k.get("/api/checkpoints/project/" + id, token).bodyAsJsonArray();
    assertThat(checkpoints).hasSize(1);
    JsonObject checkpoint = checkpoints.getJsonObject(0);
    assertThat(checkpoint.getString("checkpoint_type")).isEqualTo("git_conflict");
    assertThat(checkpoint.getString("summary")).contains("config.txt");
    assertThat(eventTypes(id)).contains("git_conflict");
    String branch = project(id).getString("git_project_branch");
    assertThat(sh(repo, "git", "show", branch + ":config.txt")).isEqualTo("fast\n");
    String slowId = tasks(id).get("Slow").getString("id");
    assertThat(sh(repo, "git", "show", "orch/conflicts/" + id + "-" + slowId + ":config.txt"))
        .as("the conflicting work is kept").isEqualTo("slow\n");
    JsonObject lastMerge = project(id).getJsonObject("git_state").getJsonObject("last_merge");
    assertThat(lastMerge.getString("result")).isEqualTo("conflict");
    assertThat(lastMerge.getJsonArray("files")).containsExactly("config.txt");

    // The retry's model sees the conflict and writes the merged file on top of the branch.
    writes("Slow", "config.txt", "fast\nslow\n");
    delays.put("Slow", 0L);
    var resolved = k.post("/api/checkpoints/" + checkpoint.getString("id") + "/resolve",
        new JsonObject().put("action", "retry"), token);
    assertThat(resolved.statusCode()).as(resolved.bodyAsString()).isEqualTo(200);
    if (!"executing".equals(project(id).getString("status"))) {
      assertThat(k.post("/api/projects/" + id + "/execute", null, token).statusCode()).isEqualTo(200);
    }
    orch.await("the retried task completes", () -> "completed".equals(tasks(id).get("Slow").getString("status")));
    assertThat(sh(repo, "git", "show", branch + ":config.txt")).isEqualTo("fast\nslow\n");
    assertThat(prompts.get("Slow").get(prompts.get("Slow").size() - 1)).contains("conflicted").contains("config.txt");
    assertThat(branchLog(branch)).hasSize(3);
  }
}
