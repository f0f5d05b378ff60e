package dev.orch.tools.rag;

import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagConfig;
import dev.orch.rag.RagDatabase;
import dev.orch.rag.RagIndex;
import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the two tools share for one plugin load: the databases' in-memory indexes (each loaded once,
 * on first use) and the embedders. Dropped when the plugin stops, so a replaced plugin starts afresh.
 */
final class RagRuntime {
  private static RagRuntime current;

  /** Indexes by name, path and assumed model: a changed configuration gets a fresh index. */
  private final Map<String, RagIndex> indexes = new ConcurrentHashMap<>();
  private final Map<Vertx, WebClient> clients = new ConcurrentHashMap<>();

  private RagRuntime() {}

  static synchronized RagRuntime get() {
    if (current == null) {
      current = new RagRuntime();
    }
    return current;
  }

  /** Forgets the indexes and closes the HTTP clients. */
  static synchronized void shutdown() {
    if (current != null) {
      current.clients.values().forEach(WebClient::close);
      current = null;
    }
  }

  /** The configured file of {@code database}; fails with a {@link ToolException} for an unknown name. */
  static Path file(RagConfig config, String database) {
    String path = config.databases().get(database);
    if (path == null) {
      throw new ToolException(config.databases().isEmpty()
          ? "No RAG database is configured on this server (rag.databases is empty)"
          : "Unknown RAG database '" + database + "'. Use one of: " + String.join(", ", config.databases().keySet()),
          false);
    }
    return Path.of(path);
  }

  RagIndex index(Vertx vertx, RagConfig config, String database) {
    Path file = file(config, database);
    String key = database + '\n' + file.toAbsolutePath() + '\n' + config.assumedEmbedding();
    return indexes.computeIfAbsent(key, k -> new RagIndex(vertx, database, file, config.assumedEmbedding()));
  }

  RagDatabase database(Vertx vertx, RagConfig config, String database) {
    return new RagDatabase(vertx, file(config, database));
  }

  /**
   * The embedder for queries to {@code database}, whose vectors were made by {@code made}: the
   * offline model for databases it made, Ollama's {@code ollama.embed_model} for databases that
   * model made. Any other database is refused, with a message that says what would serve it.
   */
  Embedder embedder(Vertx vertx, RagConfig config, String database, EmbeddingSpec made) {
    if (made.sameModel(OnnxEmbedder.SPEC)) {
      return new OnnxEmbedder(vertx);
    }
    String refused = "RAG database '" + database + "' was made with the " + made.describe() + ", ";
    if (!EmbeddingSpec.OLLAMA.equals(made.provider())) {
      throw new ToolException(refused + "which this server cannot run: rebuild it with ./orch rag build", false);
    }
    if (!made.model().equals(config.embedModel())) {
      throw new ToolException(refused + "but this server embeds queries with Ollama's '" + config.embedModel()
          + "' (ollama.embed_model); vectors of two models cannot be compared. Set ollama.embed_model to '"
          + made.model() + "' or rebuild the database", false);
    }
    if (config.ollamaHost().isEmpty()) {
      throw new ToolException(refused + "and no Ollama host is configured (ollama.hosts.local) to embed the query",
          false);
    }
    WebClient client = clients.computeIfAbsent(vertx, WebClient::create);
    return new OllamaEmbedder(client, config.ollamaHost(), config.embedModel(), config.embedTimeout());
  }
}
