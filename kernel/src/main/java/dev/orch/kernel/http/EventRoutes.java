package dev.orch.kernel.http;

import dev.orch.kernel.auth.AccountService;
import dev.orch.kernel.auth.Tokens;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.bus.Unauthorized;
import dev.orch.kernel.progress.EventRepository;
import dev.orch.kernel.projects.ProjectAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The event stream of API.md §3.8 and §6: a project-scoped SSE token, then the stream itself,
 * authenticated by that token in the query string (EventSource cannot send headers). The token is
 * never logged; the access log records paths only.
 */
final class EventRoutes {
  /** Query fallback for clients that cannot set the Last-Event-ID header on a reconnect. */
  static final String LAST_EVENT_ID_PARAM = "last_event_id";

  private final Vertx vertx;
  private final ProjectAccess access;
  private final AccountService accounts;
  private final EventRepository events;
  private final long keepaliveMs;
  private final StreamQuota quota;

  EventRoutes(Vertx vertx, ProjectAccess access, AccountService accounts, EventRepository events, int keepaliveSec,
      StreamQuota quota) {
    this.vertx = vertx;
    this.access = access;
    this.accounts = accounts;
    this.events = events;
    this.keepaliveMs = keepaliveSec * 1000L;
    this.quota = quota;
  }

  void mount(Router router, Authn authn) {
    router.post("/api/events/:project_id/token").handler(authn::user).handler(this::token);
    router.get("/api/events/:project_id").handler(this::stream);
  }

  /** Owner or admin: a token for this user and project (§5.1). API-key callers may obtain one too. */
  private void token(RoutingContext ctx) {
    var caller = Authn.principal(ctx);
    String projectId = ctx.pathParam("project_id");
    Replies.json(ctx, 200, access.project(caller, projectId)
        .map(p -> new JsonObject().put("token", accounts.tokens().sse(caller.id(), projectId))));
  }

  private void stream(RoutingContext ctx) {
    List<String> token = ctx.queryParam("token");
    if (token.isEmpty()) {
      throw new ValidationException(new JsonArray().add(Fields.error("missing", List.of("query", "token"),
          "Field required", null)));
    }
    String projectId = ctx.pathParam("project_id");
    // A repeated parameter: the last one wins, as in the original's framework.
    authorize(token.get(token.size() - 1), projectId)
        .onSuccess(userId -> {
          if (ctx.response().closed()) {
            return;
          }
          Runnable release;
          try {
            release = quota.open(userId);
          } catch (OrchestratorException tooMany) {
            ctx.fail(tooMany);
            return;
          }
          new EventStream(vertx, ctx.response(), events, projectId, lastEventId(ctx), keepaliveMs,
              EdgeHandler.requestId(ctx), release).open(ctx.request().version());
        })
        .onFailure(ctx::fail);
  }

  /**
   * The checks of §3.8 in the original's order: the token decodes (signature, algorithm, expiry),
   * is an SSE token, names an active user, and was issued for this project.
   *
   * @return the user's id
   */
  private Future<String> authorize(String token, String projectId) {
    return accounts.tokens().verify(token)
        .recover(err -> Future.failedFuture(new Unauthorized("Invalid or expired token", true)))
        .compose(claims -> {
          if (!Tokens.SSE.equals(claims.getValue("type"))) {
            return Future.failedFuture(new Unauthorized("Invalid token type", false));
          }
          String userId = claims.getValue("sub") instanceof String s ? s : "";
          return accounts.users().byId(userId).compose(user -> {
            if (user == null || !user.active()) {
              return Future.failedFuture(new Unauthorized("User not found or disabled", false));
            }
            if (!projectId.equals(claims.getValue("project_id"))) {
              return Future.failedFuture(OrchestratorException.forbidden("SSE token not valid for this project"));
            }
            return Future.succeededFuture(user.id());
          });
        });
  }

  /**
   * Where a reconnecting client left off: the Last-Event-ID header, else the query parameter. A value
   * that is not one of our ids (EventSource only echoes what it was sent) means "live events only".
   */
  private static Long lastEventId(RoutingContext ctx) {
    String value = ctx.request().getHeader("Last-Event-ID");
    if (value == null || value.isBlank()) {
      List<String> param = ctx.queryParam(LAST_EVENT_ID_PARAM);
      value = param.isEmpty() ? null : param.get(param.size() - 1);
    }
    if (value == null) {
      return null;
    }
    try {
      long id = Long.parseLong(value.trim());
      return id >= 0 ? id : null;
    } catch (NumberFormatException notOurs) {
      return null;
    }
  }
}
