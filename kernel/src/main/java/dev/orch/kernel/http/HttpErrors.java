package dev.orch.kernel.http;

import dev.orch.kernel.bus.Busy;
import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.bus.Unauthorized;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one failure handler: every error leaves the server as {@code {"detail": ...}} with its status. */
public final class HttpErrors {
  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /** Renders {@code ctx.failure()}, or {@code ctx.statusCode()} when there is none. */
  public static void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      if (ctx.failure() != null) {
        LOG.warn("failure after the response started [request: {}]", EdgeHandler.requestId(ctx), ctx.failure());
      }
      response.reset();
      return;
    }
    Throwable failure = ctx.failure();
    int status;
    Object detail;
    if (failure instanceof ValidationException ve) {
      status = 422;
      detail = ve.errors();
    } else if (failure instanceof OrchestratorException oe) {
      status = oe.status();
      detail = oe.getMessage();
      if (failure instanceof Unauthorized u && u.challenge()) {
        response.putHeader("WWW-Authenticate", "Bearer");
      }
      if (failure instanceof Busy busy) {
        response.putHeader("Retry-After", Integer.toString(busy.retryAfterSeconds()));
      }
    } else if (failure instanceof HttpException he) {
      status = he.getStatusCode();
      detail = textFor(status, he.getPayload());
    } else if (failure instanceof ReplyException re) {
      // A recipient's failure text is already safe: Failures.reply hides unexpected errors.
      status = Failures.status(re);
      detail = re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE && re.getMessage() != null
          ? re.getMessage() : textFor(status, null);
    } else if (failure != null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // A handler of vertx-web that failed the request with a client error and its own exception.
      status = ctx.statusCode();
      detail = textFor(status, null);
    } else if (failure != null) {
      status = 500;
      detail = Failures.INTERNAL;
    } else {
      status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
      detail = textFor(status, null);
    }
    if (status >= 500 && !(failure instanceof Busy)) {
      LOG.error("request failed [request: {}, method: {}, path: {}, status: {}]",
          EdgeHandler.requestId(ctx), ctx.request().method(), ctx.request().path(), status, failure);
    } else if (status != 404 && status != 401) {
      LOG.warn("request refused [request: {}, method: {}, path: {}, status: {}, detail: {}]",
          EdgeHandler.requestId(ctx), ctx.request().method(), ctx.request().path(), status,
          detail instanceof String ? detail : "validation");
    }
    send(ctx, status, new JsonObject().put("detail", detail));
  }

  static void send(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  private static String textFor(int status, String payload) {
    return switch (status) {
      case 400 -> payload != null && !payload.isBlank() ? payload : "Bad request";
      case 401 -> "Not authenticated";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Request body too large";
      case 415 -> "Unsupported media type";
      case 429 -> RateLimiter.TOO_MANY;
      case 502 -> "Bad gateway";
      case 503 -> "Service unavailable";
      case 504 -> "Upstream timed out";
      default -> status >= 500 ? Failures.INTERNAL : "Request failed";
    };
  }
}
