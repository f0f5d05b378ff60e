package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on a random port that speaks one provider's protocol, for tests. Each request
 * is recorded, then checked the way the real API checks it (an invalid request gets the protocol's
 * error answer), then answered by the next scripted {@link Reply}, or by the protocol's default
 * answer when the script is empty. Replies can be slow, hang, or drop the connection.
 */
public abstract class LocalModelServer {

  /** A request as the server saw it; {@code body} is null when there was none or it was not JSON. */
  public record Recorded(String method, String path, MultiMap headers, JsonObject body) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** What the server does with one request. */
  public record Reply(int status, Map<String, String> headers, Buffer body, long delayMs, Fault fault) {
    enum Fault { NONE, HANG, DROP, TRICKLE }

    public static Reply json(int status, JsonObject body) {
      return new Reply(status, Map.of("content-type", "application/json"), body.toBuffer(), 0, Fault.NONE);
    }

    public static Reply text(int status, String contentType, String body) {
      return new Reply(status, Map.of("content-type", contentType), Buffer.buffer(body), 0, Fault.NONE);
    }

    /** Never answers: the client's timeout must fire. */
    public static Reply hang() {
      return new Reply(0, Map.of(), Buffer.buffer(), 0, Fault.HANG);
    }

    /** Sends a 200 status, then one space every 100 ms and never ends: only a total deadline stops it. */
    public static Reply trickle() {
      return new Reply(200, Map.of("content-type", "application/json"), Buffer.buffer(), 0, Fault.TRICKLE);
    }

    /** Closes the connection without an answer. */
    public static Reply drop() {
      return new Reply(0, Map.of(), Buffer.buffer(), 0, Fault.DROP);
    }

    public Reply header(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, Map.copyOf(h), body, delayMs, fault);
    }

    /** Answers only after {@code ms}. */
    public Reply after(long ms) {
      return new Reply(status, headers, body, ms, fault);
    }
  }

  protected final Vertx vertx;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private volatile long latencyMs;
  private volatile java.util.function.Function<Recorded, Reply> responder;
  private volatile java.util.function.Consumer<Recorded> answered = r -> { };
  private HttpServer server;

  public LocalModelServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens on a random local port. */
  public Future<Void> start() {
    return start(0);
  }

  /** Listens on {@code port} (0: any free one), e.g. where a configured host is expected to come up. */
  public Future<Void> start(int port) {
    return vertx.createHttpServer()
        .requestHandler(this::handle)
        .listen(port, "127.0.0.1")
        .map(s -> {
          server = s;
          return null;
        });
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Replies for the next requests, in order; validation failures do not consume them. */
  public LocalModelServer enqueue(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /**
   * Answers valid requests with {@code responder} when nothing is scripted; a null from it falls
   * back to the protocol's standard answer.
   */
  public void respondWith(java.util.function.Function<Recorded, Reply> responder) {
    this.responder = responder;
  }

  /**
   * Called once an answer's last byte was handed to the connection: from then on the caller may have
   * it, so a provider would bill it.
   */
  public void onAnswered(java.util.function.Consumer<Recorded> listener) {
    this.answered = listener;
  }

  /** Extra latency on every answer. */
  public void latency(long ms) {
    latencyMs = ms;
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  public Recorded last() {
    return requests.get(requests.size() - 1);
  }

  /**
   * What the server answers a valid request when nothing is scripted: the responder's reply, else the
   * protocol's standard answer. For protocols that answer requests nested in others (batches).
   */
  protected Reply respond(Recorded request) {
    Reply custom = responder != null ? responder.apply(request) : null;
    return custom != null ? custom : answer(request);
  }

  /** The protocol's error answer when the request is invalid; null when it is valid. */
  protected abstract Reply validate(Recorded request, boolean bodyIsJson);

  /** The protocol's answer to a valid request with nothing scripted. */
  protected abstract Reply answer(Recorded request);

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buffer -> {
      JsonObject body = null;
      boolean json = true;
      if (buffer.length() > 0) {
        try {
          body = new JsonObject(buffer);
        } catch (DecodeException | ClassCastException e) {
          json = false;
        }
      }
      Recorded recorded = new Recorded(req.method().name(), req.path(),
          MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body);
      requests.add(recorded);
      Reply reply = validate(recorded, json);
      if (reply == null) {
        Reply scripted = script.poll();
        Reply custom = scripted == null && responder != null ? responder.apply(recorded) : null;
        reply = scripted != null ? scripted : custom != null ? custom : answer(recorded);
      }
      long delay = latencyMs + reply.delayMs();
      Reply r = reply;
      if (delay > 0) {
        vertx.setTimer(delay, id -> send(req, recorded, r));
      } else {
        send(req, recorded, r);
      }
    });
  }

  private void send(HttpServerRequest req, Recorded recorded, Reply reply) {
    switch (reply.fault()) {
      case HANG -> { }
      case DROP -> req.connection().close();
      case TRICKLE -> {
        var response = req.response().setStatusCode(200).setChunked(true);
        reply.headers().forEach(response::putHeader);
        long timer = vertx.setPeriodic(100, id -> {
          if (!response.closed()) {
            response.write(" ");
          }
        });
        req.connection().closeHandler(v -> vertx.cancelTimer(timer));
      }
      default -> {
        var response = req.response().setStatusCode(reply.status());
        reply.headers().forEach(response::putHeader);
        response.end(reply.body()).onSuccess(v -> answered.accept(recorded));
      }
    }
  }
}
