package dev.orch.tools.rag;

import static dev.orch.tools.rag.Calls.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.rag.Vectors;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * search_knowledge over a database in the original's format (no record of its model: the configured
 * Ollama model is assumed), with the query embedded by a local server speaking Ollama's protocol.
 */
class OllamaEmbeddingsTest {
  @TempDir Path dir;
  Vertx vertx;
  LocalOllama ollama;
  Path file;
  final SearchKnowledgeTool search = new SearchKnowledgeTool();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    ollama = LocalOllama.start(vertx);
    file = dir.resolve("noz.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      c.createStatement().execute("CREATE TABLE chunks (id TEXT PRIMARY KEY, source TEXT, type_name TEXT,"
          + " file_path TEXT, text TEXT, embedding BLOB)");
      var insert = c.prepareStatement("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)");
      String[][] rows = {
          {"c1", "noz-engine", "Transform", "Engine/Transform.cs", "Transform holds position rotation and scale"},
          {"c2", "noz-engine", "AudioSource", "Engine/Audio.cs", "AudioSource plays a clip through the mixer"},
      };
      for (String[] row : rows) {
        for (int i = 0; i < 5; i++) {
          insert.setString(i + 1, row[i]);
        }
        JsonArray v = LocalOllama.embed("search_document: " + row[4]);
        float[] vector = new float[v.size()];
        for (int i = 0; i < vector.length; i++) {
          vector[i] = v.getDouble(i).floatValue();
        }
        insert.setBytes(6, Vectors.blob(vector));
        insert.executeUpdate();
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    RagRuntime.shutdown();
    ollama.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject config(String host, String model, double timeout) {
    JsonObject config = Calls.config(new JsonObject().put("noz", file.toString()), host);
    config.getJsonObject("rag").put("embed_dimensions", LocalOllama.DIMENSIONS);
    config.getJsonObject("ollama").put("embed_model", model).put("embed_timeout", timeout);
    return config;
  }

  private String search(JsonObject config, String query) {
    return call(search, Calls.context(vertx, dir, config), new JsonObject().put("query", query).put("database", "noz")
        .put("top_k", 1));
  }

  @Test
  @DisplayName("the query is embedded by Ollama's /api/embed with the configured model and the original's prefix")
  void embedsWithOllama() {
    String result = search(config(ollama.url(), LocalOllama.MODEL, 5), "which clip does the mixer play");

    assertThat(result).startsWith("--- [Source: noz-engine | Type: AudioSource | File: Engine/Audio.cs] (score: 0.");
    assertThat(ollama.requests).containsExactly(new JsonObject().put("model", "nomic-embed-text")
        .put("input", new JsonArray().add("search_query: which clip does the mixer play")));
  }

  @Test
  @DisplayName("an Ollama that is not there is a retryable failure that says so")
  void down() throws Exception {
    HttpServer closed = vertx.createHttpServer().requestHandler(r -> {});
    closed.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + closed.actualPort();
    closed.close().await(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> search(config(url, LocalOllama.MODEL, 5), "x"))
        .isInstanceOf(ToolException.class).satisfies(e -> assertThat(((ToolException) e).retryable()).isTrue())
        .hasMessageStartingWith("Ollama could not be reached to embed");
  }

  @Test
  @DisplayName("an Ollama that does not answer fails within ollama.embed_timeout")
  void timeout() throws Exception {
    HttpServer silent = vertx.createHttpServer().requestHandler(r -> {});
    silent.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    long start = System.nanoTime();
    assertThatThrownBy(() -> search(config("http://127.0.0.1:" + silent.actualPort(), LocalOllama.MODEL, 0.3), "x"))
        .isInstanceOf(ToolException.class).hasMessage("Ollama did not embed within 300 ms; try again later");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    silent.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a model Ollama does not have is a clear, permanent failure")
  void unknownModel() {
    assertThatThrownBy(() -> search(config(ollama.url(), "all-minilm", 5), "x"))
        .isInstanceOf(ToolException.class).satisfies(e -> assertThat(((ToolException) e).retryable()).isFalse())
        .hasMessage("Ollama has no embedding model 'all-minilm' (run: ollama pull all-minilm): model \"all-minilm\""
            + " not found, try pulling it first");
  }

  @Test
  @DisplayName("without an Ollama host, a database of an Ollama model is refused rather than searched with another")
  void noHost() {
    assertThatThrownBy(() -> search(config(null, LocalOllama.MODEL, 5), "x"))
        .hasMessage("RAG database 'noz' was made with the Ollama model 'nomic-embed-text' (64 dimensions), and no Ollama"
            + " host is configured (ollama.hosts.local) to embed the query");
    assertThat(ollama.requests).isEmpty();
  }
}
