package dev.orch.kernel.http;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An EventSource for tests: opens {@code GET /api/events/...} with Vert.x's HTTP client and parses
 * the body into frames as they arrive (event-stream format: blocks of lines ended by a blank line).
 */
final class SseClient implements AutoCloseable {
  /** One block: an event ({@code id}, {@code event}, {@code data}) or a comment. */
  record Frame(Long id, String event, JsonObject data, String comment, String raw) {
    boolean isEvent() {
      return event != null;
    }
  }

  final HttpClientResponse response;
  private final HttpClientAgent client;
  private final List<Frame> frames = new CopyOnWriteArrayList<>();
  private final StringBuilder pending = new StringBuilder();
  private volatile boolean ended;
  private volatile Throwable error;

  private SseClient(HttpClientAgent client, HttpClientResponse response) {
    this.client = client;
    this.response = response;
  }

  /** Connects and returns once the response head arrived. */
  static SseClient open(Vertx vertx, int port, String uri, Map<String, String> headers) {
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions());
    SseClient[] self = new SseClient[1];
    var options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri);
    headers.forEach(options::putHeader);
    HttpClientResponse response = TestKernel.await(client.request(options).compose(req -> req.send()).map(res -> {
      // Handlers are set on the event loop before any body can be delivered.
      SseClient sse = new SseClient(client, res);
      self[0] = sse;
      res.handler(buf -> sse.onData(buf.toString(StandardCharsets.UTF_8)));
      res.endHandler(v -> sse.ended = true);
      res.exceptionHandler(err -> sse.error = err);
      return res;
    }));
    return self[0];
  }

  private synchronized void onData(String text) {
    pending.append(text.replace("\r\n", "\n"));
    int end;
    while ((end = pending.indexOf("\n\n")) >= 0) {
      String block = pending.substring(0, end);
      pending.delete(0, end + 2);
      frames.add(parse(block));
    }
  }

  static Frame parse(String block) {
    Long id = null;
    String event = null;
    JsonObject data = null;
    String comment = null;
    for (String line : block.split("\n")) {
      if (line.startsWith(":")) {
        comment = line.substring(1).trim();
      } else if (line.startsWith("id: ")) {
        id = Long.parseLong(line.substring(4));
      } else if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data = new JsonObject(line.substring(6));
      } else {
        throw new AssertionError("unexpected line in event stream: " + line);
      }
    }
    return new Frame(id, event, data, comment, block);
  }

  List<Frame> frames() {
    return List.copyOf(frames);
  }

  List<Frame> events() {
    return frames.stream().filter(Frame::isEvent).toList();
  }

  List<Long> ids() {
    return events().stream().map(Frame::id).toList();
  }

  boolean ended() {
    return ended;
  }

  /** Waits until {@code condition} holds for the frames so far. */
  List<Frame> await(Predicate<List<Frame>> condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      List<Frame> now = frames();
      if (condition.test(now)) {
        return now;
      }
      if (error != null) {
        throw new AssertionError("stream failed while waiting for " + what, error);
      }
      sleep(10);
    }
    throw new AssertionError("timed out waiting for " + what + "; got " + frames().size() + " frames, ids "
        + ids() + ", ended " + ended);
  }

  /** Waits for {@code n} events in all. */
  List<Frame> awaitEvents(int n, Duration timeout) {
    await(f -> f.stream().filter(Frame::isEvent).count() >= n, timeout, n + " events");
    return events();
  }

  void awaitEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ended && System.nanoTime() < deadline) {
      sleep(10);
    }
    if (!ended) {
      throw new AssertionError("stream did not end; ids " + ids());
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    try {
      client.close().await();
    } catch (Exception ignored) {
      // The kernel may be gone already.
    }
  }
}
