package dev.orch.kernel.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A small but real OpenID Connect provider for tests, on its own Vert.x HTTP server at
 * {@code http://127.0.0.1:<random port>}: discovery, JWKS (an RSA key generated at startup),
 * an authorization endpoint, the authorization-code grant at {@code /token} with RS256-signed
 * id_tokens, and {@code /userinfo}.
 *
 * <p>There is no login page: a test either chooses who signs in at {@code /authorize} with
 * {@link #signInAs}, or mints a code directly with {@link #issueCode}, as the provider would after
 * the user authenticated.
 */
public final class LocalOidcProvider implements AutoCloseable {
  public static final String CLIENT_ID = "orch-test-client";
  public static final String CLIENT_SECRET = "orch-test-secret";
  private static final String KEY_ID = "test-key-1";
  private static final long TOKEN_SECONDS = 300;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** One end user of the provider. */
  public record Account(String subject, String email, boolean emailVerified, String name) {}

  /** What an issued code stands for; it can be redeemed once, with the same redirect URI. */
  private record Grant(Account account, String nonce, String redirectUri) {}

  private final Vertx vertx;
  private final HttpServer server;
  private final KeyPair keys;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Grant> codes = new ConcurrentHashMap<>();
  private final Map<String, Account> accessTokens = new ConcurrentHashMap<>();
  private volatile Account signedIn;
  private volatile boolean failDiscovery;
  private volatile boolean profileInIdToken = true;

  private LocalOidcProvider(Vertx vertx, KeyPair keys) {
    this.vertx = vertx;
    this.keys = keys;
    Router router = Router.router(vertx);
    router.get("/.well-known/openid-configuration").handler(this::discovery);
    router.get("/jwks").handler(this::jwks);
    router.get("/authorize").handler(this::authorize);
    router.post("/token").handler(BodyHandler.create()).handler(this::token);
    router.get("/userinfo").handler(this::userinfo);
    this.server = vertx.createHttpServer().requestHandler(router);
  }

  /** Generates the signing key and listens on a random port of 127.0.0.1. */
  public static LocalOidcProvider start() {
    KeyPair keys;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      keys = generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    LocalOidcProvider provider = new LocalOidcProvider(Vertx.vertx(), keys);
    TestKernel.await(provider.server.listen(0, "127.0.0.1"));
    return provider;
  }

  /** The issuer identifier: the base URL, without a trailing slash. */
  public String issuer() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** A provider entry for {@code auth.oidc_providers} pointing at this server. */
  public JsonObject providerConfig(String name) {
    return new JsonObject().put("name", name).put("issuer", issuer()).put("client_id", CLIENT_ID)
        .put("client_secret", CLIENT_SECRET);
  }

  /** The account that the next requests to {@code /authorize} authenticate as. */
  public void signInAs(Account account) {
    this.signedIn = account;
  }

  /** A code for {@code account}, as if it had just authorized a request with this nonce and redirect URI. */
  public String issueCode(Account account, String nonce, String redirectUri) {
    String code = randomToken();
    codes.put(code, new Grant(account, nonce, redirectUri));
    return code;
  }

  /** When set, discovery answers 500, as an unavailable provider would. */
  public void failDiscovery(boolean fail) {
    this.failDiscovery = fail;
  }

  /**
   * When cleared, id_tokens carry only the protocol claims ({@code sub}, {@code nonce}, ...), so
   * that a client must read email and name from {@code /userinfo}.
   */
  public void profileInIdToken(boolean include) {
    this.profileInIdToken = include;
  }

  // ---- endpoints ----

  private void discovery(RoutingContext ctx) {
    if (failDiscovery) {
      ctx.response().setStatusCode(500).putHeader("Content-Type", "text/plain").end("unavailable");
      return;
    }
    String base = issuer();
    json(ctx, 200, new JsonObject()
        .put("issuer", base)
        .put("authorization_endpoint", base + "/authorize")
        .put("token_endpoint", base + "/token")
        .put("userinfo_endpoint", base + "/userinfo")
        .put("jwks_uri", base + "/jwks")
        .put("response_types_supported", new JsonArray().add("code"))
        .put("grant_types_supported", new JsonArray().add("authorization_code"))
        .put("subject_types_supported", new JsonArray().add("public"))
        .put("id_token_signing_alg_values_supported", new JsonArray().add("RS256"))
        .put("scopes_supported", new JsonArray().add("openid").add("email").add("profile"))
        .put("token_endpoint_auth_methods_supported",
            new JsonArray().add("client_secret_basic").add("client_secret_post"))
        .put("claims_supported", new JsonArray().add("sub").add("email").add("email_verified").add("name")));
  }

  private void jwks(RoutingContext ctx) {
    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
    json(ctx, 200, new JsonObject().put("keys", new JsonArray().add(new JsonObject()
        .put("kty", "RSA").put("use", "sig").put("alg", "RS256").put("kid", KEY_ID)
        .put("n", B64.encodeToString(unsigned(key.getModulus())))
        .put("e", B64.encodeToString(unsigned(key.getPublicExponent()))))));
  }

  /** Authorization endpoint: authenticates as {@link #signInAs} and redirects back with a code. */
  private void authorize(RoutingContext ctx) {
    MultiMap q = ctx.queryParams();
    String redirectUri = q.get("redirect_uri");
    if (!CLIENT_ID.equals(q.get("client_id")) || redirectUri == null) {
      json(ctx, 400, error("invalid_request"));
      return;
    }
    String state = q.get("state");
    String failure = !"code".equals(q.get("response_type")) ? "unsupported_response_type"
        : q.get("scope") == null || !Arrays.asList(q.get("scope").split(" ")).contains("openid") ? "invalid_scope"
        : signedIn == null ? "login_required" : null;
    String location = failure != null
        ? redirectUri + "?error=" + failure
        : redirectUri + "?code=" + encode(issueCode(signedIn, q.get("nonce"), redirectUri));
    if (state != null) {
      location += "&state=" + encode(state);
    }
    ctx.response().setStatusCode(302).putHeader("Location", location).end();
  }

  /** Token endpoint, authorization-code grant; client_secret_basic or client_secret_post. */
  private void token(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    String[] client = clientCredentials(ctx, form);
    if (client == null || !CLIENT_ID.equals(client[0]) || !CLIENT_SECRET.equals(client[1])) {
      ctx.response().putHeader("WWW-Authenticate", "Basic");
      json(ctx, 401, error("invalid_client"));
      return;
    }
    if (!"authorization_code".equals(form.get("grant_type"))) {
      json(ctx, 400, error("unsupported_grant_type"));
      return;
    }
    Grant grant = form.get("code") == null ? null : codes.remove(form.get("code"));
    if (grant == null || !Objects.equals(grant.redirectUri(), form.get("redirect_uri"))) {
      json(ctx, 400, error("invalid_grant"));
      return;
    }
    String accessToken = randomToken();
    accessTokens.put(accessToken, grant.account());
    ctx.response().putHeader("Cache-Control", "no-store");
    json(ctx, 200, new JsonObject()
        .put("access_token", accessToken)
        .put("token_type", "Bearer")
        .put("expires_in", TOKEN_SECONDS)
        .put("scope", "openid email profile")
        .put("id_token", idToken(grant)));
  }

  private void userinfo(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    Account account = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
        ? accessTokens.get(header.substring(7).trim()) : null;
    if (account == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      json(ctx, 401, error("invalid_token"));
      return;
    }
    json(ctx, 200, profile(new JsonObject().put("sub", account.subject()), account));
  }

  // ---- tokens ----

  private String idToken(Grant grant) {
    long now = System.currentTimeMillis() / 1000;
    JsonObject claims = new JsonObject()
        .put("iss", issuer())
        .put("aud", CLIENT_ID)
        .put("sub", grant.account().subject())
        .put("iat", now)
        .put("exp", now + TOKEN_SECONDS);
    if (grant.nonce() != null) {
      claims.put("nonce", grant.nonce());
    }
    return sign(profileInIdToken ? profile(claims, grant.account()) : claims);
  }

  private static JsonObject profile(JsonObject claims, Account account) {
    return claims.put("email", account.email()).put("email_verified", account.emailVerified())
        .put("name", account.name());
  }

  /** A compact JWS: RS256 over base64url(header) . base64url(payload). */
  private String sign(JsonObject claims) {
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", KEY_ID);
    String input = B64.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(keys.getPrivate());
      rsa.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + B64.encodeToString(rsa.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- helpers ----

  /** {client_id, client_secret} from HTTP Basic (RFC 6749 §2.3.1, form-encoded parts) or the form. */
  private static String[] clientCredentials(RoutingContext ctx, MultiMap form) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
      int colon = decoded.indexOf(':');
      return colon < 0 ? null : new String[] {
          URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
          URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
    }
    return form.get("client_id") == null ? null : new String[] {form.get("client_id"), form.get("client_secret")};
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static JsonObject error(String code) {
    return new JsonObject().put("error", code);
  }

  private String randomToken() {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return B64.encodeToString(bytes);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** The magnitude of a positive BigInteger, without the sign byte JWK forbids. */
  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
