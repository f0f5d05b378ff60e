package dev.orch.kernel.http;

import dev.orch.kernel.auth.AccountService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code /api/auth}: register, login, refresh, me and API keys (API.md §3.2). */
final class AccountRoutes {
  private final AccountService accounts;
  private final RateLimiter limiter;
  private final ClientIp clientIp;

  AccountRoutes(AccountService accounts, RateLimiter limiter, ClientIp clientIp) {
    this.accounts = accounts;
    this.limiter = limiter;
    this.clientIp = clientIp;
  }

  void mount(Router router, Authn authn) {
    router.post("/api/auth/register").handler(this::register);
    router.post("/api/auth/login").handler(this::login);
    router.post("/api/auth/refresh").handler(this::refresh);
    router.get("/api/auth/me").handler(authn::user).handler(this::me);
    router.post("/api/auth/api-keys").handler(authn::user).handler(this::createKey);
    router.get("/api/auth/api-keys").handler(authn::user).handler(this::listKeys);
    router.delete("/api/auth/api-keys/:key_id").handler(authn::user).handler(this::revokeKey);
  }

  private void register(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String email = f.email("email");
    String password = f.string("password", 8, 0);
    String displayName = f.optionalString("display_name", "", 0, 0);
    f.check();
    Replies.json(ctx, 201, limiter.take(ApiVerticle.RULE_REGISTER, clientIp.of(ctx))
        .compose(v -> accounts.register(email, password, displayName)));
  }

  private void login(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String email = f.email("email");
    String password = f.string("password", 0, 128);
    f.check();
    Replies.json(ctx, 200, limiter.take(ApiVerticle.RULE_LOGIN, clientIp.of(ctx))
        .compose(v -> accounts.login(email, password)));
  }

  private void refresh(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String token = f.string("refresh_token", 0, 0);
    f.check();
    Replies.json(ctx, 200, limiter.take(ApiVerticle.RULE_REFRESH, clientIp.of(ctx))
        .compose(v -> accounts.refresh(token)));
  }

  private void me(RoutingContext ctx) {
    Replies.json(ctx, 200, accounts.me(Authn.principal(ctx)));
  }

  private void createKey(RoutingContext ctx) {
    Fields f = Fields.of(ctx);
    String name = f.string("name", 1, 100);
    f.check();
    Replies.json(ctx, 201, accounts.createApiKey(Authn.principal(ctx), name));
  }

  private void listKeys(RoutingContext ctx) {
    Replies.json(ctx, 200, accounts.listApiKeys(Authn.principal(ctx)));
  }

  private void revokeKey(RoutingContext ctx) {
    Replies.json(ctx, 200, accounts.revokeApiKey(Authn.principal(ctx), ctx.pathParam("key_id")));
  }
}
