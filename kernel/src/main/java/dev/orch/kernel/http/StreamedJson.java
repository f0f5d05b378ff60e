package dev.orch.kernel.http;

import dev.orch.kernel.projects.JsonDocument;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link JsonDocument}, or one paged array, as a chunked JSON answer while reading it: one
 * page in memory at a time, and the next page read only once the client's write queue has room.
 * A failure before the first byte is answered as usual; one after it resets the connection, so the
 * client never takes a cut answer for a whole one.
 */
final class StreamedJson {
  private static final Logger LOG = LoggerFactory.getLogger(StreamedJson.class);

  private StreamedJson() {}

  /** Sends {@code document} as a JSON object with {@code status} and the extra {@code headers}. */
  static void object(RoutingContext ctx, int status, Map<String, String> headers, Future<JsonDocument> document) {
    document.onFailure(ctx::fail).onSuccess(doc -> {
      HttpServerResponse response = start(ctx, status, headers);
      if (response == null) {
        return;
      }
      write(response, "{");
      Future<Void> done = Future.succeededFuture();
      boolean first = true;
      for (JsonDocument.Member member : doc.members()) {
        String prefix = (first ? "" : ",") + Json.encode(member.name()) + ":";
        first = false;
        done = done.compose(v -> {
          write(response, prefix);
          return member.pages() == null ? room(response).onSuccess(x -> write(response, encode(member.value())))
              : array(response, member.pages());
        });
      }
      finish(ctx, response, done.compose(v -> {
        write(response, "}");
        return Future.succeededFuture();
      }));
    });
  }

  /** Sends the pages as one JSON array with {@code status}. */
  static void array(RoutingContext ctx, int status, Future<JsonDocument.Pages> pages) {
    pages.onFailure(ctx::fail).onSuccess(p -> {
      HttpServerResponse response = start(ctx, status, Map.of());
      if (response != null) {
        finish(ctx, response, array(response, p));
      }
    });
  }

  private static HttpServerResponse start(RoutingContext ctx, int status, Map<String, String> headers) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return null;
    }
    response.setStatusCode(status).setChunked(true).putHeader("Content-Type", "application/json");
    headers.forEach(response::putHeader);
    return response;
  }

  private static Future<Void> array(HttpServerResponse response, JsonDocument.Pages pages) {
    write(response, "[");
    return page(response, pages, null, true).compose(v -> {
      write(response, "]");
      return Future.succeededFuture();
    });
  }

  private static Future<Void> page(HttpServerResponse response, JsonDocument.Pages pages, JsonObject last,
      boolean first) {
    return room(response).compose(v -> pages.next(last)).compose(items -> {
      if (items.isEmpty()) {
        return Future.succeededFuture();
      }
      Buffer chunk = Buffer.buffer();
      boolean firstItem = first;
      Iterator<Object> it = items.iterator();
      while (it.hasNext()) {
        if (!firstItem) {
          chunk.appendString(",");
        }
        firstItem = false;
        chunk.appendString(encode(it.next()));
      }
      response.write(chunk);
      Object tail = items.getValue(items.size() - 1);
      return page(response, pages, tail instanceof JsonObject o ? o : null, false);
    });
  }

  /** Completes once the client's write queue has room; fails when the client left. */
  private static Future<Void> room(HttpServerResponse response) {
    if (response.closed()) {
      return Future.failedFuture(new IllegalStateException("client left"));
    }
    if (!response.writeQueueFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    response.drainHandler(v -> drained.tryComplete());
    response.closeHandler(v -> drained.tryFail("client left"));
    return drained.future();
  }

  private static void finish(RoutingContext ctx, HttpServerResponse response, Future<Void> written) {
    written.onSuccess(v -> response.end()).onFailure(err -> {
      if (!response.closed()) {
        LOG.warn("streamed answer cut [request: {}, path: {}]", EdgeHandler.requestId(ctx), ctx.request().path(), err);
        response.reset();
      }
    });
  }

  private static void write(HttpServerResponse response, String text) {
    response.write(text);
  }

  private static String encode(Object value) {
    return value instanceof JsonObject o ? o.encode() : value instanceof JsonArray a ? a.encode() : Json.encode(value);
  }
}
