package dev.orch.tools.rag.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.rag.RagDatabase;
import dev.orch.tool.ToolContext;
import dev.orch.tools.rag.LookupTypeTool;
import dev.orch.tools.rag.SearchKnowledgeTool;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code orch rag build NAME FOLDER} on a real folder; the database it writes is searched by the tools. */
class RagBuildCommandTest {
  @TempDir static Path dir;
  static Path folder;
  static Vertx vertx;

  /** What one run printed and returned. */
  record Run(int code, String out, String err) {}

  @BeforeAll
  static void folder() throws Exception {
    vertx = Vertx.vertx();
    folder = dir.resolve("project");
    write("docs/releasing.md", "# Releasing\n\nTo ship a new version, tag the commit with the version number and push"
        + " the tag; the pipeline builds and uploads the artifacts.\n\n## Rolling back\n\nRedeploy the previous tag.\n");
    write("src/Greeter.java", "package demo;\n\n/** Says hello. */\npublic final class Greeter {\n"
        + "  String greet(String name) {\n    return \"Hello, \" + name;\n  }\n}\n");
    write("notes.txt", "Meeting notes: the team agreed to hold a demo every Friday afternoon.\n");
    write("big.txt", "lorem ipsum hugeword ".repeat(60_000));
    Files.write(folder.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
    Files.write(folder.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'x'});
    write(".git/config", "[core] secretword-git\n");
    write("node_modules/lib/index.js", "module.exports = 'secretword-node';\n");
    write("target/classes/out.txt", "secretword-target\n");
    Path outside = Files.createDirectories(dir.resolve("elsewhere")).resolve("private.md");
    Files.writeString(outside, "secretword-outside: not under the folder\n");
    Files.createSymbolicLink(folder.resolve("linked.md"), outside);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static void write(String path, String text) throws Exception {
    Path file = folder.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = RagBuildCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static ToolContext context(String name, Path db, String ollamaHost) {
    JsonObject config = new JsonObject()
        .put("rag", new JsonObject().put("databases", new JsonObject().put(name, db.toString())))
        .put("ollama", new JsonObject().put("embed_model", "nomic-embed-text")
            .put("hosts", ollamaHost == null ? new JsonObject() : new JsonObject().put("local", ollamaHost)));
    return new ToolContext(vertx, "p", "t", dir, config, LoggerFactory.getLogger("test"));
  }

  private static String call(dev.orch.tool.Tool tool, ToolContext context, JsonObject args) throws Exception {
    return tool.invoke(args, context).await(60, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("builds a searchable database of the folder's text files, and says how to configure it")
  void builds() throws Exception {
    Path db = dir.resolve("out/kb.db");
    Run run = run(Map.of(), "kb", folder.toString(), "--output", db.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).contains("orch rag: 3 files, ").contains(" chunks to embed" + System.lineSeparator())
        .contains("orch rag: embedding 100%");
    assertThat(run.out()).contains("Built RAG database 'kb': ").contains(" from 3 files, embedded with the offline ONNX"
        + " model 'all-minilm-l6-v2-q' (384 dimensions); skipped 2 binary, 1 over 1 MiB files.")
        .contains("  \"rag\": {\"databases\": {\"kb\":\"" + db.toAbsolutePath() + "\"}}");
    RagDatabase.Page page = new RagDatabase(vertx, db).documents(null, 0, 200).await(10, TimeUnit.SECONDS);
    assertThat(page.items()).extracting(d -> d.chunk().filePath()).containsOnly("docs/releasing.md",
        "src/Greeter.java", "notes.txt");
    assertThat(new RagDatabase(vertx, db).sources().await(10, TimeUnit.SECONDS))
        .extracting(RagDatabase.SourceCount::source).containsExactlyInAnyOrder("docs", "src", "project");

    ToolContext context = context("kb", db, null);
    String found = call(new SearchKnowledgeTool(), context, new JsonObject().put("database", "kb")
        .put("query", "how do we publish a release?").put("top_k", 1));
    assertThat(found).startsWith("--- [Source: docs | File: docs/releasing.md] (score: ");
    assertThat(call(new LookupTypeTool(), context, new JsonObject().put("database", "kb").put("name", "Greeter")))
        .startsWith("--- [Source: src | Type: Greeter | File: src/Greeter.java] ---\npackage demo;");
    for (String secret : List.of("secretword", "hugeword")) {
      assertThat(call(new LookupTypeTool(), context, new JsonObject().put("database", "kb").put("name", secret)))
          .as("ignored folders, links out of the folder and huge files are not indexed")
          .isEqualTo("No results for '" + secret + "'.");
    }
  }

  @Test
  @DisplayName("an existing database is not replaced without --force, and is with it")
  void force() throws Exception {
    Path db = dir.resolve("data/rag/notes.db");
    Map<String, String> env = Map.of("ORCH_DATA_DIR", dir.resolve("data").toString());
    assertThat(run(env, "notes", folder.resolve("docs").toString()).code()).isZero();
    assertThat(db).exists();
    byte[] first = Files.readAllBytes(db);

    Run refused = run(env, "notes", folder.toString());
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).isEqualTo("orch rag build: " + db + " exists; add --force to replace it"
        + System.lineSeparator());
    assertThat(Files.readAllBytes(db)).isEqualTo(first);

    Run forced = run(env, "notes", folder.toString(), "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("from 3 files");
    try (var files = Files.list(db.getParent())) {
      assertThat(files).as("no partial file left behind").containsExactly(db);
    }
  }

  @Test
  @DisplayName("with --ollama the chunks are embedded by Ollama, the database says so, and a server with that model searches it")
  void ollama() throws Exception {
    try (var ollama = dev.orch.tools.rag.LocalOllama.start(vertx)) {
      Path db = dir.resolve("out/ollama.db");
      Run run = run(Map.of(), "docs", folder.resolve("docs").toString(), "--output", db.toString(), "--ollama",
          "--ollama-host", ollama.url());

      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.out()).contains("embedded with the Ollama model 'nomic-embed-text' (64 dimensions)");
      assertThat(ollama.requests).isNotEmpty().allSatisfy(r -> assertThat(r.getJsonArray("input").getString(0))
          .startsWith("search_document: "));
      try (var c = DriverManager.getConnection("jdbc:sqlite:" + db);
          var rs = c.createStatement().executeQuery("SELECT value FROM meta WHERE key = 'embedding_provider'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("ollama");
      }
      String found = call(new SearchKnowledgeTool(), context("docs", db, ollama.url()), new JsonObject()
          .put("database", "docs").put("query", "rolling back to the previous tag").put("top_k", 1));
      assertThat(found).contains("Redeploy the previous tag.");
    }
  }

  @Test
  @DisplayName("usage errors: a bad name, a missing folder argument, an unknown option")
  void usage() {
    for (String[] args : List.of(new String[] {"../etc", folder.toString()}, new String[] {"kb"},
        new String[] {"kb", folder.toString(), "--nope"}, new String[] {"kb", folder.toString(), "--model", "x"})) {
      Run run = run(Map.of(), args);
      assertThat(run.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(run.err()).contains("usage: orch rag build NAME FOLDER");
    }
    Run notAFolder = run(Map.of(), "kb", dir.resolve("nope").toString(), "--output", dir.resolve("x.db").toString());
    assertThat(notAFolder.code()).isEqualTo(1);
    assertThat(notAFolder.err()).contains("is not a folder");
  }
}
