package dev.orch.kernel.http;

import dev.orch.kernel.tasks.ExecutionService;
import io.vertx.ext.web.Router;

/** {@code POST /api/projects/{id}/execute|pause|cancel} (API.md §3.4): execution control of a project. */
final class ExecutionRoutes {
  private final ExecutionService execution;

  ExecutionRoutes(ExecutionService execution) {
    this.execution = execution;
  }

  void mount(Router router, Authn authn) {
    router.post("/api/projects/:project_id/execute").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        execution.execute(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.post("/api/projects/:project_id/pause").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        execution.pause(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.post("/api/projects/:project_id/cancel").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        execution.cancel(Authn.principal(ctx), ctx.pathParam("project_id"))));
  }
}
