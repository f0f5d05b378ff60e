package dev.orch.kernel.http;

import dev.orch.kernel.budget.UsageService;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/usage}: spend summaries, the budget status and daily and per-project spend (API.md §3.9). */
final class UsageRoutes {
  private final UsageService usage;

  UsageRoutes(UsageService usage) {
    this.usage = usage;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/usage/summary").handler(authn::user).handler(this::summary);
    router.get("/api/usage/budget").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, usage.budget()));
    router.get("/api/usage/daily").handler(authn::user).handler(authn::admin).handler(this::daily);
    router.get("/api/usage/by-project").handler(authn::user).handler(this::byProject);
  }

  private void summary(RoutingContext ctx) {
    Replies.json(ctx, 200, usage.summary(Authn.principal(ctx), ctx.queryParams().get("project_id")));
  }

  private void daily(RoutingContext ctx) {
    Replies.json(ctx, 200, usage.daily(days(ctx)));
  }

  private void byProject(RoutingContext ctx) {
    Paging page = Paging.of(ctx, 50, 200);
    Replies.json(ctx, 200, usage.byProject(Authn.principal(ctx), page.limit(), page.offset()));
  }

  /**
   * The {@code days} query parameter: 1–90, default 30, else 422 (API.md §3.13; for
   * {@code /usage/daily} the lower bound is the fix of §18 item 19).
   */
  static int days(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    int days = Paging.intParam(ctx, "days", 30, 1, 90, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return days;
  }
}
