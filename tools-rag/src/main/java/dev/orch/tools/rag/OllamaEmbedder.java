package dev.orch.tools.rag;

import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Embeddings from an Ollama host: {@code POST {host}/api/embed} with {@code {"model", "input": [texts]}},
 * answered with {@code {"embeddings": [[...], ...]}} in the same order. Every call has the configured
 * timeout ({@code ollama.embed_timeout}), on the whole exchange, not only between bytes.
 */
public final class OllamaEmbedder implements Embedder {
  private final WebClient client;
  private final String host;
  private final String model;
  private final Duration timeout;

  public OllamaEmbedder(WebClient client, String host, String model, Duration timeout) {
    this.client = client;
    this.host = host;
    this.model = model;
    this.timeout = timeout;
  }

  @Override
  public Future<List<float[]>> embed(List<String> texts) {
    long ms = Math.max(1, timeout.toMillis());
    JsonObject body = new JsonObject().put("model", model).put("input", new JsonArray(new ArrayList<>(texts)));
    return client.postAbs(host + "/api/embed").timeout(ms).sendJsonObject(body)
        .timeout(ms, TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(err instanceof TimeoutException
            ? new ToolException("Ollama did not embed within " + timeout.toMillis() + " ms; try again later", true)
            : new ToolException("Ollama could not be reached to embed (" + err.getMessage() + "); is it running?", true)))
        .map(response -> vectors(response, texts.size()));
  }

  private List<float[]> vectors(HttpResponse<Buffer> response, int expected) {
    JsonObject json;
    try {
      json = response.bodyAsJsonObject();
    } catch (DecodeException e) {
      json = null;
    }
    if (response.statusCode() != 200) {
      String error = json != null && json.getValue("error") instanceof String e ? e : "HTTP " + response.statusCode();
      boolean missingModel = response.statusCode() == 404 || error.contains("not found");
      throw new ToolException(missingModel
          ? "Ollama has no embedding model '" + model + "' (run: ollama pull " + model + "): " + error
          : "Ollama refused to embed with '" + model + "': " + error, response.statusCode() >= 500);
    }
    JsonArray embeddings = json == null ? null : json.getJsonArray("embeddings");
    if (embeddings == null || embeddings.size() != expected) {
      throw new ToolException("Ollama's answer to /api/embed has no embeddings for the " + expected + " input(s)", true);
    }
    List<float[]> out = new ArrayList<>(expected);
    for (Object item : embeddings) {
      if (!(item instanceof JsonArray values) || values.isEmpty()) {
        throw new ToolException("Ollama's answer to /api/embed has an empty embedding", true);
      }
      float[] v = new float[values.size()];
      for (int i = 0; i < v.length; i++) {
        if (!(values.getValue(i) instanceof Number n)) {
          throw new ToolException("Ollama's answer to /api/embed has a value that is not a number", true);
        }
        v[i] = n.floatValue();
      }
      out.add(v);
    }
    return out;
  }
}
