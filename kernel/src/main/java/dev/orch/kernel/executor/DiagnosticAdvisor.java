package dev.orch.kernel.executor;

import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.OllamaProvider;
import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagConfig;
import dev.orch.rag.RagIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Diagnostic suggestions (API.md §14.5): before a transient failure is retried, its error is looked up
 * in the {@code diagnostic} RAG database, and a close enough match (cosine 0.80 or more) goes into the
 * task's context for the next attempt. Best effort: a lookup that fails suggests nothing.
 */
public final class DiagnosticAdvisor {
  private static final Logger LOG = LoggerFactory.getLogger(DiagnosticAdvisor.class);
  static final String DATABASE = "diagnostic";
  static final double MIN_SCORE = 0.80;

  private final OllamaProvider ollama;
  private final RagIndex index;
  private final EmbeddingSpec model;
  private final Duration timeout;

  DiagnosticAdvisor(OllamaProvider ollama, RagIndex index, EmbeddingSpec model, Duration timeout) {
    this.ollama = ollama;
    this.index = index;
    this.model = model;
    this.timeout = timeout;
  }

  /**
   * The advisor, or null when there is nothing to advise with: the diagnostic RAG is off, no Ollama
   * host embeds, or no {@code diagnostic} database is configured.
   */
  public static DiagnosticAdvisor create(Vertx vertx, boolean enabled, ModelProviders models, RagConfig rag) {
    String file = rag.databases().get(DATABASE);
    if (!enabled || file == null || models.ollama().isEmpty()) {
      if (enabled) {
        LOG.info("diagnostic suggestions off [reason: {}]", file == null ? "no rag.databases.diagnostic"
            : "no Ollama host for embeddings");
      }
      return null;
    }
    EmbeddingSpec model = rag.assumedEmbedding();
    return new DiagnosticAdvisor(models.ollama().get(), new RagIndex(vertx, DATABASE, Path.of(file), model), model,
        rag.embedTimeout());
  }

  /**
   * The {@code diagnostic_suggestion} context entry for {@code error}, or null. Never fails; a
   * database made by another embedding model than Ollama's {@code ollama.embed_model} suggests nothing.
   */
  Future<JsonObject> suggestion(String error) {
    return ollama.embed(model.model(), model.queryPrefix() + error, timeout)
        .compose(query -> index.search(model, query, 1, null))
        .map(best -> best.isEmpty() || best.get(0).score() < MIN_SCORE ? null : entry(best.get(0)))
        .otherwise(err -> {
          LOG.warn("diagnostic lookup failed, retrying without a suggestion [reason: {}]", err.getMessage());
          return null;
        });
  }

  static JsonObject entry(RagIndex.Match match) {
    StringBuilder content = new StringBuilder("[Diagnostic RAG match, score=")
        .append(String.format(Locale.ROOT, "%.3f", match.score())).append("]\n").append(match.text());
    if (match.gotcha() != null && !match.gotcha().isBlank()) {
      content.append("\n[CAUTION: ").append(match.gotcha()).append(']');
    }
    return new JsonObject().put("type", "diagnostic_suggestion").put("content", content.toString());
  }
}
