package dev.orch.kernel.http;

import dev.orch.kernel.admin.AdminService;
import dev.orch.kernel.auth.AccountService;
import dev.orch.kernel.auth.OidcService;
import dev.orch.kernel.budget.AnalyticsService;
import dev.orch.kernel.budget.UsageService;
import dev.orch.kernel.cluster.ClusterService;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.progress.EventRepository;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.projects.ProjectService;
import dev.orch.kernel.rag.RagCatalog;
import dev.orch.kernel.tasks.TaskServices;
import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: REST under {@code /api}, the dashboard at {@code /}. One instance per core; all
 * instances share the rate limiter and the services, which hold no per-instance state.
 */
public final class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  static final String RULE_GLOBAL = "global";
  static final String RULE_REGISTER = "register";
  static final String RULE_LOGIN = "login";
  static final String RULE_REFRESH = "refresh";
  static final String RULE_OIDC_LOGIN = "oidc_login";
  static final String RULE_OIDC_CALLBACK = "oidc_callback";

  private final OrchConfig config;
  private final Services services;
  private HttpServer server;

  /** What the routes need; built once per process and shared by every instance. */
  public record Services(AccountService accounts, AdminService admin, OidcService oidc, ProjectService projects,
      ProjectAccess access, RateLimiter limiter, UsageService usage, AnalyticsService analytics,
      long planTimeoutMs, TaskServices tasks, EventRepository events, RagCatalog rag, StreamQuota streams,
      dev.orch.kernel.projects.ProjectGit git, ClusterService cluster) {}

  public ApiVerticle(OrchConfig config, Services services) {
    this.config = config;
    this.services = services;
  }

  /** The per-user cap on open SSE streams ({@code server.sse_max_streams_per_user}), for one process. */
  public static StreamQuota streamQuota(OrchConfig config) {
    return new StreamQuota(config.server().sseMaxStreamsPerUser());
  }

  /** The rate rules of API.md §1.9 plus the global limit of §18.1. */
  public static RateLimiter rateLimiter(OrchConfig config) {
    return rateLimiter(config, null);
  }

  /** As {@link #rateLimiter(OrchConfig)}, counted in {@code shared} across the cluster when not null. */
  public static RateLimiter rateLimiter(OrchConfig config, dev.orch.kernel.store.Db shared) {
    RateLimiter limiter = (shared == null ? new RateLimiter() : RateLimiter.shared(shared)).rule(RULE_GLOBAL, config.server().rateLimit());
    config.server().endpointRateLimits().forEach(limiter::rule);
    return limiter;
  }

  @Override
  public Future<?> start() {
    return Dashboard.load(vertx, config.server().webroot()).compose(this::listen);
  }

  private Future<HttpServer> listen(Dashboard dashboard) {
    Router router = router(dashboard);
    var options = new HttpServerOptions().setHost(config.server().host()).setPort(config.server().port())
        .setCompressionSupported(true);
    return vertx.createHttpServer(options)
        .requestHandler(router)
        .listen()
        .onSuccess(s -> {
          server = s;
          LOG.info("http listening [host: {}, port: {}]", config.server().host(), s.actualPort());
        });
  }

  /** The bound port; useful when the configured port is 0. */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router(Dashboard dashboard) {
    Router router = Router.router(vertx);
    ClientIp clientIp = new ClientIp(config.server().trustedProxies());
    Authn authn = new Authn(services.accounts());

    router.route().handler(EdgeHandler::handle);
    Handler<RoutingContext> cors = cors();
    router.route().handler(ctx -> {
      if (sameOrigin(ctx)) {
        ctx.next();
      } else {
        cors.handle(ctx);
      }
    });
    router.route("/api/*").handler(this::stripTrailingSlash);
    router.route("/api/*").handler(ctx -> globalLimit(ctx, clientIp));
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(config.server().bodyLimitBytes()));

    router.get("/api/health").handler(ctx -> Replies.json(ctx, 200,
        Future.succeededFuture(new JsonObject().put("status", "ok"))));
    new ClusterRoutes(services.cluster()).mount(router, authn);
    new AccountRoutes(services.accounts(), services.limiter(), clientIp).mount(router, authn);
    new OidcRoutes(services.oidc(), services.limiter(), clientIp).mount(router, authn);
    new AdminRoutes(services.admin()).mount(router, authn);
    new ProjectRoutes(services.projects(), services.limiter(), clientIp).mount(router, authn);
    new PlanRoutes(vertx.eventBus(), services.access(), services.limiter(), clientIp, services.planTimeoutMs())
        .mount(router, authn);
    new ExecutionRoutes(services.tasks().execution()).mount(router, authn);
    new TaskRoutes(services.tasks().tasks()).mount(router, authn);
    new CheckpointRoutes(services.tasks().checkpoints()).mount(router, authn);
    new GitRoutes(services.git()).mount(router, authn);
    new ExternalRoutes(services.tasks().external()).mount(router, authn);
    new UsageRoutes(services.usage()).mount(router, authn);
    new AnalyticsRoutes(services.analytics()).mount(router, authn);
    new ServiceRoutes(vertx.eventBus()).mount(router, authn);
    new ToolRoutes(vertx.eventBus()).mount(router, authn);
    new RagRoutes(services.rag()).mount(router, authn);
    new EventRoutes(vertx, services.access(), services.accounts(), services.events(),
        config.server().sseKeepaliveSec(), services.streams()).mount(router, authn);

    if (dashboard != null) {
      dashboard.mount(router);
    }
    router.route().failureHandler(HttpErrors::handle);
    router.errorHandler(404, HttpErrors::handle);
    router.errorHandler(405, HttpErrors::handle);
    router.errorHandler(413, HttpErrors::handle);
    router.errorHandler(500, HttpErrors::handle);
    return router;
  }

  /**
   * CORS for the configured origins (API.md §7.3). A request from another origin gets no CORS
   * header: a preflight is refused with 403, anything else is served as if it had no Origin (the
   * browser then keeps the answer from the page).
   */
  private Handler<RoutingContext> cors() {
    var origins = config.server().corsOrigins();
    boolean any = origins.contains("*");
    CorsHandler cors = any ? CorsHandler.create() : CorsHandler.create().addOrigins(origins);
    cors.allowCredentials(!any)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS))
        .allowedHeaders(Set.of("Authorization", "Content-Type"))
        .exposedHeader("X-Request-ID");
    Set<String> allowed = Set.copyOf(origins);
    return ctx -> {
      String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
      if (origin == null || any || allowed.contains(origin)) {
        cors.handle(ctx);
      } else if (ctx.request().method() == HttpMethod.OPTIONS
          && ctx.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null) {
        ctx.fail(OrchestratorException.forbidden("CORS origin not allowed"));
      } else {
        ctx.next();
      }
    };
  }

  /**
   * A browser sends {@code Origin} on its own module scripts and POSTs too. Those are the dashboard's
   * requests to the server that served it, whatever address it was reached at, so the CORS list (for
   * other origins) is not asked. Same authority means same host and port; the scheme may differ
   * behind a TLS-terminating proxy.
   */
  static boolean sameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    var authority = ctx.request().authority();
    if (origin == null || authority == null) {
      return false;
    }
    String host = authority.port() > 0 ? authority.host() + ":" + authority.port() : authority.host();
    int scheme = origin.indexOf("://");
    return scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
  }

  /** {@code /api/projects/} → 307 to {@code /api/projects}, as the original's framework does. */
  private void stripTrailingSlash(RoutingContext ctx) {
    String path = ctx.request().path();
    if (path.length() > "/api/".length() && path.endsWith("/")) {
      String query = ctx.request().query();
      ctx.response().setStatusCode(307)
          .putHeader("Location", path.replaceAll("/+$", "") + (query == null ? "" : "?" + query))
          .end();
      return;
    }
    ctx.next();
  }

  /**
   * The per-IP limit on every API route but health and the SSE stream itself, decided on the path
   * the router matches ({@code /api/events/%2e%2e/projects} is {@code /api/projects}).
   */
  private void globalLimit(RoutingContext ctx, ClientIp clientIp) {
    String path = ctx.normalizedPath();
    String events = "/api/events/";
    boolean stream = ctx.request().method() == HttpMethod.GET && path.startsWith(events)
        && path.length() > events.length() && path.indexOf('/', events.length()) < 0;
    boolean exempt = path.equals("/api/health") || path.equals("/api/health/ready") || stream;
    if (exempt) {
      ctx.next();
      return;
    }
    Future<Void> taken = services.limiter().take(RULE_GLOBAL, clientIp.of(ctx));
    if (taken.isComplete()) {
      if (taken.succeeded()) {
        ctx.next();
      } else {
        ctx.fail(taken.cause());
      }
      return;
    }
    // Counted in the database: the body waits, paused, until the body handler reads it.
    ctx.request().pause();
    taken.onSuccess(v -> ctx.next()).onFailure(ctx::fail);
  }
}
