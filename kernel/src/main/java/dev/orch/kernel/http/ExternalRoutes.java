package dev.orch.kernel.http;

import dev.orch.kernel.tasks.ExternalService;
import dev.orch.kernel.tasks.ExternalService.Result;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/external} (API.md §3.7): the pull protocol of external agents, usually with an API key. */
final class ExternalRoutes {
  private final ExternalService external;

  ExternalRoutes(ExternalService external) {
    this.external = external;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/external/:project_id/claimable").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        external.claimable(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.post("/api/external/tasks/:task_id/claim").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        external.claim(Authn.principal(ctx), ctx.pathParam("task_id"))));
    router.post("/api/external/tasks/:task_id/result").handler(authn::user).handler(this::result);
    router.post("/api/external/tasks/:task_id/release").handler(authn::user).handler(ctx -> Replies.json(ctx, 200,
        external.release(Authn.principal(ctx), ctx.pathParam("task_id"))));
  }

  private void result(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String output = f.string("output_text", 1, 500_000);
    String model = f.string("model_used", 1, 100);
    Long prompt = f.optionalLong("prompt_tokens", 0L, 0, Long.MAX_VALUE);
    Long completion = f.optionalLong("completion_tokens", 0L, 0, Long.MAX_VALUE);
    f.check();
    Replies.json(ctx, 200, external.result(Authn.principal(ctx), ctx.pathParam("task_id"),
        new Result(output, model, prompt, completion)));
  }
}
