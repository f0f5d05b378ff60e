package dev.orch.kernel.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.orch.kernel.agents.CliAgentOutput.Kind;
import dev.orch.kernel.agents.CliAgentResult.Outcome;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.Usage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

// A regression that loses the timeout or a kill must fail the test, not hang the build.
@Timeout(20)
@ExtendWith(VertxExtension.class)
class CliAgentRunnerTest {
  private static final String PROMPT = "Summarise the project.\nContext: Résumé of task 1 ✓";
  private static final Duration GRACE = Duration.ofMillis(300);

  @TempDir Path tmp;
  private Vertx vertx;
  private Path data;
  private Path project;
  private Path bin;
  private Map<String, String> environment;

  @BeforeEach
  void setUp(Vertx vertx) throws IOException {
    this.vertx = vertx;
    data = tmp.resolve("data");
    project = Files.createDirectories(data.resolve("projects/p1"));
    bin = FakeClis.install(tmp.resolve("bin"));
    environment = new HashMap<>(Map.of(
        "PATH", bin + ":/usr/bin:/bin",
        "HOME", tmp.resolve("home").toString(),
        "ANTHROPIC_API_KEY", "sk-ant-test",
        "OPENAI_API_KEY", "sk-openai-test",
        "GEMINI_API_KEY", "gemini-test",
        "ORCH_AUTH__SECRET_KEY", "the-server-jwt-secret-that-must-not-leak"));
  }

  private CliAgentConfig config(JsonObject section) {
    return CliAgentConfig.from(new JsonObject().put("cli_agents",
        section.copy().put("kill_grace_seconds", GRACE.toMillis() / 1000.0)), data);
  }

  private CliAgentRunner runner() {
    return unsandboxed(config(new JsonObject()));
  }

  /**
   * A runner outside the sandbox, for an admin's project: these tests follow the agent's process ids,
   * which the sandbox's pid namespace renumbers. The sandboxed runs have their own tests below.
   */
  private CliAgentRunner unsandboxed(CliAgentConfig config) {
    return new CliAgentRunner(vertx, new CliAgentPolicy(config, CliSandbox.unsandboxed(config, "process tests")),
        projectId -> Future.succeededFuture("admin"), environment);
  }

  /** A runner in the real sandbox, probed as the server does at startup, for a project owned by {@code role}. */
  private CliAgentRunner sandboxed(String role) throws Exception {
    CliAgentConfig config = config(new JsonObject());
    CliSandbox sandbox = CliSandbox.probe(vertx, config, environment).toCompletionStage().toCompletableFuture()
        .get(15, TimeUnit.SECONDS);
    assertThat(sandbox.mode()).as("bubblewrap works here (.ci/run installs it): %s", sandbox.reason())
        .isEqualTo(CliSandbox.Mode.CONFINED);
    return new CliAgentRunner(vertx, new CliAgentPolicy(config, sandbox), projectId -> Future.succeededFuture(role),
        environment);
  }

  /** The outputs delivered before the result completed, and whether all came on the caller's context. */
  private record Recorded(List<CliAgentOutput> outputs, CliAgentResult result, boolean onContext) {
    List<Kind> kinds() {
      return outputs.stream().map(CliAgentOutput::kind).toList();
    }
  }

  private Recorded run(CliAgentRunner runner, CliAgentRequest request) throws Exception {
    Context context = vertx.getOrCreateContext();
    List<CliAgentOutput> outputs = new CopyOnWriteArrayList<>();
    AtomicBoolean onContext = new AtomicBoolean(true);
    CompletableFuture<Recorded> done = new CompletableFuture<>();
    context.runOnContext(v -> runner.run(request, out -> {
      if (Vertx.currentContext() != context) {
        onContext.set(false);
      }
      outputs.add(out);
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(new Recorded(List.copyOf(outputs), ar.result(), onContext.get()));
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    return done.get(15, TimeUnit.SECONDS);
  }

  private OrchestratorException failure(CliAgentRunner runner, CliAgentRequest request) {
    ExecutionException e = catchThrowableOfType(() -> run(runner, request),
        ExecutionException.class);
    assertThat(e.getCause()).isInstanceOf(OrchestratorException.class);
    return (OrchestratorException) e.getCause();
  }

  private List<String> lines(String file) throws IOException {
    return Files.readAllLines(project.resolve(file));
  }

  private long pid(String file) throws IOException {
    return Long.parseLong(Files.readString(project.resolve(file)).strip());
  }

  /** Alive and not a zombie: a killed orphan may stay a zombie when pid 1 does not reap. */
  private static boolean alive(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.exists(Path.of("/proc/self/stat"))) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
    try {
      String text = Files.readString(stat);
      char state = text.charAt(text.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void assertDies(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (alive(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(alive(pid)).as("process %d is alive", pid).isFalse();
  }

  static Stream<Arguments> argvPerProfile() {
    List<String> claude = List.of("-p", "--output-format", "stream-json", "--verbose");
    List<String> codex = List.of("exec", "--json", "--skip-git-repo-check", "--sandbox");
    List<String> gemini = List.of("--output-format", "stream-json", "--approval-mode");
    return Stream.of(
        Arguments.of(CliAgent.CLAUDE_CODE, ToolProfile.READONLY, concat(claude, "--permission-mode", "default",
            "--disallowedTools", "Bash,Edit,Write,MultiEdit,NotebookEdit")),
        Arguments.of(CliAgent.CLAUDE_CODE, ToolProfile.DEVELOPER, concat(claude, "--permission-mode", "acceptEdits")),
        Arguments.of(CliAgent.CLAUDE_CODE, ToolProfile.FULL_ACCESS,
            concat(claude, "--permission-mode", "bypassPermissions")),
        Arguments.of(CliAgent.CODEX, ToolProfile.READONLY, concat(codex, "read-only", "-")),
        Arguments.of(CliAgent.CODEX, ToolProfile.DEVELOPER, concat(codex, "workspace-write", "-")),
        Arguments.of(CliAgent.CODEX, ToolProfile.FULL_ACCESS, concat(codex, "danger-full-access", "-")),
        Arguments.of(CliAgent.GEMINI, ToolProfile.READONLY, concat(gemini, "default")),
        Arguments.of(CliAgent.GEMINI, ToolProfile.DEVELOPER, concat(gemini, "auto_edit")),
        Arguments.of(CliAgent.GEMINI, ToolProfile.FULL_ACCESS, concat(gemini, "yolo")));
  }

  private static List<String> concat(List<String> head, String... tail) {
    return Stream.concat(head.stream(), Stream.of(tail)).toList();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("argvPerProfile")
  @DisplayName("each CLI gets its headless streaming flags and the profile's permission flags")
  void argv(CliAgent agent, ToolProfile profile, List<String> expected) throws Exception {
    Recorded run = run(runner(), CliAgentRequest.of(agent, PROMPT, project).withProfile(profile));

    assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(lines("args.txt")).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("a request without profile or timeout takes the agent's configured defaults; extra args follow the profile")
  void configuredDefaults() throws Exception {
    CliAgentRunner runner = unsandboxed(config(new JsonObject()
        .put("codex", new JsonObject().put("default_profile", "readonly")
            .put("extra_args", new JsonArray().add("--model").add("gpt-5-codex")))));

    run(runner, CliAgentRequest.of(CliAgent.CODEX, PROMPT, project));

    assertThat(lines("args.txt")).containsExactly("exec", "--json", "--skip-git-repo-check", "--sandbox", "read-only",
        "--model", "gpt-5-codex", "-");
  }

  @Test
  @DisplayName("the CLI runs in the project folder and reads the whole prompt, UTF-8, on stdin")
  void workingDirectoryAndStdin() throws Exception {
    run(runner(), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project));

    assertThat(lines("cwd.txt")).containsExactly(project.toRealPath().toString());
    assertThat(Files.readString(project.resolve("stdin.txt"))).isEqualTo(PROMPT);
    assertThat(lines("args.txt")).doesNotContain(PROMPT);
  }

  @Test
  @DisplayName("the child sees PATH, HOME and its own key only: no server secret, no other provider's key")
  void minimalEnvironment() throws Exception {
    run(runner(), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project));

    Map<String, String> env = lines("env.txt").stream().filter(l -> l.contains("="))
        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
            (a, b) -> a));
    // The shell itself adds PWD (and some shells OLDPWD, SHLVL, _).
    assertThat(env.keySet()).containsAll(Set.of("PATH", "HOME", "ANTHROPIC_API_KEY"))
        .isSubsetOf(Set.of("PATH", "HOME", "ANTHROPIC_API_KEY", "PWD", "OLDPWD", "SHLVL", "_"));
    assertThat(env).containsEntry("ANTHROPIC_API_KEY", "sk-ant-test").containsEntry("PATH", environment.get("PATH"));
  }

  @Test
  @DisplayName("Claude Code: lines stream in order on the caller's context before the result; usage and cost from the result line")
  void claudeStream() throws Exception {
    Recorded run = run(runner(), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project));

    assertThat(run.onContext()).isTrue();
    assertThat(run.outputs()).extracting(CliAgentOutput::kind, CliAgentOutput::text, CliAgentOutput::tool)
        .containsExactly(
            tuple(Kind.EVENT, "init", null),
            tuple(Kind.TEXT, "I'll read the README first.", null),
            tuple(Kind.TOOL_USE, "{\"file_path\":\"README.md\"}", "Read"),
            tuple(Kind.TOOL_RESULT, "# Demo A demo project.", null),
            tuple(Kind.TEXT, FakeClis.ANSWER, null),
            tuple(Kind.RESULT, FakeClis.ANSWER, null));
    CliAgentResult result = run.result();
    assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(result.exitCode()).isZero();
    assertThat(result.error()).isNull();
    assertThat(result.text()).isEqualTo(FakeClis.ANSWER);
    assertThat(result.usage()).isEqualTo(new Usage(120, 80, 300, 4000));
    assertThat(result.costUsd()).isEqualTo(0.0123);
    assertThat(result.model()).isEqualTo("claude-sonnet-4-6");
    assertThat(result.sessionId()).isEqualTo("6b1c2a3e-0d8f-4c55-9a51-3f0f9e6d2b11");
  }

  @Test
  @DisplayName("Codex: JSONL events stream in order; the last agent message is the answer; usage from turn.completed")
  void codexStream() throws Exception {
    Recorded run = run(runner(), CliAgentRequest.of(CliAgent.CODEX, PROMPT, project));

    assertThat(run.onContext()).isTrue();
    assertThat(run.outputs()).extracting(CliAgentOutput::kind, CliAgentOutput::tool).containsExactly(
        tuple(Kind.EVENT, null), tuple(Kind.EVENT, null), tuple(Kind.EVENT, null),
        tuple(Kind.TOOL_USE, "command_execution"), tuple(Kind.TOOL_RESULT, "command_execution"),
        tuple(Kind.TEXT, null), tuple(Kind.RESULT, null));
    assertThat(run.outputs().get(3).text()).isEqualTo("bash -lc 'cat README.md'");
    CliAgentResult result = run.result();
    assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(result.text()).isEqualTo(FakeClis.ANSWER);
    // OpenAI counts the cached tokens inside input_tokens.
    assertThat(result.usage()).isEqualTo(new Usage(24763 - 24448, 122, 0, 24448));
    assertThat(result.costUsd()).isNull();
    assertThat(result.sessionId()).isEqualTo("0199a213-81c0-7800-8aa1-bbab2a035a53");
  }

  @Test
  @DisplayName("Gemini CLI: deltas stream in order and make the answer; usage from the result stats")
  void geminiStream() throws Exception {
    Recorded run = run(runner(), CliAgentRequest.of(CliAgent.GEMINI, PROMPT, project));

    assertThat(run.onContext()).isTrue();
    assertThat(run.outputs()).extracting(CliAgentOutput::kind, CliAgentOutput::text, CliAgentOutput::tool)
        .containsExactly(
            tuple(Kind.EVENT, "", null),
            tuple(Kind.EVENT, "", null),
            tuple(Kind.TOOL_USE, "{\"absolute_path\":\"README.md\"}", "read_file"),
            tuple(Kind.TOOL_RESULT, "# Demo A demo project.", null),
            tuple(Kind.TEXT, "The project ", null),
            tuple(Kind.TEXT, "is a demo.", null),
            tuple(Kind.RESULT, FakeClis.ANSWER, null));
    CliAgentResult result = run.result();
    assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(result.text()).isEqualTo(FakeClis.ANSWER);
    assertThat(result.usage()).isEqualTo(new Usage(2000, 123, 0, 6000));
    assertThat(result.model()).isEqualTo("gemini-2.5-pro");
  }

  @Test
  @DisplayName("at the timeout the CLI and its child are killed, SIGKILL after the grace when they ignore SIGTERM")
  void timeoutKillsTree() throws Exception {
    Duration timeout = Duration.ofMillis(800);
    long started = System.nanoTime();

    Recorded run = run(runner(), CliAgentRequest.of(CliAgent.CODEX, "SLEEP CHILD IGNORE_TERM", project)
        .withTimeout(timeout));

    CliAgentResult result = run.result();
    assertThat(result.outcome()).isEqualTo(Outcome.TIMED_OUT);
    assertThat(result.timedOut()).isTrue();
    assertThat(result.exitCode()).isEqualTo(128 + 9);
    assertThat(result.error()).isEqualTo("codex timed out after 0.8 s");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(timeout.plus(GRACE));
    assertThat(run.kinds()).first().isEqualTo(Kind.EVENT);
    assertDies(pid("main.pid"));
    assertDies(pid("child.pid"));
  }

  @Test
  @DisplayName("cancel stops a running CLI and its child; output arrived while it ran")
  void cancel() throws Exception {
    CompletableFuture<CliAgentOutput> first = new CompletableFuture<>();
    CliAgentRun run = runner().start(CliAgentRequest.of(CliAgent.GEMINI, "SLEEP CHILD", project), first::complete);

    assertThat(first.get(10, TimeUnit.SECONDS).kind()).isEqualTo(Kind.EVENT);
    long main = pid("main.pid");
    assertThat(alive(main)).isTrue();
    run.cancel();
    run.cancel();
    CliAgentResult result = run.result().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(result.outcome()).isEqualTo(Outcome.CANCELLED);
    assertThat(result.cancelled()).isTrue();
    assertThat(result.error()).isEqualTo("gemini was cancelled");
    assertDies(main);
    assertDies(pid("child.pid"));
  }

  @Test
  @DisplayName("cancel right after start, before the process may exist, still stops it")
  void cancelImmediately() throws Exception {
    CliAgentRun run = runner().start(CliAgentRequest.of(CliAgent.CLAUDE_CODE, "SLEEP", project), null);
    run.cancel();

    CliAgentResult result = run.result().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  @DisplayName("a non-zero exit is a failed result whose error holds the exit code and stderr's tail")
  void nonZeroExit() throws Exception {
    Recorded run = run(runner(), CliAgentRequest.of(CliAgent.CLAUDE_CODE, "FAIL", project));

    CliAgentResult result = run.result();
    assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.error()).isEqualTo(
        "claude exited with code 3: Error: the model refused the request\nrun with --debug for details");
    assertThat(result.text()).isEqualTo("this is not JSON");
    assertThat(run.outputs()).filteredOn(o -> o.kind() == Kind.STDERR).extracting(CliAgentOutput::text)
        .containsExactly("Error: the model refused the request", "run with --debug for details");
    assertThat(run.outputs()).filteredOn(o -> o.kind() == Kind.RAW).extracting(CliAgentOutput::line)
        .containsExactly("this is not JSON");
  }

  @Test
  @DisplayName("a folder outside the data folder, the data folder itself, or a link out of it is refused with 403")
  void refusesOutsideDataFolder() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path link = Files.createSymbolicLink(data.resolve("projects/escape"), outside);
    CliAgentRunner runner = runner();

    for (Path dir : List.of(outside, data, link, data.resolve("projects/../../outside"))) {
      OrchestratorException e = failure(runner, CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, dir));
      assertThat(e.status()).as("%s", dir).isEqualTo(403);
      assertThat(e.getMessage()).startsWith("cli agents run only in a project folder below the data folder");
    }
    assertThat(outside).isEmptyDirectory();
    assertThat(data.resolve("args.txt")).doesNotExist();
  }

  @Test
  @DisplayName("a project folder that does not exist is a 400")
  void missingFolder() {
    OrchestratorException e = failure(runner(), CliAgentRequest.of(CliAgent.CODEX, PROMPT,
        data.resolve("projects/p2")));

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.getMessage()).contains("does not exist");
  }

  @Test
  @DisplayName("a CLI missing from the PATH, or a configured path that is not executable, is a clear 503")
  void missingBinary() {
    environment.put("PATH", "/usr/bin:/bin");
    OrchestratorException onPath = failure(runner(), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project));
    Path missing = tmp.resolve("opt/codex");
    CliAgentRunner configured = unsandboxed(config(new JsonObject()
        .put("codex", new JsonObject().put("binary", missing.toString()))));
    OrchestratorException byPath = failure(configured, CliAgentRequest.of(CliAgent.CODEX, PROMPT, project));

    assertThat(onPath.status()).isEqualTo(503);
    assertThat(onPath.retryable()).isFalse();
    assertThat(onPath.getMessage()).isEqualTo("claude_code is not installed: no executable 'claude' on the PATH"
        + " (install it or set cli_agents.claude_code.binary)");
    assertThat(byPath.status()).isEqualTo(503);
    assertThat(byPath.getMessage()).isEqualTo("codex is not installed: '" + missing + "' is not an executable file"
        + " (install it or set cli_agents.codex.binary)");
  }

  @Test
  @DisplayName("a configured path to the binary is used without the PATH")
  void configuredBinaryPath() throws Exception {
    environment.put("PATH", "/usr/bin:/bin");
    CliAgentRunner runner = unsandboxed(config(new JsonObject()
        .put("gemini", new JsonObject().put("binary", bin.resolve("gemini").toString()))));

    Recorded run = run(runner, CliAgentRequest.of(CliAgent.GEMINI, PROMPT, project));

    assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(run.result().text()).isEqualTo(FakeClis.ANSWER);
  }

  @ParameterizedTest
  @EnumSource(CliAgent.class)
  @DisplayName("an output handler that throws does not stop the run")
  void throwingHandler(CliAgent agent) throws Exception {
    CliAgentResult result = runner().run(CliAgentRequest.of(agent, PROMPT, project), out -> {
      throw new IllegalStateException("handler bug");
    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(result.outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(result.text()).isEqualTo(FakeClis.ANSWER);
  }

  @Test
  @DisplayName("in the sandbox the agent runs in its folder, mounted at /project, with an empty HOME and only its own variables")
  void sandboxedRun() throws Exception {
    Recorded run = run(sandboxed("user"), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project));

    assertThat(run.result().outcome()).isEqualTo(Outcome.SUCCEEDED);
    assertThat(run.result().text()).isEqualTo(FakeClis.ANSWER);
    assertThat(lines("cwd.txt")).containsExactly(CliSandbox.PROJECT);
    assertThat(Files.readString(project.resolve("stdin.txt"))).isEqualTo(PROMPT);
    assertThat(lines("env.txt")).contains("HOME=" + CliSandbox.HOME, "ANTHROPIC_API_KEY=sk-ant-test")
        .noneMatch(l -> l.startsWith("ORCH_AUTH__SECRET_KEY") || l.startsWith("OPENAI_API_KEY"));
  }

  @Test
  @DisplayName("cancelling a sandboxed agent stops every process of its sandbox")
  void sandboxedCancel() throws Exception {
    CompletableFuture<CliAgentOutput> first = new CompletableFuture<>();
    CliAgentRun run = sandboxed("user").start(CliAgentRequest.of(CliAgent.GEMINI, "SLEEP CHILD", project),
        first::complete);
    first.get(10, TimeUnit.SECONDS);
    List<ProcessHandle> tree = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    assertThat(tree).as("bwrap, the agent and its child").hasSizeGreaterThanOrEqualTo(3);

    run.cancel();
    CliAgentResult result = run.result().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(result.outcome()).isEqualTo(Outcome.CANCELLED);
    for (ProcessHandle process : tree) {
      assertDies(process.pid());
    }
  }

  @Test
  @DisplayName("a run whose owner may not use the profile is refused with 403 before any process starts")
  void refusedByPolicy() throws Exception {
    OrchestratorException e = failure(sandboxed("user"), CliAgentRequest.of(CliAgent.CLAUDE_CODE, PROMPT, project)
        .withProfile(ToolProfile.FULL_ACCESS));

    assertThat(e.status()).isEqualTo(403);
    assertThat(e.getMessage()).isEqualTo("CLI agent profile 'full_access' is not allowed for role 'user' on this"
        + " server (allowed: readonly, developer)");
    assertThat(project.resolve("stdin.txt")).doesNotExist();
  }

  @Test
  @DisplayName("where bubblewrap is missing, the probe refuses CLI agents, unless cli_agents.unsandboxed allows them")
  void probeWithoutBubblewrap() throws Exception {
    environment.put("PATH", bin.toString());
    CliSandbox refused = CliSandbox.probe(vertx, config(new JsonObject()), environment).toCompletionStage()
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    CliSandbox allowed = CliSandbox.probe(vertx, config(new JsonObject().put("unsandboxed", true)), environment)
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);

    assertThat(refused.mode()).isEqualTo(CliSandbox.Mode.REFUSED);
    assertThat(refused.reason()).isEqualTo("'bwrap' not found (install the bubblewrap package)");
    assertThat(allowed.mode()).isEqualTo(CliSandbox.Mode.UNSANDBOXED);
  }
}
