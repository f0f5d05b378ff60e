package dev.orch.tools.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** The file tools on a real project folder, with a secret file next to it that no path may reach. */
class FileToolsTest {
  static Vertx vertx;
  @TempDir Path dir;
  Path workspace;
  Path secret;
  JsonObject config = new JsonObject();

  final Tool read = new ReadFileTool();
  final Tool write = new WriteFileTool();
  final Tool list = new ListFilesTool();
  final Tool edit = new EditFileTool();

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void folders() throws Exception {
    workspace = Files.createDirectories(dir.resolve("projects/p1"));
    secret = Files.writeString(dir.resolve("secret.txt"), "top secret");
  }

  String call(Tool tool, JsonObject arguments) {
    var context = new ToolContext(vertx, "p1", "t1", workspace, config, LoggerFactory.getLogger("test"));
    try {
      return tool.invoke(arguments, context).await(10, TimeUnit.SECONDS);
    } catch (ToolException e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  String refusal(Tool tool, JsonObject arguments) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> call(tool, arguments));
    assertThat(thrown).isInstanceOf(ToolException.class);
    assertThat(((ToolException) thrown).retryable()).isFalse();
    return thrown.getMessage();
  }

  static JsonObject path(String path) {
    return new JsonObject().put("path", path);
  }

  static JsonObject writing(String path, String content) {
    return new JsonObject().put("path", path).put("content", content);
  }

  @Test
  @DisplayName("write_file creates the file and its folders in the project folder; read_file reads it back")
  void writeThenRead() throws Exception {
    assertThat(call(write, writing("docs/notes/plan.md", "# Plan\nStep one"))).isEqualTo(
        "File written: docs/notes/plan.md (15 chars)");
    assertThat(Files.readString(workspace.resolve("docs/notes/plan.md"))).isEqualTo("# Plan\nStep one");
    assertThat(call(read, path("docs/notes/plan.md"))).isEqualTo("# Plan\nStep one");
    assertThat(call(read, path("./docs//notes/plan.md"))).isEqualTo("# Plan\nStep one");
  }

  @Test
  @DisplayName("write_file replaces an existing file")
  void replaces() throws Exception {
    Files.writeString(workspace.resolve("a.txt"), "a much longer original text");
    call(write, writing("a.txt", "short"));
    assertThat(Files.readString(workspace.resolve("a.txt"))).isEqualTo("short");
  }

  @Test
  @DisplayName("read_file cuts a text over 50,000 characters with a note; exactly 50,000 is whole")
  void cutsLongFiles() throws Exception {
    Files.writeString(workspace.resolve("exact.txt"), "x".repeat(50_000));
    assertThat(call(read, path("exact.txt"))).hasSize(50_000).doesNotContain("[Cut");

    Files.writeString(workspace.resolve("long.txt"), "é".repeat(80_000));
    String text = call(read, path("long.txt"));
    assertThat(text).startsWith("é".repeat(50_000) + "\n\n[Cut at 50000 characters: long.txt is 160000 bytes long");
  }

  @Test
  @DisplayName("read_file refuses a binary file, a folder and a missing file with a message")
  void readRefusals() throws Exception {
    Files.write(workspace.resolve("image.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13});
    Files.createDirectories(workspace.resolve("src"));
    assertThat(refusal(read, path("image.png"))).contains("binary");
    assertThat(refusal(read, path("src"))).contains("is a folder").contains("list_files");
    assertThat(refusal(read, path("nope.txt"))).isEqualTo("File not found: nope.txt");
  }

  @Test
  @DisplayName("write_file refuses content over tools.file.max_write_bytes and writes nothing")
  void writeLimit() {
    config = new JsonObject().put("max_write_bytes", 10);
    assertThat(refusal(write, writing("big.txt", "ééééééé"))).contains("14 bytes, over the limit of 10 bytes");
    assertThat(workspace.resolve("big.txt")).doesNotExist();
    assertThat(call(write, writing("ok.txt", "0123456789"))).contains("File written: ok.txt");
  }

  @Test
  @DisplayName("write_file refuses a path whose folder is a file")
  void folderIsAFile() throws Exception {
    Files.writeString(workspace.resolve("notes"), "a file");
    assertThat(refusal(write, writing("notes/today.md", "x"))).isEqualTo("Refused: a folder on the way to"
        + " notes/today.md is a file");
  }

  @Test
  @DisplayName("a wrong argument type is a message, not a crash")
  void argumentTypes() {
    assertThat(refusal(read, new JsonObject().put("path", 42))).isEqualTo("path must be a string");
    assertThat(refusal(write, new JsonObject().put("path", "a.txt"))).isEqualTo("content is required");
    assertThat(refusal(read, new JsonObject())).startsWith("path is required");
  }

  @Nested
  @DisplayName("every way out of the project folder is refused")
  class Escapes {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/etc/passwd", "\\etc\\passwd", "C:\\Windows\\win.ini", "c:/x.txt"})
    @DisplayName("absolute paths")
    void absolute(String p) {
      assertThat(refusal(read, path(p))).contains("absolute path");
      assertThat(refusal(write, writing(p, "x"))).contains("absolute path");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"..", "../secret.txt", "a/../../secret.txt", "a/..", "docs\\..\\..\\secret.txt",
        "../p1/inside.txt"})
    @DisplayName("'..' anywhere, even when it would stay inside")
    void dotDot(String p) {
      assertThat(refusal(read, path(p))).contains("'..'");
      assertThat(refusal(write, writing(p, "pwned"))).contains("'..'");
      assertThat(secret).content().isEqualTo("top secret");
    }

    @Test
    @DisplayName("a NUL character")
    void nul() {
      assertThat(refusal(read, path("a.txt\0.png"))).isEqualTo("Refused: the path contains a NUL character");
      assertThat(refusal(write, writing("a\0b", "x"))).isEqualTo("Refused: the path contains a NUL character");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {".git/config", ".git", "sub/.git/hooks/pre-commit", ".GIT/config", "./.git/HEAD"})
    @DisplayName("anything under .git/")
    void git(String p) throws Exception {
      Files.createDirectories(workspace.resolve(".git/hooks"));
      Files.writeString(workspace.resolve(".git/config"), "[core]");
      assertThat(refusal(read, path(p))).contains(".git/");
      assertThat(refusal(write, writing(p, "[core]\n\thooksPath = /tmp/evil"))).contains(".git/");
      assertThat(workspace.resolve(".git/config")).content().isEqualTo("[core]");
    }

    @Test
    @DisplayName("a symbolic link to a file outside, for reading and for writing")
    void fileLink() throws Exception {
      Files.createSymbolicLink(workspace.resolve("link.txt"), secret);
      assertThat(refusal(read, path("link.txt"))).contains("leads out of the project folder through a symbolic link");
      assertThat(refusal(write, writing("link.txt", "pwned"))).contains("symbolic link");
      assertThat(refusal(edit, new JsonObject().put("path", "link.txt").put("old_string", "top")
          .put("new_string", "no"))).contains("symbolic link");
      assertThat(secret).content().isEqualTo("top secret");
    }

    @Test
    @DisplayName("a symbolic link in a parent folder, also for a file that does not exist yet")
    void folderLink() throws Exception {
      Path outside = Files.createDirectories(dir.resolve("outside"));
      Files.writeString(outside.resolve("keys.txt"), "keys");
      Files.createDirectories(workspace.resolve("src"));
      Files.createSymbolicLink(workspace.resolve("src/out"), outside);
      assertThat(refusal(read, path("src/out/keys.txt"))).contains("symbolic link");
      assertThat(refusal(write, writing("src/out/new/planted.sh", "rm -rf /"))).contains("symbolic link");
      assertThat(refusal(list, path("src/out"))).contains("symbolic link");
      assertThat(outside.resolve("new")).doesNotExist();
    }

    @Test
    @DisplayName("a dangling symbolic link")
    void dangling() throws Exception {
      Files.createSymbolicLink(workspace.resolve("gone"), dir.resolve("does-not-exist"));
      assertThat(refusal(write, writing("gone", "x"))).contains("points nowhere");
      assertThat(dir.resolve("does-not-exist")).doesNotExist();
    }

    @Test
    @DisplayName("a symbolic link inside the folder that leads into .git/")
    void linkIntoGit() throws Exception {
      Files.createDirectories(workspace.resolve(".git"));
      Files.writeString(workspace.resolve(".git/config"), "[core]");
      Files.createSymbolicLink(workspace.resolve("cfg"), workspace.resolve(".git"));
      assertThat(refusal(write, writing("cfg/config", "[core]\n\tfsmonitor = evil"))).contains(".git/");
      assertThat(workspace.resolve(".git/config")).content().isEqualTo("[core]");
    }

    @Test
    @DisplayName("a symbolic link that stays inside the folder is followed")
    void innerLink() throws Exception {
      Files.writeString(workspace.resolve("real.txt"), "inside");
      Files.createSymbolicLink(workspace.resolve("alias.txt"), workspace.resolve("real.txt"));
      assertThat(call(read, path("alias.txt"))).isEqualTo("inside");
    }
  }

  @Nested
  @DisplayName("edit_file")
  class Edit {
    @BeforeEach
    void file() throws Exception {
      Files.writeString(workspace.resolve("Main.java"), "class Main {\n  int a = 1;\n  int b = 1;\n}\n");
    }

    JsonObject edit(String oldString, String newString) {
      return new JsonObject().put("path", "Main.java").put("old_string", oldString).put("new_string", newString);
    }

    @Test
    @DisplayName("replaces the one occurrence of the exact text")
    void replacesOnce() throws Exception {
      assertThat(call(FileToolsTest.this.edit, edit("int a = 1;", "int a = 2;"))).startsWith("File edited: Main.java");
      assertThat(workspace.resolve("Main.java")).content().isEqualTo("class Main {\n  int a = 2;\n  int b = 1;\n}\n");
    }

    @Test
    @DisplayName("refuses text that is absent or occurs more than once, and changes nothing")
    void absentOrAmbiguous() {
      assertThat(refusal(FileToolsTest.this.edit, edit("int c = 1;", "x"))).contains("was not found in Main.java");
      assertThat(refusal(FileToolsTest.this.edit, edit(" = 1;", " = 3;"))).contains("occurs 2 times");
      assertThat(refusal(FileToolsTest.this.edit, edit("", "x"))).contains("must not be empty");
      assertThat(workspace.resolve("Main.java")).content().isEqualTo("class Main {\n  int a = 1;\n  int b = 1;\n}\n");
    }

    @Test
    @DisplayName("refuses a file that is not UTF-8 text")
    void notText() throws Exception {
      Files.write(workspace.resolve("Main.java"), new byte[] {'a', (byte) 0xC3, 'b'});
      assertThat(refusal(FileToolsTest.this.edit, edit("a", "b"))).contains("not UTF-8 text");
    }
  }

  @Nested
  @DisplayName("list_files")
  class ListFiles {
    @BeforeEach
    void tree() throws Exception {
      Files.createDirectories(workspace.resolve("src/main"));
      Files.createDirectories(workspace.resolve(".git/objects"));
      Files.writeString(workspace.resolve("README.md"), "r");
      Files.writeString(workspace.resolve("src/main/App.java"), "a");
    }

    @Test
    @DisplayName("lists one level by default, folders with '/', without .git")
    void oneLevel() {
      assertThat(call(list, new JsonObject())).isEqualTo("README.md\nsrc/");
    }

    @Test
    @DisplayName("lists the whole tree when recursive, paths relative to the project folder")
    void recursive() {
      assertThat(call(list, new JsonObject().put("recursive", true))).isEqualTo(
          "README.md\nsrc/\nsrc/main/\nsrc/main/App.java");
      assertThat(call(list, path("src").put("recursive", true))).isEqualTo("src/main/\nsrc/main/App.java");
    }

    @Test
    @DisplayName("stops at tools.file.max_list_entries with a note")
    void capped() {
      config = new JsonObject().put("max_list_entries", 2);
      assertThat(call(list, new JsonObject().put("recursive", true))).contains("[Showing the first 2 entries found");
    }

    @Test
    @DisplayName("says so when a folder is empty")
    void empty() throws Exception {
      Files.createDirectories(workspace.resolve("empty"));
      assertThat(call(list, path("empty"))).isEqualTo("(empty is empty)");
    }
  }

  @Test
  @DisplayName("the tools describe themselves with a JSON schema of an object")
  void schemas() {
    for (Tool tool : new Tool[] {read, write, list, edit}) {
      assertThat(tool.name()).matches("[a-z0-9_]{1,64}");
      assertThat(tool.description()).isNotBlank();
      assertThat(tool.parameters().getString("type")).isEqualTo("object");
    }
    assertThat(write.parameters().getJsonArray("required").getList()).containsExactly("path", "content");
  }
}
