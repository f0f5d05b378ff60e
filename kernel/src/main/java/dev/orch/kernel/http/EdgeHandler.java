package dev.orch.kernel.http;

import dev.orch.kernel.store.Ids;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every request: a request id, the security headers (API.md §7.1) and the access
 * log line. Headers are added when the response head is written, so errors, preflights and 500s
 * carry them too (§18.17).
 */
public final class EdgeHandler {
  private static final Logger ACCESS = LoggerFactory.getLogger("orch.access");
  private static final String REQUEST_ID = "orch.requestId";

  private EdgeHandler() {}

  public static void handle(RoutingContext ctx) {
    String requestId = Ids.short12();
    ctx.put(REQUEST_ID, requestId);
    long started = System.nanoTime();
    ctx.addHeadersEndHandler(v -> {
      MultiMap headers = ctx.response().headers();
      headers.set("X-Request-ID", requestId);
      setIfAbsent(headers, "X-Content-Type-Options", "nosniff");
      setIfAbsent(headers, "Referrer-Policy", "no-referrer");
      setIfAbsent(headers, "X-Frame-Options", "DENY");
    });
    // The path only: query strings can hold the SSE token.
    ctx.addEndHandler(v -> ACCESS.info("request [request: {}, method: {}, path: {}, status: {}, ms: {}]",
        requestId, ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode(),
        (System.nanoTime() - started) / 1_000_000));
    ctx.next();
  }

  public static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID);
    return id == null ? "-" : id;
  }

  private static void setIfAbsent(MultiMap headers, String name, String value) {
    if (!headers.contains(name)) {
      headers.set(name, value);
    }
  }
}
