package dev.orch.kernel.http;

import dev.orch.kernel.cluster.ClusterService;
import io.vertx.ext.web.Router;

/**
 * {@code GET /api/health/ready}: 200 when this node is a member, reaches its database and has every
 * verticle deployed, else 503 with the same body (a load balancer's readiness probe; no auth, like
 * {@code /api/health}). {@code GET /api/admin/cluster}: the members and the leases each holds (admin).
 */
final class ClusterRoutes {
  private final ClusterService cluster;

  ClusterRoutes(ClusterService cluster) {
    this.cluster = cluster;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/health/ready").handler(ctx -> cluster.ready().onSuccess(body -> {
      if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().setStatusCode(body.getBoolean("ready") ? 200 : 503)
            .putHeader("Content-Type", "application/json").end(body.encode());
      }
    }).onFailure(ctx::fail));
    router.get("/api/admin/cluster").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, cluster.overview()));
  }
}
