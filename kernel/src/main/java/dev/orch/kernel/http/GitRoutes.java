package dev.orch.kernel.http;

import dev.orch.kernel.projects.ProjectGit;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** The git views (docs/git.md): a project branch's log and a task commit's diff. */
final class GitRoutes {
  private final ProjectGit git;

  GitRoutes(ProjectGit git) {
    this.git = git;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/projects/:project_id/git/log").handler(authn::user).handler(this::log);
    router.get("/api/tasks/:task_id/diff").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, git.diff(Authn.principal(ctx), ctx.pathParam("task_id"))));
  }

  private void log(RoutingContext ctx) {
    JsonArray errors = new JsonArray();
    int limit = Paging.intParam(ctx, "limit", 50, 1, 500, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    Replies.json(ctx, 200, git.log(Authn.principal(ctx), ctx.pathParam("project_id"), limit));
  }
}
