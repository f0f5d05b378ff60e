package dev.orch.kernel.http;

import dev.orch.kernel.admin.AdminService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /api/admin}: users and stats (API.md §3.12). */
final class AdminRoutes {
  private final AdminService admin;

  AdminRoutes(AdminService admin) {
    this.admin = admin;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/admin/users").handler(authn::user).handler(authn::admin).handler(this::list);
    router.patch("/api/admin/users/:user_id").handler(authn::user).handler(authn::admin).handler(this::update);
    router.get("/api/admin/stats").handler(authn::user).handler(authn::admin)
        .handler(ctx -> Replies.json(ctx, 200, admin.stats()));
  }

  private void list(RoutingContext ctx) {
    Paging page = Paging.of(ctx, 50, 200);
    Replies.json(ctx, 200, admin.listUsers(page.limit(), page.offset()));
  }

  private void update(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String role = f.optionalLiteral("role", List.of("admin", "user"));
    Boolean active = f.optionalBool("is_active");
    f.check();
    Replies.json(ctx, 200, admin.updateUser(Authn.principal(ctx), ctx.pathParam("user_id"), role, active));
  }
}
