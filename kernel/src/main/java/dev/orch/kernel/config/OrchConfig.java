package dev.orch.kernel.config;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The validated configuration. {@link #from} checks every value that must stop startup (RUNNING.md,
 * API.md §16) and throws a {@link ConfigException} whose message names the key.
 *
 * @param raw the layered JSON, for components that read their own section
 * @param warnings non-fatal findings to log once at startup
 */
public record OrchConfig(
    JsonObject raw,
    Path dataDir,
    Path pluginsDir,
    Db db,
    Server server,
    Auth auth,
    List<String> warnings) {

  /** Placeholders from example configs that must never sign tokens. */
  static final Set<String> PLACEHOLDER_SECRETS = Set.of(
      "CHANGE-ME-generate-a-random-64-char-string-here", "change-me", "secret", "your-secret-key-here");

  /**
   * Storage settings.
   *
   * @param url JDBC URL; SQLite file or {@code jdbc:postgresql://...}
   * @param synchronous SQLite {@code synchronous} pragma: FULL keeps a recorded spend through a power cut
   */
  public record Db(String url, String synchronous, int busyTimeoutMs, int maxPoolSize) {
    public boolean postgres() {
      return url.startsWith("jdbc:postgresql:");
    }
  }

  /**
   * HTTP settings.
   *
   * @param corsOrigins allowed origins; the four localhost defaults when the key is empty
   * @param rateLimit the per-IP limit on every {@code /api} route but health and SSE (API.md §18.1)
   * @param endpointRateLimits the per-endpoint limits of API.md §1.9 by rule name; the contract's
   *     values unless {@code server.endpoint_rate_limits} overrides one (tests raise them)
   * @param sseMaxStreamsPerUser open SSE streams one user may hold on this node; the next is a 429
   */
  public record Server(
      String host,
      int port,
      List<String> corsOrigins,
      RateSpec rateLimit,
      java.util.Map<String, RateSpec> endpointRateLimits,
      String logFormat,
      String logLevel,
      List<String> trustedProxies,
      int sseKeepaliveSec,
      int sseMaxStreamsPerUser,
      long bodyLimitBytes,
      Path webroot,
      boolean cluster) {}

  /**
   * Account and token settings (API.md §5).
   *
   * @param bcryptWorkers threads of bcrypt's own pool ({@code auth.bcrypt_workers})
   * @param bcryptMaxQueue hashes that may wait for one of them before sign-ins get 503
   *     ({@code auth.bcrypt_max_queue})
   */
  public record Auth(
      String secretKey,
      String algorithm,
      long accessTokenMinutes,
      long refreshTokenDays,
      long sseTokenSeconds,
      boolean allowRegistration,
      int lockoutThreshold,
      long lockoutWindowSeconds,
      int bcryptCost,
      int bcryptWorkers,
      int bcryptMaxQueue,
      List<OidcProviderConfig> oidcProviders,
      List<String> oidcRedirectUris) {

    /** Never prints the secret. */
    @Override
    public String toString() {
      return "Auth[algorithm=" + algorithm + ", oidcProviders=" + oidcProviders + "]";
    }
  }

  /** Leaves out the raw JSON, which holds secrets. */
  @Override
  public String toString() {
    return "OrchConfig[dataDir=" + dataDir + ", server=" + server + ", db=" + db.postgres() + ", auth=" + auth + "]";
  }

  /**
   * The same configuration listening on {@code port}; 0 asks for any free port, which config files
   * may not (API.md §16), but embedding code and tests may.
   */
  public OrchConfig withHttpPort(int port) {
    Server s = server;
    return new OrchConfig(raw, dataDir, pluginsDir, db, new Server(s.host(), port, s.corsOrigins(), s.rateLimit(),
        s.endpointRateLimits(), s.logFormat(), s.logLevel(), s.trustedProxies(), s.sseKeepaliveSec(), s.sseMaxStreamsPerUser(), s.bodyLimitBytes(), s.webroot(),
        s.cluster()), auth, warnings);
  }

  /** Validates the layered JSON; {@code cwd} resolves relative folders. */
  public static OrchConfig from(JsonObject layered, Path cwd) {
    JsonObject json = Defaults.filled(layered);
    ConfigReader r = new ConfigReader(json);
    List<String> warnings = new ArrayList<>();

    Path dataDir = cwd.resolve(r.string("data_dir", "./data")).normalize();
    Path pluginsDir = cwd.resolve(r.string("plugins_dir", "./plugins")).normalize();
    String dbUrl = r.string("db_url", "");
    if (dbUrl.isBlank()) {
      dbUrl = "jdbc:sqlite:" + dataDir.resolve("orchestration.db");
    } else if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
      throw new ConfigException("db_url must be a jdbc:sqlite: or jdbc:postgresql: URL");
    }
    String synchronous = r.string("db.synchronous", "FULL").toUpperCase(Locale.ROOT);
    if (!Set.of("OFF", "NORMAL", "FULL", "EXTRA").contains(synchronous)) {
      throw new ConfigException("db.synchronous must be one of OFF, NORMAL, FULL, EXTRA, got " + synchronous);
    }
    Db db = new Db(dbUrl, synchronous,
        r.integerIn("db.busy_timeout_ms", 5000, 0, 600_000),
        r.integerIn("db.max_pool_size", 8, 1, 1000));

    Server server = server(r, cwd, warnings);
    Auth auth = auth(r, warnings);

    r.nonNegative("budget.daily_limit_usd", 5.0);
    r.nonNegative("budget.monthly_limit_usd", 50.0);
    r.nonNegative("budget.per_project_limit_usd", 10.0);
    r.positive("anthropic.timeout", 120);
    r.positive("ollama.generate_timeout", 120);
    if (r.bool("git.enabled", true)) {
      r.positive("git.command_timeout", 30);
    }
    if (r.string("anthropic.api_key", "").isBlank()) {
      warnings.add("no Anthropic API key: set ANTHROPIC_API_KEY to plan and run tasks on Claude");
    }
    return new OrchConfig(json, dataDir, pluginsDir, db, server, auth, List.copyOf(warnings));
  }

  private static Server server(ConfigReader r, Path cwd, List<String> warnings) {
    int port = r.integerIn("server.port", 5200, 1, 65535);
    List<String> origins = r.strings("server.cors_origins");
    if (origins.isEmpty()) {
      origins = List.of("http://localhost:5173", "http://localhost:" + port,
          "http://127.0.0.1:5173", "http://127.0.0.1:" + port);
    }
    for (String origin : origins) {
      if (origin.equals("*")) {
        warnings.add("server.cors_origins allows every origin ('*')");
      } else if (!origin.startsWith("http://") && !origin.startsWith("https://")) {
        throw new ConfigException("server.cors_origins entries must start with http:// or https://, got '" + origin + "'");
      }
    }
    String logFormat = r.string("server.log_format", "json").toLowerCase(Locale.ROOT);
    if (!logFormat.equals("json") && !logFormat.equals("text")) {
      throw new ConfigException("server.log_format must be 'json' or 'text', got '" + logFormat + "'");
    }
    String logLevel = r.string("server.log_level", "INFO").toUpperCase(Locale.ROOT);
    if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR").contains(logLevel)) {
      throw new ConfigException("server.log_level must be one of DEBUG, INFO, WARN, ERROR, got '" + logLevel + "'");
    }
    return new Server(
        r.string("server.host", "0.0.0.0"),
        port,
        List.copyOf(new LinkedHashSet<>(origins)),
        RateSpec.parse("server.rate_limit", r.string("server.rate_limit", "60/minute")),
        endpointLimits(r),
        logFormat,
        logLevel.equals("WARNING") ? "WARN" : logLevel,
        r.strings("server.trusted_proxies"),
        r.integerIn("server.sse_keepalive_sec", 30, 1, 3600),
        r.integerIn("server.sse_max_streams_per_user", 20, 1, 100_000),
        (long) r.positive("server.body_limit_bytes", 1_048_576),
        cwd.resolve(r.string("server.webroot", "./webroot")).normalize(),
        r.bool("server.cluster", false));
  }

  /** The contract's per-endpoint limits (API.md §1.9), each overridable by name. */
  static final java.util.Map<String, String> ENDPOINT_LIMITS = java.util.Map.of(
      "register", "5/minute", "login", "5/minute", "refresh", "10/minute",
      "oidc_login", "5/minute", "oidc_callback", "5/minute", "plan", "5/minute", "export", "5/minute");

  private static java.util.Map<String, RateSpec> endpointLimits(ConfigReader r) {
    JsonObject overrides = r.object("server.endpoint_rate_limits");
    for (String name : overrides.fieldNames()) {
      if (!ENDPOINT_LIMITS.containsKey(name)) {
        throw new ConfigException("server.endpoint_rate_limits." + name + " is not a rate-limited endpoint; known: "
            + new java.util.TreeSet<>(ENDPOINT_LIMITS.keySet()));
      }
    }
    java.util.Map<String, RateSpec> out = new java.util.HashMap<>();
    ENDPOINT_LIMITS.forEach((name, spec) -> {
      String key = "server.endpoint_rate_limits." + name;
      out.put(name, RateSpec.parse(key, r.string(key, spec)));
    });
    return java.util.Map.copyOf(out);
  }

  private static Auth auth(ConfigReader r, List<String> warnings) {
    String secret = r.string("auth.secret_key", "");
    if (secret.isBlank()) {
      throw new ConfigException("auth.secret_key is not set: set ORCH_AUTH__SECRET_KEY to at least 32 random characters"
          + " (for example: openssl rand -hex 32)");
    }
    if (PLACEHOLDER_SECRETS.contains(secret)) {
      throw new ConfigException("auth.secret_key is still the example placeholder: set ORCH_AUTH__SECRET_KEY to a random value");
    }
    if (secret.length() < 32) {
      throw new ConfigException("auth.secret_key must be at least 32 characters, got " + secret.length());
    }
    String algorithm = r.string("auth.algorithm", "HS256");
    if (!algorithm.equals("HS256")) {
      throw new ConfigException("auth.algorithm must be HS256, got '" + algorithm + "'");
    }
    List<OidcProviderConfig> providers = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    var list = r.array("auth.oidc_providers");
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject p)) {
        throw new ConfigException("auth.oidc_providers[" + i + "] must be an object");
      }
      ConfigReader pr = new ConfigReader(p);
      String prefix = "auth.oidc_providers[" + i + "].";
      String name = required(pr, prefix, "name");
      if (!names.add(name)) {
        throw new ConfigException(prefix + "name '" + name + "' is configured twice");
      }
      String issuer = required(pr, prefix, "issuer");
      try {
        URI uri = URI.create(issuer);
        if (uri.getScheme() == null || !uri.getScheme().startsWith("http")) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(prefix + "issuer must be an http(s) URL, got '" + issuer + "'");
      }
      List<String> scopes = pr.strings("scopes");
      providers.add(new OidcProviderConfig(name, pr.string("display_name", name), issuer.replaceAll("/+$", ""),
          required(pr, prefix, "client_id"), required(pr, prefix, "client_secret"),
          scopes.isEmpty() ? List.of("openid", "email", "profile") : scopes,
          pr.bool("auto_link_by_email", false)));
    }
    List<String> redirectUris = r.strings("auth.oidc_redirect_uris");
    if (!providers.isEmpty() && redirectUris.isEmpty()) {
      warnings.add("auth.oidc_redirect_uris is empty: OIDC logins accept any redirect URI");
    }
    long window = (long) r.number("auth.login_lockout_window_seconds", 300);
    if (window <= 0) {
      throw new ConfigException("auth.login_lockout_window_seconds must be > 0, got " + window);
    }
    return new Auth(secret, algorithm,
        r.integerIn("auth.access_token_expire_minutes", 30, 1, 525_600),
        r.integerIn("auth.refresh_token_expire_days", 7, 1, 3650),
        r.integerIn("auth.sse_token_expire_seconds", 60, 1, 86_400),
        r.bool("auth.allow_registration", true),
        r.integerIn("auth.login_lockout_threshold", 5, 1, 1_000_000),
        window,
        r.integerIn("auth.bcrypt_cost", 12, 4, 31),
        r.integerIn("auth.bcrypt_workers", 2, 1, 256),
        r.integerIn("auth.bcrypt_max_queue", 32, 0, 100_000),
        List.copyOf(providers),
        redirectUris);
  }

  private static String required(ConfigReader r, String prefix, String key) {
    String value = r.string(key, "");
    if (value.isBlank()) {
      throw new ConfigException(prefix + key + " is required");
    }
    return value;
  }


}
