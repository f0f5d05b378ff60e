package dev.orch.kernel.auth;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.bus.Unauthorized;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts (API.md §3.2, §5): registration, password login with lockout, refresh-token families
 * with reuse detection, bearer authentication by JWT or API key, and API key management.
 */
public final class AccountService {
  private static final Logger LOG = LoggerFactory.getLogger(AccountService.class);
  private static final String API_KEY_PREFIX = "orch_";
  static final String INVALID_LOGIN = "Invalid email or password";
  static final String REUSE = "Token reuse detected — all sessions revoked. Please log in again.";
  static final String REVOKED = "Token has been revoked — all sessions revoked. Please log in again.";

  private final Db db;
  private final OrchConfig.Auth config;
  private final Tokens tokens;
  private final PasswordHasher hasher;
  private final Clock clock;
  private final UserRepository users;
  private final RefreshTokenRepository refreshTokens = new RefreshTokenRepository();
  private final ApiKeyRepository apiKeys = new ApiKeyRepository();
  private final IdentityRepository identities = new IdentityRepository();
  private final LoginFailureRepository failures = new LoginFailureRepository();

  public AccountService(Db db, OrchConfig.Auth config, Tokens tokens, PasswordHasher hasher, Clock clock) {
    this.db = db;
    this.config = config;
    this.tokens = tokens;
    this.hasher = hasher;
    this.clock = clock;
    this.users = new UserRepository(db);
  }

  public UserRepository users() {
    return users;
  }

  public Tokens tokens() {
    return tokens;
  }

  /** Creates a password account; the first account of the installation becomes admin. */
  public Future<JsonObject> register(String email, String password, String displayName) {
    if (!config.allowRegistration()) {
      return Future.failedFuture(OrchestratorException.forbidden("Registration is disabled"));
    }
    String name = displayName == null || displayName.isEmpty() ? email.substring(0, email.lastIndexOf('@')) : displayName;
    return hasher.hash(password)
        .compose(hash -> db.serialized("users", tx ->
            users.insertFirstIsAdmin(tx, Ids.uuid(), email, hash, name, now())))
        .compose(user -> {
          if (user == null) {
            return Future.failedFuture(OrchestratorException.badRequest("Registration failed"));
          }
          LOG.info("user registered [user: {}, role: {}]", user.id(), user.role());
          return Future.succeededFuture(userOut(user, true, List.of()));
        });
  }

  /** Password login (API.md §3.2, §5.4): lockout, timing-safe failures, then a new token family. */
  public Future<JsonObject> login(String email, String password) {
    double now = now();
    return failures.locked(db.client(), email, now, config.lockoutThreshold(), config.lockoutWindowSeconds())
        .compose(locked -> locked
            ? hasher.burn(password).compose(ignored -> refuse(INVALID_LOGIN))
            : users.byEmail(email).compose(user -> checkPassword(user, email, password, now)));
  }

  private Future<JsonObject> checkPassword(User user, String email, String password, double now) {
    if (user == null) {
      return hasher.burn(password)
          .compose(ignored -> failures.recordFailure(db.client(), email, now, config.lockoutWindowSeconds()))
          .compose(ignored -> refuse(INVALID_LOGIN));
    }
    if (user.passwordHash() == null) {
      return refuse("This account uses OAuth login. Please sign in with your linked provider.");
    }
    return hasher.verify(password, user.passwordHash()).compose(matches -> {
      if (!matches) {
        return failures.recordFailure(db.client(), email, now, config.lockoutWindowSeconds())
            .compose(ignored -> refuse(INVALID_LOGIN));
      }
      if (!user.active()) {
        return refuse("Account is disabled");
      }
      return failures.clear(db.client(), email).compose(ignored -> startSession(user));
    });
  }

  /** Records the login and answers {@code LoginResponse} with a new refresh family. */
  public Future<JsonObject> startSession(User user) {
    String familyId = Ids.hex32();
    String refresh = tokens.refresh(user.id(), familyId);
    double now = now();
    return db.pool().withTransaction(tx -> users.touchLogin(tx, user.id(), now)
            .compose(ignored -> recordRefresh(tx, user.id(), familyId, refresh, now)))
        .compose(ignored -> userOut(db.client(), user))
        .map(userOut -> new JsonObject()
            .put("access_token", tokens.access(user.id(), user.role()))
            .put("refresh_token", refresh)
            .put("token_type", "bearer")
            .put("user", userOut));
  }

  /** Rotates a refresh token within its family; reuse of a consumed token revokes the family. */
  public Future<JsonObject> refresh(String token) {
    return tokens.verify(token)
        .recover(err -> refuse("Invalid refresh token: " + err.getMessage()))
        .compose(claims -> {
          if (!Tokens.REFRESH.equals(claims.getValue("type"))) {
            return refuse("Token is not a refresh token");
          }
          String userId = claims.getValue("sub") instanceof String s ? s : null;
          if (userId == null) {
            return refuse("User not found or disabled");
          }
          return users.byId(userId).compose(user -> user == null || !user.active()
              ? refuse("User not found or disabled")
              : rotate(user, claims.getValue("fid") instanceof String f ? f : null, token));
        });
  }

  private Future<JsonObject> rotate(User user, String familyId, String token) {
    String hash = Sha256.hex(token);
    double now = now();
    String family = familyId == null ? Ids.hex32() : familyId;
    String next = tokens.refresh(user.id(), family);
    // The transaction commits in every outcome, so a revocation holds even though we answer 401.
    return db.pool().<String>withTransaction(tx -> refreshTokens.consume(tx, hash).compose(consumed -> {
      if (consumed) {
        return recordRefresh(tx, user.id(), family, next, now).map((String) null);
      }
      return refreshTokens.known(tx, hash).compose(known -> {
        if (familyId == null && !known) {
          // A legacy token without a family is accepted once: remember it as used.
          return refreshTokens.insert(tx, Ids.hex32(), user.id(), family, hash, now, now + tokens.refreshSeconds())
              .compose(ignored -> refreshTokens.consume(tx, hash))
              .compose(ignored -> recordRefresh(tx, user.id(), family, next, now))
              .map((String) null);
        }
        return refreshTokens.revokeFamily(tx, family).map(known ? REVOKED : REUSE);
      });
    })).compose(refusal -> {
      if (refusal != null) {
        LOG.warn("refresh token reused, family revoked [user: {}, family: {}]", user.id(), family);
        return refuse(refusal);
      }
      return Future.succeededFuture(new JsonObject()
          .put("access_token", tokens.access(user.id(), user.role()))
          .put("refresh_token", next)
          .put("token_type", "bearer"));
    });
  }

  private Future<Void> recordRefresh(SqlClient tx, String userId, String familyId, String token, double now) {
    return refreshTokens.insert(tx, Ids.hex32(), userId, familyId, Sha256.hex(token), now, now + tokens.refreshSeconds());
  }

  /**
   * Resolves a bearer credential: an API key ({@code orch_...}) or an access JWT.
   *
   * @param credential the value after {@code Bearer }
   */
  public Future<Principal> authenticate(String credential) {
    if (credential.startsWith(API_KEY_PREFIX)) {
      return apiKeys.ownerOf(db.client(), Sha256.hex(credential), now()).compose(user -> user == null
          ? Future.failedFuture(new Unauthorized("Invalid or revoked API key", true))
          : Future.succeededFuture(new Principal(user, true)));
    }
    return tokens.verify(credential)
        .recover(err -> Future.failedFuture(new Unauthorized("Invalid or expired token", true)))
        .compose(claims -> {
          if (!Tokens.ACCESS.equals(claims.getValue("type"))) {
            return Future.failedFuture(new Unauthorized("Invalid token type", false));
          }
          String userId = claims.getValue("sub") instanceof String s ? s : "";
          return users.byId(userId).compose(user -> user == null || !user.active()
              ? Future.failedFuture(new Unauthorized("User not found or disabled", false))
              : Future.succeededFuture(new Principal(user, false)));
        });
  }

  /** {@code UserOut} of the caller; an API-key caller gets the contract's fallbacks. */
  public Future<JsonObject> me(Principal principal) {
    if (principal.viaApiKey()) {
      return Future.succeededFuture(userOut(principal.user(), true, List.of()));
    }
    return userOut(db.reads(), principal.user());
  }

  /** {@code UserOut} with the real password flag and linked providers. */
  public Future<JsonObject> userOut(SqlClient client, User user) {
    return identities.providers(client, user.id()).map(providers -> userOut(user, user.passwordHash() != null, providers));
  }

  static JsonObject userOut(User user, boolean hasPassword, List<String> providers) {
    return new JsonObject()
        .put("id", user.id())
        .put("email", user.email())
        .put("display_name", user.displayName() == null ? "" : user.displayName())
        .put("role", user.role())
        .put("has_password", hasPassword)
        .put("linked_providers", new JsonArray(providers));
  }

  /** Creates an API key; the plaintext is in this answer only. */
  public Future<JsonObject> createApiKey(Principal principal, String name) {
    String key = API_KEY_PREFIX + Ids.hex(32);
    String id = Ids.hex32();
    String prefix = key.substring(0, 12);
    double now = now();
    return apiKeys.insert(db.client(), id, Sha256.hex(key), prefix, principal.id(), name, now)
        .map(ignored -> new JsonObject().put("id", id).put("key", key).put("key_prefix", prefix)
            .put("name", name).put("created_at", now));
  }

  public Future<JsonArray> listApiKeys(Principal principal) {
    return apiKeys.list(db.client(), principal.id());
  }

  public Future<JsonObject> revokeApiKey(Principal principal, String keyId) {
    return apiKeys.revoke(db.client(), keyId, principal.id()).compose(found -> found
        ? Future.succeededFuture(new JsonObject().put("status", "revoked").put("key_id", keyId))
        : Future.failedFuture(OrchestratorException.notFound("API key not found")));
  }

  IdentityRepository identities() {
    return identities;
  }

  Db db() {
    return db;
  }

  double now() {
    return Times.now(clock);
  }

  private static <T> Future<T> refuse(String message) {
    return Future.failedFuture(new Unauthorized(message, false));
  }
}
