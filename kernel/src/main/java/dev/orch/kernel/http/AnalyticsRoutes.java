package dev.orch.kernel.http;

import dev.orch.kernel.budget.AnalyticsService;
import io.vertx.ext.web.Router;

/** {@code /api/admin/analytics}: cost, outcomes, efficiency and usage overviews for admins (API.md §3.13). */
final class AnalyticsRoutes {
  private final AnalyticsService analytics;

  AnalyticsRoutes(AnalyticsService analytics) {
    this.analytics = analytics;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/admin/analytics/cost-breakdown").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, analytics.costBreakdown(UsageRoutes.days(ctx))));
    router.get("/api/admin/analytics/task-outcomes").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, analytics.taskOutcomes()));
    router.get("/api/admin/analytics/efficiency").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, analytics.efficiency()));
    router.get("/api/admin/analytics/escalation").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, analytics.escalation()));
    router.get("/api/admin/analytics/usage-overview").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, analytics.usageOverview(UsageRoutes.days(ctx))));
  }
}
