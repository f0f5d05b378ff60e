package dev.orch.rag;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The RAG settings (API.md §16), read from the server configuration's {@code rag} and {@code ollama}
 * sections: the databases by name, the embedding model and size that databases without a record of
 * their own are assumed to be made with, the Ollama host and timeout that embed queries, and the
 * {@code top_k} bounds of the tools. The kernel and the tools-rag plugin read them here, and only here.
 *
 * @param databases {@code rag.databases}: name → SQLite file, in the configured order
 * @param embedDimensions {@code rag.embed_dimensions}: the size of the vectors of a database that
 *     does not record its embedding model
 * @param ollamaHost {@code ollama.hosts.local}, else {@code ollama.hosts.env}; empty when neither is set
 * @param embedModel {@code ollama.embed_model}
 * @param embedTimeout {@code ollama.embed_timeout} (s)
 * @param defaultTopK {@code rag.default_top_k}: results when a tool call names no {@code top_k}
 * @param maxTopK {@code rag.max_top_k}: the most results one call may ask for
 */
public record RagConfig(Map<String, String> databases, int embedDimensions, String ollamaHost, String embedModel,
    Duration embedTimeout, int defaultTopK, int maxTopK) {
  /** A name {@code orch rag build} accepts: it becomes a file name as well as a key of {@code rag.databases}. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
  static final int DEFAULT_TOP_K = 5;
  static final int MAX_TOP_K = 20;

  public RagConfig {
    databases = Collections.unmodifiableMap(new LinkedHashMap<>(databases));
  }

  /** @throws IllegalArgumentException naming the first invalid key */
  public static RagConfig from(JsonObject raw) {
    JsonObject rag = section(raw, "rag");
    JsonObject ollama = section(raw, "ollama");
    Map<String, String> databases = new LinkedHashMap<>();
    Object configured = rag.getValue("databases");
    if (configured != null && !(configured instanceof JsonObject)) {
      throw new IllegalArgumentException("rag.databases must map names to file paths, got " + configured);
    }
    if (configured instanceof JsonObject named) {
      for (String name : named.fieldNames()) {
        if (!(named.getValue(name) instanceof String path) || path.isBlank()) {
          throw new IllegalArgumentException("rag.databases." + name + " must be a file path, got "
              + named.getValue(name));
        }
        databases.put(name, path);
      }
    }
    int dimensions = positiveInt(rag, "rag.embed_dimensions", "embed_dimensions", 768);
    int maxTopK = positiveInt(rag, "rag.max_top_k", "max_top_k", MAX_TOP_K);
    int defaultTopK = positiveInt(rag, "rag.default_top_k", "default_top_k", DEFAULT_TOP_K);
    if (defaultTopK > maxTopK) {
      throw new IllegalArgumentException("rag.default_top_k must not exceed rag.max_top_k (" + maxTopK + "), got "
          + defaultTopK);
    }
    Object model = ollama.getValue("embed_model", "nomic-embed-text");
    if (!(model instanceof String m) || m.isBlank()) {
      throw new IllegalArgumentException("ollama.embed_model must be a model name, got " + model);
    }
    Object timeout = ollama.getValue("embed_timeout", 30.0);
    if (!(timeout instanceof Number t) || t.doubleValue() <= 0) {
      throw new IllegalArgumentException("ollama.embed_timeout must be a positive number of seconds, got " + timeout);
    }
    return new RagConfig(databases, dimensions, ollamaHost(section(ollama, "hosts")), (String) model,
        Duration.ofMillis((long) (((Number) timeout).doubleValue() * 1000)), defaultTopK, maxTopK);
  }

  /** The embedding a database without a {@code meta} record is assumed to be made with (the original's). */
  public EmbeddingSpec assumedEmbedding() {
    return EmbeddingSpec.ollama(embedModel, embedDimensions);
  }

  /** {@code requested} within [1, {@link #maxTopK}]; {@link #defaultTopK} when null. */
  public int topK(Integer requested) {
    return requested == null ? defaultTopK : Math.max(1, Math.min(maxTopK, requested));
  }

  // The same host the kernel's Ollama provider uses: the key "local", else the OLLAMA_HOST one.
  private static String ollamaHost(JsonObject hosts) {
    for (String key : new String[] {"local", "env"}) {
      if (hosts.getValue(key) instanceof String host && !host.isBlank()) {
        String url = host.strip().replaceAll("/+$", "");
        return url.startsWith("http://") || url.startsWith("https://") ? url : "http://" + url;
      }
    }
    return "";
  }

  private static JsonObject section(JsonObject parent, String key) {
    return parent.getValue(key) instanceof JsonObject section ? section : new JsonObject();
  }

  private static int positiveInt(JsonObject section, String key, String field, int fallback) {
    Object value = section.getValue(field, fallback);
    if (!(value instanceof Number n) || n.intValue() < 1 || n.doubleValue() != n.intValue()) {
      throw new IllegalArgumentException(key + " must be a positive whole number, got " + value);
    }
    return n.intValue();
  }
}
