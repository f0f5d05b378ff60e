package dev.orch.kernel.http;

import dev.orch.tool.ToolAddresses;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/tools} (any signed-in user): every tool a task on this node can be given, with its
 * plugin, version, description and input schema, ordered by name. Asked of this node's tool host over
 * {@link ToolAddresses#LIST}, so it includes the tools other cluster nodes offer.
 */
final class ToolRoutes {
  static final long TIMEOUT_MS = 5_000;
  private final EventBus bus;

  ToolRoutes(EventBus bus) {
    this.bus = bus;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/tools").handler(authn::user).handler(this::list);
  }

  private void list(RoutingContext ctx) {
    Replies.json(ctx, 200, bus.<JsonObject>request(ToolAddresses.LIST, new JsonObject(),
            new DeliveryOptions().setSendTimeout(TIMEOUT_MS))
        .map(Message::body)
        .map(ToolRoutes::shown));
  }

  private static JsonArray shown(JsonObject reply) {
    JsonArray out = new JsonArray();
    reply.getJsonArray("tools", new JsonArray()).stream()
        .map(JsonObject.class::cast)
        .sorted(java.util.Comparator.comparing(t -> t.getString("name", "")))
        .forEach(t -> out.add(new JsonObject()
            .put("name", t.getString("name"))
            .put("description", t.getString("description"))
            .put("plugin", t.getString("plugin"))
            .put("version", t.getString("version"))
            .put("parameters", t.getJsonObject("parameters"))));
    return out;
  }
}
