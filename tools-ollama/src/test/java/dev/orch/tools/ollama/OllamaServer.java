package dev.orch.tools.ollama;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A local server speaking Ollama's {@code POST /api/generate} like the real one: errors are
 * {@code {"error": "..."}}, an unknown model is 404, a request without {@code "stream": false} gets
 * the NDJSON stream Ollama sends by default, and a non-streaming answer has the real fields.
 */
final class OllamaServer implements AutoCloseable {
  static final List<String> MODELS = List.of("qwen2.5-coder:14b", "llama3.2:3b");
  final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  volatile boolean hang;
  private final HttpServer server;

  OllamaServer(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    if (!req.path().equals("/api/generate") || req.method().name().equals("GET")) {
      req.response().setStatusCode(404).end("404 page not found");
      return;
    }
    req.body().onSuccess(buffer -> {
      if (hang) {
        return;
      }
      JsonObject body;
      try {
        body = buffer.toJsonObject();
      } catch (RuntimeException e) {
        error(req, 400, "invalid character 'x' looking for beginning of value");
        return;
      }
      requests.add(body);
      String model = body.getValue("model") instanceof String m ? m : "";
      if (model.isEmpty()) {
        error(req, 400, "model is required");
        return;
      }
      if (!MODELS.contains(model)) {
        error(req, 404, "model \"" + model + "\" not found, try pulling it first");
        return;
      }
      String prompt = body.getString("prompt", "");
      String answer = "Answer to: " + prompt + (body.getValue("system") instanceof String s ? " [system: " + s + "]" : "");
      JsonObject done = new JsonObject().put("model", model).put("created_at", "2026-01-01T00:00:00.000000Z")
          .put("response", answer).put("done", true).put("done_reason", "stop")
          .put("context", new JsonArray().add(1).add(2)).put("total_duration", 1_000_000).put("load_duration", 10_000)
          .put("prompt_eval_count", prompt.length() / 4 + 1).put("prompt_eval_duration", 100_000)
          .put("eval_count", answer.length() / 4 + 1).put("eval_duration", 500_000);
      if (Boolean.FALSE.equals(body.getValue("stream"))) {
        req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(done.encode());
        return;
      }
      req.response().putHeader("Content-Type", "application/x-ndjson").setChunked(true);
      for (String word : answer.split("(?<= )")) {
        req.response().write(new JsonObject().put("model", model).put("response", word).put("done", false).encode() + "\n");
      }
      req.response().end(done.put("response", "").encode() + "\n");
    });
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
