package dev.orch.tools.rag;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A local HTTP server that speaks Ollama's embedding API like the real one: {@code POST /api/embed}
 * with {@code {"model", "input": text | [texts]}} answers {@code {"model", "embeddings": [[...]],
 * "total_duration", "load_duration", "prompt_eval_count"}} with L2-normalised vectors; an unknown model
 * is 404 {@code {"error": "model \"x\" not found, try pulling it first"}}; a bad body is 400; other
 * paths 404 {@code 404 page not found}. Its model embeds words by hashing them into
 * {@link #DIMENSIONS} buckets, so texts sharing words are close.
 */
public final class LocalOllama implements AutoCloseable {
  public static final String MODEL = "nomic-embed-text";
  public static final int DIMENSIONS = 64;

  /** The bodies of the embed requests, in order. */
  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  private final HttpServer server;

  private LocalOllama(HttpServer server) {
    this.server = server;
  }

  public static LocalOllama start(Vertx vertx) throws Exception {
    LocalOllama[] self = new LocalOllama[1];
    HttpServer server = vertx.createHttpServer().requestHandler(req -> self[0].handle(req));
    self[0] = new LocalOllama(server);
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return self[0];
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    if (!(req.method().name().equals("POST") && req.path().equals("/api/embed"))) {
      req.response().setStatusCode(404).putHeader("Content-Type", "text/plain").end("404 page not found");
      return;
    }
    req.body().onSuccess(buffer -> {
      JsonObject body;
      try {
        body = buffer.toJsonObject();
      } catch (DecodeException e) {
        error(req, 400, "invalid character looking for beginning of value");
        return;
      }
      requests.add(body);
      String model = body.getValue("model") instanceof String m ? m : "";
      if (!model.equals(MODEL) && !model.equals(MODEL + ":latest")) {
        error(req, 404, "model \"" + model + "\" not found, try pulling it first");
        return;
      }
      JsonArray inputs = body.getValue("input") instanceof String one ? new JsonArray().add(one)
          : body.getValue("input") instanceof JsonArray many ? many : null;
      if (inputs == null) {
        error(req, 400, "invalid input type");
        return;
      }
      JsonArray embeddings = new JsonArray();
      for (Object input : inputs) {
        embeddings.add(embed(String.valueOf(input)));
      }
      req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(new JsonObject()
          .put("model", MODEL).put("embeddings", embeddings).put("total_duration", 14_143_917)
          .put("load_duration", 1_019_500).put("prompt_eval_count", inputs.size() * 8).encode());
    });
  }

  /** The model: each word adds one to its bucket; the vector is normalised. */
  public static JsonArray embed(String text) {
    double[] v = new double[DIMENSIONS];
    for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty()) {
        v[Math.floorMod(word.hashCode(), DIMENSIONS)] += 1;
      }
    }
    double norm = Math.sqrt(java.util.Arrays.stream(v).map(x -> x * x).sum());
    JsonArray out = new JsonArray();
    for (double x : v) {
      out.add(norm == 0 ? 0 : x / norm);
    }
    return out;
  }

  private static void error(HttpServerRequest req, int status, String message) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("error", message).encode());
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
