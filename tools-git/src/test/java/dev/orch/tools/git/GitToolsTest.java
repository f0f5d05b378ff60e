package dev.orch.tools.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The git tools against real repositories in temporary folders, with the git on this machine. */
class GitToolsTest {
  static Vertx vertx;
  @TempDir Path dir;
  Path repo;
  JsonObject config = new JsonObject();

  final Tool status = new GitStatusTool();
  final Tool diff = new GitDiffTool();
  final Tool log = new GitLogTool();

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void repository() throws Exception {
    repo = Files.createDirectories(dir.resolve("projects/p1"));
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("README.md"), "# Shop\n");
    Files.createDirectories(repo.resolve("src"));
    Files.writeString(repo.resolve("src/App.java"), "class App {}\n");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "First commit");
    Files.writeString(repo.resolve("README.md"), "# Shop\nSells things.\n");
    git(repo, "commit", "-q", "-am", "Describe the shop");
  }

  static void git(Path in, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.com"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  String call(Tool tool, JsonObject arguments) {
    var context = new ToolContext(vertx, "p1", "t1", repo, config, LoggerFactory.getLogger("test"));
    try {
      return tool.invoke(arguments, context).await(20, TimeUnit.SECONDS);
    } catch (ToolException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  ToolException refusal(Tool tool, JsonObject arguments) {
    Throwable thrown = catchThrowable(() -> call(tool, arguments));
    assertThat(thrown).isInstanceOf(ToolException.class);
    return (ToolException) thrown;
  }

  @Test
  @DisplayName("git_status shows the branch and changed and untracked files")
  void status() throws Exception {
    assertThat(call(status, new JsonObject())).isEqualTo("## main\nNothing to commit, working tree clean");
    Files.writeString(repo.resolve("src/App.java"), "class App { int x; }\n");
    Files.writeString(repo.resolve("NOTES.md"), "new\n");
    assertThat(call(status, new JsonObject())).isEqualTo("## main\n M src/App.java\n?? NOTES.md");
  }

  @Test
  @DisplayName("git_diff shows unstaged, staged, path-limited and revision diffs")
  void diff() throws Exception {
    assertThat(call(diff, new JsonObject())).isEqualTo("No unstaged changes.");
    Files.writeString(repo.resolve("src/App.java"), "class App { int x; }\n");
    assertThat(call(diff, new JsonObject())).contains("--- a/src/App.java").contains("+class App { int x; }");
    assertThat(call(diff, new JsonObject().put("path", "README.md"))).isEqualTo("No unstaged changes.");
    git(repo, "add", "src/App.java");
    assertThat(call(diff, new JsonObject())).isEqualTo("No unstaged changes.");
    assertThat(call(diff, new JsonObject().put("staged", true))).contains("+class App { int x; }");
    assertThat(call(diff, new JsonObject().put("ref", "HEAD~1").put("path", "README.md")))
        .contains("+Sells things.");
    assertThat(call(diff, new JsonObject().put("ref", "HEAD~1").put("stat", true)))
        .containsPattern("README.md +\\| 1 \\+").contains("2 files changed");
  }

  @Test
  @DisplayName("git_log lists commits newest first, by count, revision and path")
  void log() throws Exception {
    assertThat(call(log, new JsonObject()).lines().map(l -> l.replaceAll("^[0-9a-f]+ \\S+ ", "")).toList())
        .containsExactly("Test: Describe the shop", "Test: First commit");
    assertThat(call(log, new JsonObject().put("max_count", 1)).lines().toList()).hasSize(1);
    assertThat(call(log, new JsonObject().put("path", "src"))).contains("First commit").doesNotContain("Describe");
    assertThat(call(log, new JsonObject().put("ref", "HEAD~1"))).contains("First commit").doesNotContain("Describe");
    assertThat(refusal(log, new JsonObject().put("ref", "nope")).getMessage()).startsWith("git log failed: fatal:");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"--output=/tmp/pwned", "-p", "HEAD; rm -rf /", "HEAD --output=x", "$(id)", "a\nb", ""})
  @DisplayName("a ref that could be an option or is not a revision name is refused")
  void badRefs(String ref) {
    assertThat(refusal(diff, new JsonObject().put("ref", ref)).getMessage()).startsWith("Refused: ref");
    assertThat(refusal(log, new JsonObject().put("ref", ref)).getMessage()).startsWith("Refused: ref");
    assertThat(Path.of("/tmp/pwned")).doesNotExist();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"-p", "--output=x", "/etc/passwd", "../other", "src/../../x", ".git/config", "a\0b"})
  @DisplayName("a path that could be an option or leaves the repository is refused")
  void badPaths(String path) {
    assertThat(refusal(diff, new JsonObject().put("path", path)).getMessage()).startsWith("Refused: path");
    assertThat(refusal(log, new JsonObject().put("path", path)).getMessage()).startsWith("Refused: path");
  }

  @Test
  @DisplayName("a pathspec is taken literally: glob and magic characters match nothing special")
  void literalPaths() throws Exception {
    assertThat(call(log, new JsonObject().put("path", "*"))).isEqualTo("No commits.");
    assertThat(call(log, new JsonObject().put("path", ":(top)"))).isEqualTo("No commits.");
  }

  @Test
  @DisplayName("a project folder that is not a repository says so, even inside another repository")
  void notARepository() throws Exception {
    Path outer = Files.createDirectories(dir.resolve("outer"));
    git(outer, "init", "-q");
    repo = Files.createDirectories(outer.resolve("projects/p2"));
    assertThat(refusal(status, new JsonObject()).getMessage()).isEqualTo("The project folder is not a git repository");
  }

  @Test
  @DisplayName("the repository's own settings run nothing: no fsmonitor, no hooks, no external diff")
  void repositoryConfigRunsNothing() throws Exception {
    Path marker = dir.resolve("ran");
    Path script = dir.resolve("evil.sh");
    Files.writeString(script, "#!/bin/sh\necho pwned > " + marker + "\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    git(repo, "config", "core.fsmonitor", script.toString());
    git(repo, "config", "diff.external", script.toString());
    git(repo, "config", "core.pager", script.toString());
    Files.writeString(repo.resolve("README.md"), "changed\n");
    call(status, new JsonObject());
    assertThat(call(diff, new JsonObject())).contains("+changed");
    call(log, new JsonObject());
    assertThat(marker).doesNotExist();
  }

  @Test
  @DisplayName("a git that does not finish within git.command_timeout is stopped, with a message")
  void timeout() throws Exception {
    Path slow = dir.resolve("slow-git");
    Files.writeString(slow, "#!/bin/sh\nsleep 30\n");
    Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwx------"));
    config = new JsonObject().put("binary", slow.toString()).put("git", new JsonObject().put("command_timeout", 0.5));
    long started = System.nanoTime();
    ToolException e = refusal(status, new JsonObject());
    assertThat(e.getMessage()).isEqualTo("git status did not finish within 0.5 s");
    assertThat(e.retryable()).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(10);
  }

  @Test
  @DisplayName("output over tools.git.max_output_chars is cut with a note")
  void cut() throws Exception {
    Files.writeString(repo.resolve("big.txt"), "line of text\n".repeat(5_000));
    git(repo, "add", "big.txt");
    config = new JsonObject().put("max_output_chars", 1_000);
    String out = call(diff, new JsonObject().put("staged", true));
    assertThat(out).contains("[Cut at 1000 characters");
    assertThat(out.indexOf("\n\n[Cut")).isEqualTo(1_000);
  }

  @Test
  @DisplayName("git.enabled false turns the tools off")
  void disabled() {
    config = new JsonObject().put("git", new JsonObject().put("enabled", false));
    assertThat(refusal(status, new JsonObject()).getMessage()).contains("git.enabled is false");
  }
}
