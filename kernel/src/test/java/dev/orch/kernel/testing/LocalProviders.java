package dev.orch.kernel.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Local servers that speak the protocols of the monitored providers, on ephemeral loopback ports: an
 * Ollama host ({@code /api/tags}), a ComfyUI host ({@code /system_stats}), the Anthropic API
 * ({@code /v1/models}), a TCP service that is not HTTP, and a port nobody listens on. Bodies follow
 * the real services' JSON.
 */
public final class LocalProviders {
  private LocalProviders() {}

  /** An Ollama host. {@link #models} is what {@code /api/tags} lists; {@link #delayMs} slows each answer. */
  public static final class Ollama {
    public final AtomicInteger tagRequests = new AtomicInteger();
    public volatile JsonArray models = new JsonArray()
        .add(model("qwen2.5-coder:14b", 8_988_124_069L, "3028237cc8c52fea4e77185d72cc997b2e90392791f7c82fe1c71995d56e642d",
            "qwen2", "14.8B", "Q4_K_M"))
        .add(model("nomic-embed-text:latest", 274_302_450L,
            "0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f", "nomic-bert", "137M", "F16"));
    /** Milliseconds to wait before answering; a value beyond the check's 2 s makes the HTTP step time out. */
    public volatile long delayMs;
    private final Vertx vertx;
    private final HttpServer server;

    private Ollama(Vertx vertx) {
      this.vertx = vertx;
      this.server = listen(vertx, this::handle);
    }

    public static Ollama start(Vertx vertx) {
      return new Ollama(vertx);
    }

    public String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    public static JsonObject model(String name, long size, String digest, String family, String params, String quant) {
      return new JsonObject()
          .put("name", name)
          .put("model", name)
          .put("modified_at", "2025-05-02T10:21:43.123456789+02:00")
          .put("size", size)
          .put("digest", digest)
          .put("details", new JsonObject()
              .put("parent_model", "")
              .put("format", "gguf")
              .put("family", family)
              .put("families", new JsonArray().add(family))
              .put("parameter_size", params)
              .put("quantization_level", quant));
    }

    private void handle(HttpServerRequest req) {
      if (!req.path().equals("/api/tags")) {
        req.response().setStatusCode(404).end("404 page not found");
        return;
      }
      tagRequests.incrementAndGet();
      String body = new JsonObject().put("models", models).encode();
      Runnable answer = () -> req.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body);
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> answer.run());
      } else {
        answer.run();
      }
    }
  }

  /** A ComfyUI host answering {@code /system_stats}. */
  public static final class ComfyUi {
    public final AtomicInteger statsRequests = new AtomicInteger();
    private final HttpServer server;

    private ComfyUi(Vertx vertx) {
      this.server = listen(vertx, this::handle);
    }

    public static ComfyUi start(Vertx vertx) {
      return new ComfyUi(vertx);
    }

    public String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
      if (!req.path().equals("/system_stats")) {
        req.response().setStatusCode(404).end("404: Not Found");
        return;
      }
      statsRequests.incrementAndGet();
      JsonObject stats = new JsonObject()
          .put("system", new JsonObject()
              .put("os", "posix")
              .put("ram_total", 67_108_864_000L)
              .put("ram_free", 50_125_430_784L)
              .put("comfyui_version", "0.3.44")
              .put("required_frontend_version", "1.23.4")
              .put("python_version", "3.12.3 (main, Feb  4 2025, 14:48:35) [GCC 13.3.0]")
              .put("pytorch_version", "2.7.1+cu126")
              .put("embedded_python", false)
              .put("argv", new JsonArray().add("main.py").add("--listen").add("0.0.0.0")))
          .put("devices", new JsonArray().add(new JsonObject()
              .put("name", "cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync")
              .put("type", "cuda")
              .put("index", 0)
              .put("vram_total", 25_386_352_640L)
              .put("vram_free", 23_824_695_296L)
              .put("torch_vram_total", 0)
              .put("torch_vram_free", 0)));
      req.response().putHeader("Content-Type", "application/json").end(stats.encode());
    }
  }

  /**
   * The Anthropic API's {@code GET /v1/models}: 200 for {@link #validKey}, 401 with the API's error body
   * otherwise; {@link #forcedStatus} makes every answer that status instead (e.g. 500, 529).
   */
  public static final class Anthropic {
    public final String validKey;
    public final AtomicInteger modelRequests = new AtomicInteger();
    public volatile int forcedStatus;
    public volatile String lastApiKey;
    public volatile String lastVersion;
    public volatile String lastLimit;
    private final HttpServer server;

    private Anthropic(Vertx vertx, String validKey) {
      this.validKey = validKey;
      this.server = listen(vertx, this::handle);
    }

    public static Anthropic start(Vertx vertx, String validKey) {
      return new Anthropic(vertx, validKey);
    }

    public String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    private void handle(HttpServerRequest req) {
      if (!req.path().equals("/v1/models")) {
        error(req, 404, "not_found_error", "Not found");
        return;
      }
      modelRequests.incrementAndGet();
      lastApiKey = req.getHeader("x-api-key");
      lastVersion = req.getHeader("anthropic-version");
      lastLimit = req.getParam("limit");
      if (forcedStatus == 500) {
        error(req, 500, "api_error", "Internal server error");
      } else if (forcedStatus == 529) {
        error(req, 529, "overloaded_error", "Overloaded");
      } else if (forcedStatus != 0) {
        error(req, forcedStatus, "api_error", "Forced status " + forcedStatus);
      } else if (!validKey.equals(lastApiKey)) {
        error(req, 401, "authentication_error", "invalid x-api-key");
      } else {
        JsonObject page = new JsonObject()
            .put("data", new JsonArray().add(new JsonObject()
                .put("type", "model")
                .put("id", "claude-sonnet-4-6")
                .put("display_name", "Claude Sonnet 4.6")
                .put("created_at", "2026-02-17T00:00:00Z")))
            .put("has_more", true)
            .put("first_id", "claude-sonnet-4-6")
            .put("last_id", "claude-sonnet-4-6");
        req.response().putHeader("Content-Type", "application/json").putHeader("request-id", "req_011CTestModels")
            .end(page.encode());
      }
    }

    private static void error(HttpServerRequest req, int status, String type, String message) {
      JsonObject body = new JsonObject().put("type", "error")
          .put("error", new JsonObject().put("type", type).put("message", message))
          .put("request_id", "req_011CTestError");
      req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
  }

  /**
   * A TCP service that is not HTTP: it greets like an SSH server and hangs up, so an HTTP request
   * fails at once while a TCP connect succeeds.
   */
  public static int plainTcp(Vertx vertx) {
    NetServer server = vertx.createNetServer()
        .connectHandler(socket -> socket.write(Buffer.buffer("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"))
            .onComplete(done -> socket.close()));
    return TestKernel.await(server.listen(0, "127.0.0.1")).actualPort();
  }

  /** A loopback port nothing listens on (bound once, then released). */
  public static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static HttpServer listen(Vertx vertx, io.vertx.core.Handler<HttpServerRequest> handler) {
    try {
      return vertx.createHttpServer().requestHandler(handler).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("local provider did not start", e);
    }
  }
}
