package dev.orch.kernel.http;

import dev.orch.kernel.auth.OidcService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /api/auth/oidc} (API.md §3.3). Fixed paths are mounted before the {@code {provider}} ones. */
final class OidcRoutes {
  private final OidcService oidc;
  private final RateLimiter limiter;
  private final ClientIp clientIp;

  OidcRoutes(OidcService oidc, RateLimiter limiter, ClientIp clientIp) {
    this.oidc = oidc;
    this.limiter = limiter;
    this.clientIp = clientIp;
  }

  void mount(Router router, Authn authn) {
    router.get("/api/auth/oidc/providers").handler(ctx -> Replies.json(ctx, 200, Future.succeededFuture(oidc.providers())));
    router.get("/api/auth/oidc/identities").handler(authn::user)
        .handler(ctx -> Replies.json(ctx, 200, oidc.identities(Authn.principal(ctx))));
    router.post("/api/auth/oidc/link/:provider").handler(authn::user).handler(this::link);
    router.delete("/api/auth/oidc/link/:provider").handler(authn::user)
        .handler(ctx -> Replies.noContent(ctx, oidc.unlink(Authn.principal(ctx), ctx.pathParam("provider"))));
    router.get("/api/auth/oidc/:provider/login").handler(this::login);
    router.post("/api/auth/oidc/:provider/callback").handler(this::callback);
  }

  private void login(RoutingContext ctx) {
    String redirectUri = ctx.queryParams().get("redirect_uri");
    if (redirectUri == null) {
      throw new ValidationException(new JsonArray().add(Fields.error("missing", List.of("query", "redirect_uri"),
          "Field required", null)));
    }
    Replies.json(ctx, 200, limiter.take(ApiVerticle.RULE_OIDC_LOGIN, clientIp.of(ctx)).compose(v -> oidc.login(ctx.pathParam("provider"), redirectUri)));
  }

  private void callback(RoutingContext ctx) {
    JsonObject body = codeBody(ctx);
    Replies.json(ctx, 200, limiter.take(ApiVerticle.RULE_OIDC_CALLBACK, clientIp.of(ctx)).compose(v -> oidc.callback(ctx.pathParam("provider"),
        body.getString("code"), body.getString("state"), body.getString("state_token"), body.getString("redirect_uri"))));
  }

  private void link(RoutingContext ctx) {
    JsonObject body = codeBody(ctx);
    Replies.json(ctx, 200, Future.succeededFuture().compose(v -> oidc.link(Authn.principal(ctx),
        ctx.pathParam("provider"), body.getString("code"), body.getString("state"), body.getString("state_token"),
        body.getString("redirect_uri"))));
  }

  /** {@code {code, state, state_token, redirect_uri}}, each a non-empty string. */
  private static JsonObject codeBody(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    JsonObject out = new JsonObject();
    for (String name : List.of("code", "state", "state_token", "redirect_uri")) {
      out.put(name, f.string(name, 1, 0));
    }
    f.check();
    return out;
  }
}
