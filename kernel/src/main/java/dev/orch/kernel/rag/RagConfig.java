package dev.orch.kernel.rag;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The RAG settings (API.md §16): the databases by name, their embedding size, and the Ollama model
 * and timeout that embed queries.
 *
 * @param databases {@code rag.databases}: name → SQLite file
 * @param embedDimensions {@code rag.embed_dimensions}: the length of every stored embedding
 * @param embedModel {@code ollama.embed_model}
 * @param embedTimeout {@code ollama.embed_timeout} (s)
 */
public record RagConfig(Map<String, String> databases, int embedDimensions, String embedModel, Duration embedTimeout) {

  /** @throws ConfigException naming the first invalid key */
  public static RagConfig from(JsonObject raw) {
    JsonObject rag = raw.getValue("rag") instanceof JsonObject r ? r : new JsonObject();
    JsonObject ollama = raw.getValue("ollama") instanceof JsonObject o ? o : new JsonObject();
    Map<String, String> databases = new LinkedHashMap<>();
    Object configured = rag.getValue("databases");
    if (configured != null && !(configured instanceof JsonObject)) {
      throw new ConfigException("rag.databases must map names to file paths, got " + configured);
    }
    if (configured instanceof JsonObject named) {
      for (String name : named.fieldNames()) {
        if (!(named.getValue(name) instanceof String path) || path.isBlank()) {
          throw new ConfigException("rag.databases." + name + " must be a file path, got " + named.getValue(name));
        }
        databases.put(name, path);
      }
    }
    Object dimensions = rag.getValue("embed_dimensions", 768);
    if (!(dimensions instanceof Number d) || d.intValue() < 1 || d.doubleValue() != d.intValue()) {
      throw new ConfigException("rag.embed_dimensions must be a positive whole number, got " + dimensions);
    }
    Object model = ollama.getValue("embed_model", "nomic-embed-text");
    if (!(model instanceof String m) || m.isBlank()) {
      throw new ConfigException("ollama.embed_model must be a model name, got " + model);
    }
    Object timeout = ollama.getValue("embed_timeout", 30.0);
    if (!(timeout instanceof Number t) || t.doubleValue() <= 0) {
      throw new ConfigException("ollama.embed_timeout must be a positive number of seconds, got " + timeout);
    }
    return new RagConfig(Map.copyOf(databases), ((Number) dimensions).intValue(), (String) model,
        Duration.ofMillis((long) (((Number) timeout).doubleValue() * 1000)));
  }
}
