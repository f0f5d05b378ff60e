package dev.orch.kernel.http;

import dev.orch.kernel.planner.PlannerAddresses;
import dev.orch.kernel.projects.ProjectAccess;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Planning and approval (API.md §3.4), answered by the planner over the event bus. */
final class PlanRoutes {
  private static final long APPROVE_TIMEOUT_MS = 60_000;

  private final EventBus bus;
  private final ProjectAccess access;
  private final RateLimiter limiter;
  private final ClientIp clientIp;
  private final long generateTimeoutMs;

  PlanRoutes(EventBus bus, ProjectAccess access, RateLimiter limiter, ClientIp clientIp, long generateTimeoutMs) {
    this.bus = bus;
    this.access = access;
    this.limiter = limiter;
    this.clientIp = clientIp;
    this.generateTimeoutMs = generateTimeoutMs;
  }

  void mount(Router router, Authn authn) {
    router.post("/api/projects/:project_id/plan").handler(authn::user).handler(this::generate);
    router.post("/api/projects/:project_id/plans/:plan_id/approve").handler(authn::user).handler(this::approve);
  }

  private void generate(RoutingContext ctx) {
    String projectId = ctx.pathParam("project_id");
    Replies.json(ctx, 200, limiter.take("plan", clientIp.of(ctx)).compose(v -> access.project(Authn.principal(ctx), projectId)
        .compose(p -> bus.<JsonObject>request(PlannerAddresses.GENERATE, new JsonObject().put("project_id", projectId),
            new DeliveryOptions().setSendTimeout(generateTimeoutMs)))
        .map(Message::body)));
  }

  private void approve(RoutingContext ctx) {
    String projectId = ctx.pathParam("project_id");
    JsonObject request = new JsonObject().put("project_id", projectId).put("plan_id", ctx.pathParam("plan_id"));
    Replies.json(ctx, 200, access.project(Authn.principal(ctx), projectId)
        .compose(p -> bus.<JsonObject>request(PlannerAddresses.APPROVE, request,
            new DeliveryOptions().setSendTimeout(APPROVE_TIMEOUT_MS)))
        .map(Message::body));
  }
}
