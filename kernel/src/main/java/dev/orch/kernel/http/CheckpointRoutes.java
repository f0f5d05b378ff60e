package dev.orch.kernel.http;

import dev.orch.kernel.tasks.CheckpointService;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /api/checkpoints} (API.md §3.6). */
final class CheckpointRoutes {
  private static final List<String> ACTIONS = List.of("retry", "skip", "fail");

  private final CheckpointService checkpoints;

  CheckpointRoutes(CheckpointService checkpoints) {
    this.checkpoints = checkpoints;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/checkpoints/project/:project_id").handler(authn::user).handler(this::list);
    router.get("/api/checkpoints/:checkpoint_id").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        checkpoints.get(Authn.principal(ctx), ctx.pathParam("checkpoint_id"))));
    router.post("/api/checkpoints/:checkpoint_id/resolve").handler(authn::user).handler(this::resolve);
  }

  private void list(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    // resolved=true lists every checkpoint, not only resolved ones (API.md §18 item 21, kept).
    boolean all = QueryParams.bool(ctx, "resolved", false, errors);
    int limit = Paging.intParam(ctx, "limit", 50, 1, 200, errors);
    int offset = Paging.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    Replies.json(ctx, 200, checkpoints.list(Authn.principal(ctx), ctx.pathParam("project_id"), all, limit, offset));
  }

  private void resolve(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String action = f.literal("action", ACTIONS);
    String guidance = f.optionalString("guidance", "", 0, 10_000);
    String gotcha = f.optionalString("gotcha", "", 0, 2_000);
    f.check();
    Replies.json(ctx, 200, checkpoints.resolve(Authn.principal(ctx), ctx.pathParam("checkpoint_id"), action, guidance,
        gotcha));
  }
}
