package dev.orch.rag;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The SQL of lookup_type and of the RAG listings, on a real database with an FTS5 index. */
class RagDatabaseTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static Path file;
  static RagDatabase db;

  /** type_name (or null), text, source: the rowids are 1.. in this order. */
  static final String[][] CHUNKS = {
      {"RagIndex", "RagIndex keeps the vectors in memory.", "core"},
      {"RagIndexTest", "Tests of the index.", "tests"},
      {"Vector3", "struct Vector3 { x, y, z } normalize returns a unit vector", "core"},
      {null, "The budget ledger reserves spend before every model call.", "docs"},
      {"percent_type", "100% of the load: a literal percent sign and under_score", "docs"},
      {"Back\\slash", "C:\\temp\\file path with back\\slash", "docs"},
      {null, "secret alpha OR beta notes", null},
      {null, "gamma only", null},
      {null, "He said \"quoted words\" loudly", "docs"},
  };

  @BeforeAll
  static void write() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("lookup.db");
    try (RagWriter writer = RagWriter.create(file, new EmbeddingSpec("onnx", "m", 2, ""))) {
      for (String[] c : CHUNKS) {
        writer.add(new Chunk(0, c[2], c[0], "src/" + (c[0] == null ? "notes" : c[0]) + ".java", c[1], null),
            new float[] {1, 0});
      }
      writer.finish();
    }
    db = new RagDatabase(vertx, file);
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  private static List<Long> lookup(String name) throws Exception {
    return await(db.lookupType(name, 20)).stream().map(Chunk::rowid).toList();
  }

  @Test
  @DisplayName("an exact type_name wins over names that merely contain it")
  void exact() throws Exception {
    assertThat(lookup("RagIndex")).containsExactly(1L);
  }

  @Test
  @DisplayName("else type names containing the name, ignoring case")
  void substring() throws Exception {
    assertThat(lookup("ragindex")).containsExactly(1L, 2L);
    assertThat(lookup("vector")).containsExactly(3L);
  }

  @Test
  @DisplayName("else the words as one FTS5 phrase, in any chunk's text")
  void fts() throws Exception {
    assertThat(lookup("Budget Ledger")).containsExactly(4L);
    assertThat(lookup("\"quoted words\"")).containsExactly(9L);
  }

  @Test
  @DisplayName("else the text containing the name, even inside words")
  void textSubstring() throws Exception {
    assertThat(lookup("udget led")).containsExactly(4L);
    assertThat(lookup("nothing like this")).isEmpty();
  }

  @Test
  @DisplayName("at most k chunks")
  void topK() throws Exception {
    assertThat(await(db.lookupType("index", 1))).hasSize(1);
  }

  static List<Arguments> injections() {
    return List.of(
        Arguments.of("%", List.of(5L)),                        // LIKE: any text; here only the literal %
        Arguments.of("_", List.of(5L)),                        // LIKE: any character
        Arguments.of("\\", List.of(6L)),                       // the escape character itself
        Arguments.of("a%b", List.of()),                        // would match "alpha OR beta"
        Arguments.of("R_gIndex", List.of()),                   // would match RagIndex
        Arguments.of("gamma OR alpha", List.of()),             // FTS5 OR would match two chunks
        Arguments.of("NEAR(alpha beta)", List.of()),           // FTS5 NEAR would match one
        Arguments.of("text:budget", List.of()),                // FTS5 column filter
        Arguments.of("{text type_name}: budget", List.of()),   // FTS5 column set
        Arguments.of("budg*", List.of()),                      // FTS5 prefix query
        Arguments.of("quoted\" OR \"gamma", List.of()),        // breaking out of the quotes
        Arguments.of("alpha OR beta", List.of(7L)),            // the literal text with "OR" in it
        Arguments.of("'; DROP TABLE chunks; --", List.of()),   // SQL
        Arguments.of("\" OR 1=1 --", List.of()),
        Arguments.of(" ", List.of()),                          // "contains nothing" would be everything
        Arguments.of("\u0000", List.of()),                     // SQLite ends a bound string at a NUL: "%"
        Arguments.of("RagIndex\u0000tail", List.of()));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("injections")
  @DisplayName("FTS5 operators, LIKE wildcards and SQL in a name are searched for as written, never obeyed")
  void injection(String name, List<Long> expected) throws Exception {
    assertThat(lookup(name)).containsExactlyElementsOf(expected);
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + file);
        var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM chunks")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(CHUNKS.length);
    }
  }

  @Test
  @DisplayName("stats: file size, chunk count and sources with most chunks first, a null source as (none)")
  void stats() throws Exception {
    RagDatabase.Stats stats = await(db.stats());
    assertThat(stats.fileSizeBytes()).isEqualTo(Files.size(file));
    assertThat(stats.chunkCount()).isEqualTo(CHUNKS.length);
    assertThat(stats.sources()).containsExactly(new RagDatabase.SourceCount("docs", 4),
        new RagDatabase.SourceCount("(none)", 2), new RagDatabase.SourceCount("core", 2),
        new RagDatabase.SourceCount("tests", 1));
    assertThat(await(db.sources())).isEqualTo(stats.sources());
  }

  @Test
  @DisplayName("documents: ordered by source then id, paged, filtered by the exact source")
  void documents() throws Exception {
    RagDatabase.Page all = await(db.documents(null, 0, 50));
    assertThat(all.total()).isEqualTo(CHUNKS.length);
    assertThat(all.items()).extracting(d -> d.chunk().rowid()).containsExactly(7L, 8L, 1L, 3L, 4L, 5L, 6L, 9L, 2L);
    assertThat(all.items().get(2).id()).isEqualTo(1);

    RagDatabase.Page page = await(db.documents(null, 3, 2));
    assertThat(page.total()).isEqualTo(CHUNKS.length);
    assertThat(page.items()).extracting(d -> d.chunk().rowid()).containsExactly(3L, 4L);

    RagDatabase.Page docs = await(db.documents("docs", 1, 50));
    assertThat(docs.total()).isEqualTo(4);
    assertThat(docs.items()).extracting(d -> d.chunk().rowid()).containsExactly(5L, 6L, 9L);
    assertThat(await(db.documents("doc%", 0, 50)).total()).isZero();
    assertThat(await(db.documents("docs\u0000tail", 0, 50)).total()).as("SQLite would stop at the NUL").isZero();
  }
}
