package dev.orch.kernel.auth;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Clock;

/**
 * Mints and verifies the four JWT kinds of API.md §5.1, HS256 only. Verification pins the
 * algorithm (only the HS256 key is registered, so {@code none} and other algorithms fail), and
 * requires {@code exp} and the expected {@code type} itself, because the library accepts a token
 * without {@code exp}.
 */
public final class Tokens {
  public static final String ACCESS = "access";
  public static final String REFRESH = "refresh";
  public static final String SSE = "sse";
  public static final String OIDC_STATE = "oidc_state";
  private static final long OIDC_STATE_SECONDS = 300;

  private final JWTAuth jwt;
  private final OrchConfig.Auth config;
  private final Clock clock;

  public Tokens(Vertx vertx, OrchConfig.Auth config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(config.algorithm()).setBuffer(config.secretKey()))
        // Expiry is checked below against our clock, so that a missing exp is refused too.
        .setJWTOptions(new JWTOptions().setIgnoreExpiration(true)));
  }

  public String access(String userId, String role) {
    return sign(new JsonObject().put("sub", userId).put("role", role).put("type", ACCESS),
        config.accessTokenMinutes() * 60);
  }

  public String refresh(String userId, String familyId) {
    return sign(new JsonObject().put("sub", userId).put("type", REFRESH).put("fid", familyId).put("jti", Ids.hex32()),
        refreshSeconds());
  }

  public long refreshSeconds() {
    return config.refreshTokenDays() * 86_400;
  }

  public String sse(String userId, String projectId) {
    return sign(new JsonObject().put("sub", userId).put("type", SSE).put("project_id", projectId),
        config.sseTokenSeconds());
  }

  public String oidcState(String state, String nonce, String provider) {
    return sign(new JsonObject().put("type", OIDC_STATE).put("state", state).put("nonce", nonce)
        .put("provider", provider), OIDC_STATE_SECONDS);
  }

  /**
   * Verifies signature, algorithm and expiry.
   *
   * @return the claims; fails with {@link InvalidToken} whose message says why (PyJWT's wording)
   */
  public Future<JsonObject> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(new InvalidToken(malformed(token)
            ? "Not enough segments" : "Signature verification failed")))
        .compose(user -> {
          // vertx-auth-jwt 5 keeps the decoded payload under the root claim; the principal lacks exp.
          JsonObject claims = user.attributes().getJsonObject(user.attributes().getString("rootClaim", "accessToken"));
          if (claims == null) {
            return Future.failedFuture(new InvalidToken("Invalid token payload"));
          }
          Object exp = claims.getValue("exp");
          if (!(exp instanceof Number n)) {
            return Future.failedFuture(new InvalidToken("Token is missing the \"exp\" claim"));
          }
          if (n.doubleValue() <= clock.millis() / 1000.0) {
            return Future.failedFuture(new InvalidToken("Signature has expired"));
          }
          return Future.succeededFuture(claims);
        });
  }

  private static boolean malformed(String token) {
    return token.chars().filter(c -> c == '.').count() != 2;
  }

  private String sign(JsonObject claims, long lifetimeSeconds) {
    claims.put("exp", clock.millis() / 1000 + lifetimeSeconds);
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm(config.algorithm()).setNoTimestamp(true));
  }

  /** A token that failed verification; the message is the decoder's reason. */
  public static final class InvalidToken extends RuntimeException {
    public InvalidToken(String message) {
      super(message, null, false, false);
    }
  }
}
