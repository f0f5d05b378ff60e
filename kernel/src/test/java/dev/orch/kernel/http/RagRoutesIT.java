package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import dev.orch.rag.Chunk;
import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagIndex;
import dev.orch.rag.RagWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only RAG endpoints (API.md §3.11) on a real kernel over real database files. */
class RagRoutesIT {
  static final EmbeddingSpec SPEC = new EmbeddingSpec("onnx", "all-minilm-l6-v2-q", 2, "");

  @TempDir static Path dir;
  static TestKernel k;
  static String token;
  static Path docs;

  @BeforeAll
  static void start() throws Exception {
    docs = dir.resolve("docs.db");
    try (RagWriter writer = RagWriter.create(docs, SPEC)) {
      writer.add(new Chunk(0, "guide", null, "/home/ops/guide/install.md", "Install: " + "x".repeat(300), null),
          new float[] {1, 0});
      writer.add(new Chunk(0, "api", "RagIndex", "src/dev/orch/rag/RagIndex.java", "class RagIndex", null),
          new float[] {0, 1});
      writer.add(new Chunk(0, "guide", null, "C:\\docs\\guide\\run.md", "Run it", null), new float[] {1, 1});
      writer.add(new Chunk(0, null, null, null, "no source", null), new float[] {1, 0});
      writer.add(new Chunk(0, "guide", null, "guide/faq.md", "FAQ", null), new float[] {0, 1});
      writer.finish();
    }
    // Readable, but with no embeddings to load: its index fails.
    Path noVectors = dir.resolve("novectors.db");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + noVectors)) {
      c.createStatement().execute("CREATE TABLE chunks (id TEXT PRIMARY KEY, source TEXT, type_name TEXT,"
          + " file_path TEXT, text TEXT)");
      c.createStatement().execute("INSERT INTO chunks VALUES ('n-1', 'notes', NULL, NULL, 'a note')");
    }
    Path corrupt = Files.writeString(dir.resolve("corrupt.db"), "not a database at all");
    JsonObject config = TestKernel.testConfig(dir.resolve("data"));
    config.getJsonObject("rag").put("databases", new JsonObject().put("docs", docs.toString())
        .put("novectors", noVectors.toString()).put("missing", dir.resolve("missing.db").toString())
        .put("corrupt", corrupt.toString()));
    k = TestKernel.start(config);
    token = k.signUp("reader@example.com", "password1").getString("access_token");
  }

  @AfterAll
  static void stop() {
    k.close();
  }

  @Test
  @DisplayName("every endpoint needs a signed-in user")
  void authenticated() {
    for (String path : List.of("/api/rag/databases", "/api/rag/databases/docs/sources",
        "/api/rag/databases/docs/documents")) {
      assertThat(k.get(path, null).statusCode()).as(path).isEqualTo(401);
      assertThat(k.get(path, "not-a-token").statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("the list: each configured database with its figures and index state, and never a file path")
  void databases() throws Exception {
    HttpResponse<Buffer> res = k.get("/api/rag/databases", token);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).doesNotContain(dir.toString());
    JsonArray all = res.bodyAsJsonArray();
    assertThat(all).hasSize(4);

    JsonObject first = all.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactly("name", "path", "exists", "file_size_bytes", "chunk_count",
        "source_count", "index_status", "sources");
    assertThat(first).isEqualTo(new JsonObject().put("name", "docs").put("path", "docs").put("exists", true)
        .put("file_size_bytes", Files.size(docs)).put("chunk_count", 5).put("source_count", 3)
        .put("index_status", "unloaded")
        .put("sources", new JsonArray().add(new JsonObject().put("source", "guide").put("count", 3))
            .add(new JsonObject().put("source", "(none)").put("count", 1))
            .add(new JsonObject().put("source", "api").put("count", 1))));
    assertThat(all.getJsonObject(1).getString("index_status")).isEqualTo("unloaded");
    assertThat(all.getJsonObject(2)).isEqualTo(new JsonObject().put("name", "missing").put("path", "missing")
        .put("exists", false).put("file_size_bytes", 0).put("chunk_count", 0).put("source_count", 0)
        .put("index_status", "unknown").put("sources", new JsonArray()));
    assertThat(all.getJsonObject(3)).isEqualTo(new JsonObject().put("name", "corrupt").put("path", "corrupt")
        .put("exists", true).put("file_size_bytes", 21).put("chunk_count", 0).put("source_count", 0)
        .put("index_status", "error").put("sources", new JsonArray()));
  }

  @Test
  @DisplayName("index_status follows the in-memory indexes: loaded once one loaded, failed when its load failed")
  void indexStatus() throws Exception {
    new RagIndex(k.vertx, "docs", docs, SPEC).embedding().await(10, TimeUnit.SECONDS);
    RagIndex failing = new RagIndex(k.vertx, "novectors", dir.resolve("novectors.db"), SPEC);
    try {
      failing.embedding().await(10, TimeUnit.SECONDS);
    } catch (Exception expected) {
      assertThat(expected).hasMessageContaining("RAG database 'novectors' is not available");
    }

    // The indexes announce themselves on the bus, so the listing learns of it a moment later.
    JsonArray all = eventually(() -> k.get("/api/rag/databases", token).bodyAsJsonArray(),
        list -> !list.getJsonObject(1).getString("index_status").equals("unloaded"));
    assertThat(all.getJsonObject(0).getString("index_status")).isEqualTo("loaded");
    assertThat(all.getJsonObject(1).getString("index_status")).isEqualTo("failed");
  }

  private static <T> T eventually(java.util.function.Supplier<T> read, java.util.function.Predicate<T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    T value = read.get();
    while (!done.test(value) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      value = read.get();
    }
    return value;
  }

  @Test
  @DisplayName("sources: most chunks first; [] for an unknown, missing or unreadable database")
  void sources() {
    assertThat(k.get("/api/rag/databases/docs/sources", token).bodyAsJsonArray()).isEqualTo(new JsonArray()
        .add(new JsonObject().put("source", "guide").put("count", 3))
        .add(new JsonObject().put("source", "(none)").put("count", 1))
        .add(new JsonObject().put("source", "api").put("count", 1)));
    for (String name : List.of("nope", "missing", "corrupt", "..%2F..%2Fetc%2Fpasswd")) {
      HttpResponse<Buffer> res = k.get("/api/rag/databases/" + name + "/sources", token);
      assertThat(res.statusCode()).as(name).isEqualTo(200);
      assertThat(res.bodyAsJsonArray()).as(name).isEmpty();
    }
  }

  @Test
  @DisplayName("documents: ordered by source then id, paged, filtered by exact source, file names cut to the base name")
  void documents() {
    JsonObject all = k.get("/api/rag/databases/docs/documents", token).bodyAsJsonObject();
    assertThat(all.getInteger("total")).isEqualTo(5);
    JsonArray items = all.getJsonArray("items");
    assertThat(items.stream().map(i -> ((JsonObject) i).getString("id")).toList())
        .containsExactly("4", "2", "1", "3", "5");
    assertThat(items.getJsonObject(0)).isEqualTo(new JsonObject().put("id", "4").put("source", "")
        .putNull("type_name").putNull("file_path").put("text_preview", "no source"));
    assertThat(items.getJsonObject(1)).isEqualTo(new JsonObject().put("id", "2").put("source", "api")
        .put("type_name", "RagIndex").put("file_path", "RagIndex.java").put("text_preview", "class RagIndex"));
    assertThat(items.getJsonObject(2).getString("file_path")).isEqualTo("install.md");
    assertThat(items.getJsonObject(2).getString("text_preview")).hasSize(200).startsWith("Install: xxx");
    assertThat(items.getJsonObject(3).getString("file_path")).isEqualTo("run.md");

    JsonObject page = k.get("/api/rag/databases/docs/documents?source=guide&offset=1&limit=1", token)
        .bodyAsJsonObject();
    assertThat(page.getInteger("total")).isEqualTo(3);
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo("3");
    assertThat(k.get("/api/rag/databases/docs/documents?source=guid%25", token).bodyAsJsonObject()
        .getInteger("total")).as("the filter is exact, not a pattern").isZero();
    assertThat(k.get("/api/rag/databases/novectors/documents", token).bodyAsJsonObject().getJsonArray("items")
        .getJsonObject(0).getString("id")).as("text ids of the original's databases").isEqualTo("n-1");
  }

  @Test
  @DisplayName("documents: an unknown, missing or unreadable database is an empty page; bad paging is 422")
  void documentsRefused() {
    JsonObject empty = new JsonObject().put("total", 0).put("items", new JsonArray());
    for (String name : List.of("nope", "missing", "corrupt")) {
      HttpResponse<Buffer> res = k.get("/api/rag/databases/" + name + "/documents", token);
      assertThat(res.statusCode()).as(name).isEqualTo(200);
      assertThat(res.bodyAsJsonObject()).as(name).isEqualTo(empty);
    }
    for (String query : List.of("limit=0", "limit=201", "offset=-1", "limit=ten")) {
      HttpResponse<Buffer> res = k.get("/api/rag/databases/docs/documents?" + query, token);
      assertThat(res.statusCode()).as(query).isEqualTo(422);
      assertThat(res.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0).getJsonArray("loc").getString(0))
          .isEqualTo("query");
    }
    assertThat(k.get("/api/rag/databases/docs/documents?limit=200", token).statusCode()).isEqualTo(200);
  }
}
