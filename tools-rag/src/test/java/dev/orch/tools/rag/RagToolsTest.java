package dev.orch.tools.rag;

import static dev.orch.tools.rag.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.rag.Chunk;
import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagWriter;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * search_knowledge and lookup_type on a real SQLite database embedded in the test by the offline
 * model (loaded once for the class).
 */
class RagToolsTest {
  @TempDir static Path dir;
  static Vertx vertx;
  static ToolContext context;
  static final SearchKnowledgeTool search = new SearchKnowledgeTool();
  static final LookupTypeTool lookup = new LookupTypeTool();

  /** source, type_name, file_path, text. */
  static final String[][] CHUNKS = {
      {"recipes", null, "kitchen/dough.md", "Mix flour, eggs and a pinch of salt, knead for ten minutes, roll the"
          + " sheet thin and cut it into ribbons; boil them in salted water for three minutes."},
      {"git", null, "vcs/rebase.md", "Rebasing replays your commits on top of another branch. Resolve each"
          + " conflict, stage the files and continue until the history is linear."},
      {"code", "BudgetLedger", "src/BudgetLedger.java", "public final class BudgetLedger { /* reserves money before"
          + " each model call and releases what was not spent afterwards */ }"},
      {"code", "RateLimiter", "src/RateLimiter.java", "public final class RateLimiter { /* a token bucket per client"
          + " address; too many requests get 429 */ }"},
      {"recipes", null, "kitchen/bread.md", "Bread needs flour, water, yeast and salt; let the dough rise twice"
          + " before baking it in a hot oven."},
  };

  @BeforeAll
  static void database() throws Exception {
    vertx = Vertx.vertx();
    Path file = dir.resolve("knowledge.db");
    List<float[]> vectors = OnnxEmbedder.embedNow(java.util.Arrays.stream(CHUNKS).map(c -> c[3]).toList());
    try (RagWriter writer = RagWriter.create(file, OnnxEmbedder.SPEC)) {
      for (int i = 0; i < CHUNKS.length; i++) {
        writer.add(new Chunk(0, CHUNKS[i][0], CHUNKS[i][1], CHUNKS[i][2], CHUNKS[i][3], null), vectors.get(i));
      }
      writer.finish();
    }
    Path mxbai = dir.resolve("mxbai.db");
    try (RagWriter writer = RagWriter.create(mxbai, EmbeddingSpec.ollama("mxbai-embed-large", 2))) {
      writer.add(new Chunk(0, "s", null, null, "text", null), new float[] {1, 0});
      writer.finish();
    }
    Path other = dir.resolve("other-onnx.db");
    try (RagWriter writer = RagWriter.create(other, new EmbeddingSpec("onnx", "bge-small-en", 2, ""))) {
      writer.add(new Chunk(0, "s", null, null, "text", null), new float[] {1, 0});
      writer.finish();
    }
    context = Calls.context(vertx, dir, Calls.config(new JsonObject().put("knowledge", file.toString())
        .put("mxbai", mxbai.toString()).put("other", other.toString())
        .put("missing", dir.resolve("missing.db").toString()), null));
  }

  @AfterAll
  static void close() throws Exception {
    RagRuntime.shutdown();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static String search(JsonObject arguments) {
    return call(search, context, arguments.put("database", arguments.getString("database", "knowledge")));
  }

  private static List<String> files(String result) {
    Matcher m = Pattern.compile("File: ([^\\]]+)\\]").matcher(result);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  @DisplayName("a question finds the chunk that answers it by meaning, without sharing its words")
  void byMeaning() {
    String pasta = search(new JsonObject().put("query", "How do I make fresh pasta at home?").put("top_k", 1));
    assertThat(files(pasta)).containsExactly("kitchen/dough.md");

    String git = search(new JsonObject().put("query", "move my work onto the newest upstream changes").put("top_k", 1));
    assertThat(files(git)).containsExactly("vcs/rebase.md");

    String throttling = search(new JsonObject().put("query", "throttle callers who flood the server")
        .put("top_k", 1));
    assertThat(files(throttling)).containsExactly("src/RateLimiter.java");
  }

  @Test
  @DisplayName("results come best first in the original's format: header with source, type, file and score, then the text")
  void format() {
    String result = search(new JsonObject().put("query", "limit requests per client").put("top_k", 2));
    assertThat(result).startsWith("--- [Source: code | Type: RateLimiter | File: src/RateLimiter.java] (score: 0.")
        .contains(" ---\npublic final class RateLimiter {");
    assertThat(result.split("\n\n--- \\[")).hasSize(2);
    String recipe = search(new JsonObject().put("query", "fresh pasta").put("top_k", 1));
    assertThat(recipe).matches("(?s)--- \\[Source: recipes \\| File: kitchen/dough.md\\] \\(score: 0\\.\\d{3}\\) ---\n"
        + "Mix flour.*");
  }

  @Test
  @DisplayName("top_k defaults to 5 and is held between 1 and 20; a source filter keeps that source only")
  void topKAndSource() {
    assertThat(files(search(new JsonObject().put("query", "flour")))).hasSize(5);
    assertThat(files(search(new JsonObject().put("query", "flour").put("top_k", 0)))).hasSize(1);
    assertThat(files(search(new JsonObject().put("query", "flour").put("top_k", 500)))).hasSize(5);
    assertThat(files(search(new JsonObject().put("query", "flour").put("source_filter", "recipes"))))
        .containsExactlyInAnyOrder("kitchen/dough.md", "kitchen/bread.md");
    assertThat(search(new JsonObject().put("query", "flour").put("source_filter", "nope")))
        .isEqualTo("No results found.");
  }

  @Test
  @DisplayName("an unknown database is refused with the names that exist")
  void unknownDatabase() {
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("database", "nope")))
        .isInstanceOf(ToolException.class)
        .hasMessage("Unknown RAG database 'nope'. Use one of: knowledge, mxbai, other, missing");
    assertThatThrownBy(() -> call(lookup, context, new JsonObject().put("name", "x").put("database", "nope")))
        .hasMessageStartingWith("Unknown RAG database 'nope'");
  }

  @Test
  @DisplayName("a database made by another embedding model is refused with what would serve it, never compared")
  void modelMismatch() {
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("database", "mxbai")))
        .isInstanceOf(ToolException.class).satisfies(e -> assertThat(((ToolException) e).retryable()).isFalse())
        .hasMessage("RAG database 'mxbai' was made with the Ollama model 'mxbai-embed-large' (2 dimensions), but this"
            + " server embeds queries with Ollama's 'nomic-embed-text' (ollama.embed_model); vectors of two models"
            + " cannot be compared. Set ollama.embed_model to 'mxbai-embed-large' or rebuild the database");
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("database", "other")))
        .hasMessage("RAG database 'other' was made with the offline ONNX model 'bge-small-en' (2 dimensions), which"
            + " this server cannot run: rebuild it with ./orch rag build");
  }

  @Test
  @DisplayName("a database that cannot be loaded is reported as unavailable, worth a later retry")
  void unavailable() {
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("database", "missing")))
        .isInstanceOf(ToolException.class).satisfies(e -> assertThat(((ToolException) e).retryable()).isTrue())
        .hasMessageStartingWith("RAG database 'missing' is not available (no such file)")
        .hasMessageNotContaining(dir.toString());
  }

  @Test
  @DisplayName("bad arguments are refused with what was wrong")
  void badArguments() {
    assertThatThrownBy(() -> call(search, context, new JsonObject().put("database", "knowledge")))
        .hasMessage("query is required: the text to search for");
    assertThatThrownBy(() -> call(search, context, new JsonObject().put("query", "x")))
        .hasMessage("database is required: the RAG database to search");
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("top_k", "five")))
        .hasMessage("top_k must be a whole number from 1 to 20");
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x").put("source_filter", 3)))
        .hasMessage("source_filter must be a string");
    assertThatThrownBy(() -> search(new JsonObject().put("query", "x".repeat(10_001))))
        .hasMessage("query is too long: at most 10000 characters");
    assertThatThrownBy(() -> call(lookup, context, new JsonObject().put("name", "  ").put("database", "knowledge")))
        .hasMessage("name is required: the type, class or function name to look up");
  }

  @Test
  @DisplayName("lookup_type finds a type by name, then by words, and searches for operators and wildcards as written")
  void lookupType() {
    JsonObject args = new JsonObject().put("database", "knowledge");
    assertThat(call(lookup, context, args.copy().put("name", "RateLimiter")))
        .isEqualTo("--- [Source: code | Type: RateLimiter | File: src/RateLimiter.java] ---\n" + CHUNKS[3][3]);
    assertThat(files(call(lookup, context, args.copy().put("name", "ledger")))).containsExactly("src/BudgetLedger.java");
    assertThat(files(call(lookup, context, args.copy().put("name", "Resolve each conflict"))))
        .containsExactly("vcs/rebase.md");
    assertThat(call(lookup, context, args.copy().put("name", "%"))).isEqualTo("No results for '%'.");
    assertThat(call(lookup, context, args.copy().put("name", "flour OR git"))).isEqualTo("No results for 'flour OR git'.");
    assertThat(call(lookup, context, args.copy().put("name", "flou*"))).isEqualTo("No results for 'flou*'.");
    assertThat(files(call(lookup, context, args.copy().put("name", "flour").put("top_k", 1)))).hasSize(1);
  }

  @Test
  @DisplayName("the schema offers the configured databases as an enum, top_k with its bounds")
  void schema() {
    JsonObject configured = search.parameters(context.config());
    assertThat(configured.getJsonObject("properties").getJsonObject("database").getJsonArray("enum"))
        .isEqualTo(new JsonArray().add("knowledge").add("mxbai").add("other").add("missing"));
    assertThat(configured.getJsonObject("properties").getJsonObject("top_k").getInteger("maximum")).isEqualTo(20);
    assertThat(configured.getJsonArray("required")).containsExactly("query", "database");
    assertThat(lookup.parameters(context.config()).getJsonArray("required")).containsExactly("name", "database");
    assertThat(search.parameters().getJsonObject("properties").getJsonObject("database").containsKey("enum"))
        .as("without a configuration there is nothing to list").isFalse();
  }
}
