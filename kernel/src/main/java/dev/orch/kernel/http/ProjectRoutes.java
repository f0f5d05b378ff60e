package dev.orch.kernel.http;

import dev.orch.kernel.projects.ProjectService;
import dev.orch.kernel.projects.ProjectService.ProjectFields;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code /api/projects} (API.md §3.4) but planning, approval and execution. */
final class ProjectRoutes {
  static final List<String> STATUSES =
      List.of("draft", "planning", "ready", "executing", "paused", "completed", "failed", "cancelled");
  static final List<String> RIGORS = List.of("L1", "L2", "L3");

  private final ProjectService projects;
  private final RateLimiter limiter;
  private final ClientIp clientIp;

  ProjectRoutes(ProjectService projects, RateLimiter limiter, ClientIp clientIp) {
    this.projects = projects;
    this.limiter = limiter;
    this.clientIp = clientIp;
  }

  void mount(Router router, Authn authn) {
    router.post("/api/projects").handler(authn::user).handler(this::create);
    router.get("/api/projects").handler(authn::user).handler(this::list);
    router.get("/api/projects/:project_id").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, projects.get(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.patch("/api/projects/:project_id").handler(authn::user).handler(this::patch);
    router.delete("/api/projects/:project_id").handler(authn::user)
        .handler(ctx -> Replies.noContent(ctx, projects.delete(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.get("/api/projects/:project_id/plans").handler(authn::user).handler(ctx -> {
      Paging page = Paging.of(ctx, 20, 100);
      Replies.json(ctx, 200, projects.plans(Authn.principal(ctx), ctx.pathParam("project_id"), page.limit(),
          page.offset()));
    });
    router.post("/api/projects/:project_id/clone").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 201, projects.cloneProject(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.get("/api/projects/:project_id/export").handler(authn::user).handler(this::export);
    router.get("/api/projects/:project_id/coverage").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, projects.coverage(Authn.principal(ctx), ctx.pathParam("project_id"))));
    router.get("/api/projects/:project_id/knowledge").handler(authn::user).handler(ctx -> {
      Paging page = Paging.of(ctx, 50, 200);
      Replies.json(ctx, 200, projects.knowledge(Authn.principal(ctx), ctx.pathParam("project_id"),
          ctx.queryParams().get("category"), page.limit(), page.offset()));
    });
    router.delete("/api/projects/:project_id/knowledge/:finding_id").handler(authn::user)
        .handler(ctx -> Replies.noContent(ctx, projects.deleteFinding(Authn.principal(ctx), ctx.pathParam("project_id"),
            ctx.pathParam("finding_id"))));
  }

  private void create(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    ProjectFields fields = new ProjectFields(
        f.string("name", 1, 200),
        f.string("requirements", 1, 50_000),
        f.optionalObject("config"),
        f.optionalLiteral("planning_rigor", RIGORS),
        repoPath(f),
        baseBranch(f));
    f.check();
    Replies.json(ctx, 201, projects.create(Authn.principal(ctx), fields));
  }

  private void list(RoutingContext ctx) {
    Paging page = Paging.of(ctx, 50, 200);
    String status = ctx.queryParams().get("status");
    if (status != null && !STATUSES.contains(status)) {
      throw new ValidationException(new JsonArray().add(Fields.error("enum", List.of("query", "status"),
          "Input should be " + String.join(", ", STATUSES.stream().map(s -> "'" + s + "'").toList()), status)));
    }
    Replies.json(ctx, 200, projects.list(Authn.principal(ctx), status, page.limit(), page.offset()));
  }

  private void patch(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    ProjectFields fields = new ProjectFields(
        f.optionalString("name", null, 1, 200),
        f.optionalString("requirements", null, 1, 50_000),
        f.optionalObject("config"),
        f.optionalLiteral("planning_rigor", RIGORS),
        repoPath(f),
        baseBranch(f));
    f.check();
    Replies.json(ctx, 200, projects.patch(Authn.principal(ctx), ctx.pathParam("project_id"), fields));
  }

  private void export(RoutingContext ctx) {
    String projectId = ctx.pathParam("project_id");
    limiter.take("export", clientIp.of(ctx)).onSuccess(v -> StreamedJson.object(ctx, 200,
        Map.of("Content-Disposition", "attachment; filename=\"project_" + projectId + ".json\""),
        projects.export(Authn.principal(ctx), projectId))).onFailure(ctx::fail);
  }

  /** A branch name git would accept, never one that could read as a command-line option. */
  private static final java.util.regex.Pattern BRANCH =
      java.util.regex.Pattern.compile("(?!-)(?!.*\\.\\.)(?!.*//)(?!.*@\\{)[A-Za-z0-9._/+-]{1,200}(?<![./])(?<!\\.lock)");

  /** {@code git_base_branch}: a plain branch name (letters, digits, {@code . _ / + -}), not starting with {@code -}. */
  private static String baseBranch(Fields f) {
    String raw = f.optionalString("git_base_branch", null, 0, 0);
    if (raw != null && !BRANCH.matcher(raw).matches()) {
      f.reject("git_base_branch", "git_base_branch is not a valid branch name");
      return null;
    }
    return raw;
  }

  /** {@code repo_path}: no {@code ..} segment, absolute after normalisation, stored normalised. */
  private static String repoPath(Fields f) {
    String raw = f.optionalString("repo_path", null, 0, 0);
    if (raw == null) {
      return null;
    }
    if (Arrays.asList(raw.split("[/\\\\]")).contains("..")) {
      f.reject("repo_path", "repo_path must not contain '..' segments");
      return null;
    }
    try {
      Path normalized = Path.of(raw).normalize();
      if (!normalized.isAbsolute()) {
        f.reject("repo_path", "repo_path must be an absolute path");
        return null;
      }
      return normalized.toString();
    } catch (InvalidPathException e) {
      f.reject("repo_path", "repo_path is not a valid path");
      return null;
    }
  }
}
