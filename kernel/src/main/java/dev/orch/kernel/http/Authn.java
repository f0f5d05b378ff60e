package dev.orch.kernel.http;

import dev.orch.kernel.auth.AccountService;
import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.bus.Unauthorized;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/** Route handlers that authenticate the caller (API.md §5.1) and, where needed, require admin. */
public final class Authn {
  private static final String KEY = "orch.principal";
  private final AccountService accounts;

  public Authn(AccountService accounts) {
    this.accounts = accounts;
  }

  /** Requires a valid bearer credential; the principal is then available through {@link #principal}. */
  public void user(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || header.length() < 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")
        || header.substring(7).isBlank()) {
      ctx.fail(new Unauthorized("Not authenticated", true));
      return;
    }
    accounts.authenticate(header.substring(7).trim())
        .onSuccess(principal -> {
          ctx.put(KEY, principal);
          ctx.next();
        })
        .onFailure(ctx::fail);
  }

  /** Requires the authenticated caller to be an admin; use after {@link #user}. */
  public void admin(RoutingContext ctx) {
    if (!principal(ctx).admin()) {
      ctx.fail(OrchestratorException.forbidden("Admin access required"));
      return;
    }
    ctx.next();
  }

  public static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(KEY);
    if (p == null) {
      throw new IllegalStateException("route has no authentication handler");
    }
    return p;
  }
}
