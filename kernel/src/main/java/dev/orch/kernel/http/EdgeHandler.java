package dev.orch.kernel.http;

import dev.orch.kernel.store.Ids;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every request: a request id, the security headers (API.md §7.1, with the
 * Content-Security-Policy of §18.1) and the access log line. Headers are added when the response head
 * is written, so errors, preflights and 500s carry them too (§18.17).
 */
public final class EdgeHandler {
  private static final Logger ACCESS = LoggerFactory.getLogger("orch.access");
  private static final String REQUEST_ID = "orch.requestId";
  /**
   * The dashboard loads scripts, styles, fonts and data from this origin only: no inline script, no
   * inline style attribute, no eval, no framing. Images may also be {@code data:} and {@code blob:}
   * URLs (chart exports). One policy for every answer: a JSON body opened in a tab is held to it too.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
      + "form-action 'self'; frame-ancestors 'none'";

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
      setIfAbsent(headers, "Content-Security-Policy", CONTENT_SECURITY_POLICY);
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
