package dev.orch.kernel.http;

import dev.orch.kernel.monitor.MonitorAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /api/services}: the resource monitor's view of providers and hosts (API.md §3.10), asked over
 * {@link MonitorAddresses#STATUS}. A missing monitor answers 503 and a slow one 504 through the
 * failure handler.
 */
final class ServiceRoutes {
  private final EventBus bus;

  ServiceRoutes(EventBus bus) {
    this.bus = bus;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/services").handler(authn::user).handler(this::list);
    router.get("/api/services/:resource_id").handler(authn::user).handler(this::one);
  }

  private void list(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    boolean refresh = QueryParams.bool(ctx, "refresh", false, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    Replies.json(ctx, 200, status(new JsonObject().put("refresh", refresh),
        refresh ? MonitorAddresses.REFRESH_TIMEOUT_MS : MonitorAddresses.READ_TIMEOUT_MS));
  }

  private void one(RoutingContext ctx) {
    JsonObject request = new JsonObject().put("id", ctx.pathParam("resource_id"));
    Replies.json(ctx, 200, status(request, MonitorAddresses.READ_TIMEOUT_MS).map(list -> list.getJsonObject(0)));
  }

  private Future<JsonArray> status(JsonObject request, long timeoutMs) {
    return bus.<JsonObject>request(MonitorAddresses.STATUS, request, new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(Message::body)
        .map(body -> body.getJsonArray("resources"));
  }
}
