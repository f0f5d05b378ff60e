package dev.orch.rag;

import java.util.Objects;

/**
 * The embedding model that made a database's vectors. Vectors of two models are not comparable, so
 * a query is embedded by the database's model or not searched at all.
 *
 * @param provider {@link #OLLAMA} or {@link #ONNX} (in-process)
 * @param model the provider's model name, e.g. {@code nomic-embed-text}
 * @param dimensions the size of every vector
 * @param queryPrefix put before a query's text when it is embedded, e.g. nomic's {@code search_query: }
 */
public record EmbeddingSpec(String provider, String model, int dimensions, String queryPrefix) {
  /** A model served by an Ollama host's {@code /api/embed}. */
  public static final String OLLAMA = "ollama";
  /** A model run in-process with ONNX Runtime, shipped in the plugin. */
  public static final String ONNX = "onnx";
  /** The prefixes the original's Ollama databases use (nomic-embed-text's task prefixes). */
  public static final String OLLAMA_QUERY_PREFIX = "search_query: ";
  public static final String OLLAMA_DOCUMENT_PREFIX = "search_document: ";

  public EmbeddingSpec {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    queryPrefix = queryPrefix == null ? "" : queryPrefix;
    if (dimensions < 1) {
      throw new IllegalArgumentException("an embedding has at least one dimension, got " + dimensions);
    }
  }

  /** An Ollama model, with the original's query prefix. */
  public static EmbeddingSpec ollama(String model, int dimensions) {
    return new EmbeddingSpec(OLLAMA, model, dimensions, OLLAMA_QUERY_PREFIX);
  }

  /** Whether vectors of {@code other} can be compared with this model's: the same provider, model and size. */
  public boolean sameModel(EmbeddingSpec other) {
    return provider.equals(other.provider) && model.equals(other.model) && dimensions == other.dimensions;
  }

  /** For messages: {@code Ollama model 'nomic-embed-text' (768 dimensions)}. */
  public String describe() {
    return (OLLAMA.equals(provider) ? "Ollama" : ONNX.equals(provider) ? "offline ONNX" : provider) + " model '"
        + model + "' (" + dimensions + " dimensions)";
  }
}
