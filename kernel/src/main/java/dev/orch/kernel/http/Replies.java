package dev.orch.kernel.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Sends a future's JSON result with a status, or hands its failure to the failure handler. */
final class Replies {
  private Replies() {}

  static void json(RoutingContext ctx, int status, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      if (ctx.response().ended() || ctx.response().closed()) {
        return;
      }
      Object body = ar.result();
      ctx.response().setStatusCode(status);
      if (body == null) {
        ctx.response().end();
        return;
      }
      String encoded = body instanceof JsonObject o ? o.encode() : body instanceof JsonArray a ? a.encode()
          : String.valueOf(body);
      ctx.response().putHeader("Content-Type", "application/json").end(encoded);
    });
  }

  static void noContent(RoutingContext ctx, Future<?> result) {
    result.onSuccess(ignored -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }
}
