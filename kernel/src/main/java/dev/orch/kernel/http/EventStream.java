package dev.orch.kernel.http;

import dev.orch.kernel.progress.EventRepository;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.ProgressAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSE connection (API.md §6, plus the {@code id:} lines and replay of §18.22). It subscribes to
 * {@link ProgressAddresses#project(String)} and writes each event as {@code id:}/{@code event:}/
 * {@code data:} lines, in id order, without gaps or repeats:
 *
 * <ul>
 *   <li><b>Replay.</b> With a Last-Event-ID it first sends the stored events after that id, then the
 *       live ones; without, it starts after the project's latest event. It subscribes before it
 *       reads, holds live events that arrive meanwhile and drops those already sent.
 *   <li><b>Gaps.</b> When a live event skips an id (publishes from several nodes can overtake each
 *       other, and one can be lost with its node) it reads the missing ones from the log: whoever
 *       published id n had to wait for n - 1 to commit. An idle stream also checks the log at each
 *       keep-alive, so a lost last event still arrives.
 *   <li><b>Slow clients.</b> This server's share of a client that does not read is bounded by the
 *       connection's write queue: once it is full, live events for that client are not kept at all,
 *       since they are stored; when the queue drains, the stream carries on from the log where the
 *       client is. So a slow client loses nothing, never delays anyone else, and costs no memory
 *       beyond its write queue and {@link #MAX_HELD} held events. A client whose queue has not
 *       drained for {@link #STALL_LIMIT_MS} is disconnected; it may reconnect with Last-Event-ID.
 * </ul>
 *
 * <p>Everything runs on the request's event loop (the consumer is registered from it), so the state
 * needs no locking.
 */
final class EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
  /** Live events held while the log is being read; the per-subscriber queue size of API.md §6.3. */
  static final int MAX_HELD = 100;
  /** Events read from the log per query. */
  static final int PAGE = 200;
  /** How long a client may leave its write queue full before it is disconnected. */
  static final long STALL_LIMIT_MS = 60_000;
  private static final Buffer KEEPALIVE = Buffer.buffer(": keepalive\n\n");
  /** Bytes handed to connections and not yet written to their sockets, over all streams. */
  private static final AtomicLong QUEUED_BYTES = new AtomicLong();

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final EventRepository events;
  private final String projectId;
  private final Long resumeAfter;
  private final long keepaliveMs;
  private final String requestId;
  private final Runnable onClose;

  private final TreeMap<Long, JsonObject> held = new TreeMap<>();
  private MessageConsumer<Object> consumer;
  /** The id of the last event sent; before any, where the stream starts. */
  private long cursor;
  private boolean started;
  private boolean reading;
  private boolean readAgain;
  private boolean stalled;
  private long stalledSince;
  private long lastWrite;
  private long timer = -1;
  private boolean closed;

  /**
   * @param resumeAfter the client's Last-Event-ID, or null for live events only
   * @param onClose run once when the stream closes, however it ends
   */
  EventStream(Vertx vertx, HttpServerResponse response, EventRepository events, String projectId, Long resumeAfter,
      long keepaliveMs, String requestId, Runnable onClose) {
    this.vertx = vertx;
    this.response = response;
    this.events = events;
    this.projectId = projectId;
    this.resumeAfter = resumeAfter;
    this.keepaliveMs = keepaliveMs;
    this.requestId = requestId;
    this.onClose = onClose;
  }

  /** Bytes queued for SSE clients in this process and not yet taken by their sockets. */
  static long queuedBytes() {
    return QUEUED_BYTES.get();
  }

  /** Sends the headers at once, subscribes, then replays or waits for live events. */
  void open(HttpVersion version) {
    response.setStatusCode(200).setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        // Otherwise the server gzips the stream for clients that accept it, and proxies or
        // the client's inflater may hold small events back; "identity" opts this response out.
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    if (version != HttpVersion.HTTP_2) {
      // A connection header is not allowed in HTTP/2.
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.KEEP_ALIVE);
    }
    response.closeHandler(v -> close("connection closed"));
    // Called when this side ends the response, and before the close handler when the client leaves.
    response.endHandler(v -> close(response.ended() ? "final event" : "connection closed"));
    response.exceptionHandler(err -> LOG.debug("sse connection error [project: {}, request: {}, reason: {}]", projectId,
        requestId, err.getMessage()));
    response.drainHandler(v -> onDrain());
    response.writeHead();
    lastWrite = now();
    scheduleKeepalive(keepaliveMs);
    consumer = vertx.eventBus().consumer(ProgressAddresses.project(projectId), msg -> onLive(msg.body()));
    consumer.completion()
        .compose(v -> resumeAfter != null ? io.vertx.core.Future.succeededFuture(resumeAfter) : events.latest(projectId))
        .onSuccess(start -> {
          cursor = start;
          started = true;
          LOG.debug("sse stream open [project: {}, request: {}, after: {}, replay: {}]", projectId, requestId, start,
              resumeAfter != null);
          if (resumeAfter != null) {
            read();
          } else {
            settle();
          }
        })
        .onFailure(err -> abort("subscription failed", err));
  }

  private void onLive(Object body) {
    if (closed || !(body instanceof JsonObject event) || !(event.getValue("id") instanceof Number n)) {
      return;
    }
    long id = n.longValue();
    if (!started || reading) {
      hold(id, event);
    } else if (id <= cursor || stalled) {
      // Already sent, or stored for when the client reads again.
      return;
    } else if (id == cursor + 1) {
      send(event);
    } else {
      hold(id, event);
      read();
    }
  }

  private void hold(long id, JsonObject event) {
    if (started && id <= cursor) {
      return;
    }
    if (held.size() >= MAX_HELD) {
      // Not kept, not lost: the next read of the log brings it.
      readAgain = true;
      return;
    }
    held.put(id, event);
  }

  /** Sends the stored events after the cursor, a page at a time, then what was held meanwhile. */
  private void read() {
    if (closed || stalled) {
      return;
    }
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    readAgain = false;
    events.after(projectId, cursor, PAGE).onComplete(ar -> {
      reading = false;
      if (closed) {
        return;
      }
      if (ar.failed()) {
        // The client reconnects with its Last-Event-ID and loses nothing.
        abort("event log unavailable", ar.cause());
        return;
      }
      List<EventRepository.Stored> page = ar.result();
      for (EventRepository.Stored event : page) {
        if (event.id() > cursor) {
          send(event.payload());
          if (closed || stalled) {
            return;
          }
        }
      }
      if (page.size() == PAGE) {
        read();
      } else {
        settle();
      }
    });
  }

  /** Sends held events that follow the cursor; reads the log again when some are missing. */
  private void settle() {
    held.headMap(cursor, true).clear();
    while (!held.isEmpty() && held.firstKey() == cursor + 1) {
      send(held.pollFirstEntry().getValue());
      if (closed || stalled) {
        return;
      }
    }
    if (!held.isEmpty() || readAgain) {
      read();
    }
  }

  private void send(JsonObject event) {
    long id = event.getLong("id");
    String type = event.getString("type");
    write(Buffer.buffer("id: " + id + "\nevent: " + type + "\ndata: " + event.encode() + "\n\n"));
    cursor = id;
    if (EventTypes.FINAL.contains(type)) {
      // The contract ends the stream right after the project's final event.
      response.end();
      return;
    }
    if (response.writeQueueFull()) {
      stalled = true;
      stalledSince = now();
      held.clear();
      LOG.debug("sse client behind, pausing [project: {}, request: {}, at: {}]", projectId, requestId, id);
    }
  }

  private void onDrain() {
    if (closed || !stalled) {
      return;
    }
    stalled = false;
    LOG.debug("sse client caught up, resuming from the log [project: {}, request: {}, after: {}]", projectId,
        requestId, cursor);
    read();
  }

  private void write(Buffer frame) {
    int size = frame.length();
    QUEUED_BYTES.addAndGet(size);
    lastWrite = now();
    // Completes once the socket took the bytes, or fails when the connection closed.
    response.write(frame).onComplete(ar -> QUEUED_BYTES.addAndGet(-size));
  }

  private void scheduleKeepalive(long delayMs) {
    timer = vertx.setTimer(Math.max(1, delayMs), id -> onTimer());
  }

  private void onTimer() {
    if (closed) {
      return;
    }
    long now = now();
    if (stalled) {
      if (now - stalledSince >= STALL_LIMIT_MS) {
        LOG.info("sse client not reading, disconnected [project: {}, request: {}, seconds: {}]", projectId, requestId,
            (now - stalledSince) / 1000);
        response.reset();
        return;
      }
      scheduleKeepalive(keepaliveMs);
      return;
    }
    long idle = now - lastWrite;
    if (idle < keepaliveMs) {
      scheduleKeepalive(keepaliveMs - idle);
      return;
    }
    write(KEEPALIVE.copy());
    if (response.writeQueueFull()) {
      stalled = true;
      stalledSince = now;
    } else if (started) {
      // Normally finds nothing; after a publish lost with its node, it delivers the missing event.
      read();
    }
    scheduleKeepalive(keepaliveMs);
  }

  private void abort(String reason, Throwable err) {
    if (closed) {
      return;
    }
    LOG.warn("sse stream aborted [project: {}, request: {}, reason: {}]", projectId, requestId, reason, err);
    response.reset();
    close(reason);
  }

  /** Idempotent: the consumer and the timer go with the connection, however it ends. */
  private void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    onClose.run();
    vertx.cancelTimer(timer);
    held.clear();
    if (consumer != null) {
      consumer.unregister();
    }
    LOG.debug("sse stream closed [project: {}, request: {}, reason: {}, last: {}]", projectId, requestId, reason,
        cursor);
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }
}
