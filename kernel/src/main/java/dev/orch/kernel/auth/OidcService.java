package dev.orch.kernel.auth;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.OidcProviderConfig;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;
import io.vertx.sqlclient.SqlClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenID Connect sign-in and account linking (API.md §3.3, §5.7) through vertx-auth-oauth2: the
 * library does discovery, the code exchange and the id_token signature check; this class adds the
 * signed state token, the nonce check and the user resolution.
 */
public final class OidcService {
  private static final Logger LOG = LoggerFactory.getLogger(OidcService.class);
  private static final long DISCOVERY_TTL_MS = TimeUnit.HOURS.toMillis(1);
  private static final long CALL_TIMEOUT_SECONDS = 30;

  private final Vertx vertx;
  private final AccountService accounts;
  private final OrchConfig.Auth config;
  private final Map<String, OidcProviderConfig> providers = new LinkedHashMap<>();
  private final Map<String, Discovery> discoveries = new ConcurrentHashMap<>();

  private record Discovery(Future<OAuth2Auth> auth, long at) {}

  /** The verified claims of one completed code exchange. */
  record Claims(String subject, String email, boolean emailVerified, String name) {}

  public OidcService(Vertx vertx, AccountService accounts, OrchConfig.Auth config) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.config = config;
    config.oidcProviders().forEach(p -> providers.put(p.name(), p));
  }

  /** {@code [{name, display_name}]} of the configured providers. */
  public JsonArray providers() {
    JsonArray out = new JsonArray();
    providers.values().forEach(p -> out.add(new JsonObject().put("name", p.name()).put("display_name", p.displayName())));
    return out;
  }

  /** The provider's authorization URL and a state token binding state, nonce and provider. */
  public Future<JsonObject> login(String provider, String redirectUri) {
    OidcProviderConfig p = configured(provider);
    if (!config.oidcRedirectUris().isEmpty() && !config.oidcRedirectUris().contains(redirectUri)) {
      return Future.failedFuture(OrchestratorException.badRequest("Redirect URI not allowed"));
    }
    String state = Ids.hex(24);
    String nonce = Ids.hex(24);
    return discover(p).map(auth -> new JsonObject()
        .put("authorization_url", auth.authorizeURL(new OAuth2AuthorizationURL()
            .setRedirectUri(redirectUri)
            .setScopes(p.scopes())
            .setState(state)
            // The redirect URI is itself an additional parameter: add the nonce, do not replace them.
            .putAdditionalParameter("nonce", nonce)))
        .put("state_token", accounts.tokens().oidcState(state, nonce, p.name())));
  }

  /** Completes a sign-in: the user is found, linked by email, or created; then a session starts. */
  public Future<JsonObject> callback(String provider, String code, String state, String stateToken, String redirectUri) {
    OidcProviderConfig p = configured(provider);
    return exchange(p, code, state, stateToken, redirectUri).compose(claims -> {
      if (!claims.emailVerified()) {
        return Future.failedFuture(OrchestratorException.badRequest("Email not verified by provider — cannot authenticate"));
      }
      return accounts.db().serialized("users", tx -> resolve(tx, p, claims))
          .compose(accounts::startSession);
    });
  }

  /** Links the provider account to the caller. Linking does not require a verified email. */
  public Future<JsonObject> link(Principal caller, String provider, String code, String state, String stateToken,
      String redirectUri) {
    OidcProviderConfig p = configured(provider);
    IdentityRepository identities = accounts.identities();
    return exchange(p, code, state, stateToken, redirectUri).compose(claims ->
        accounts.db().serialized("user_identities", tx -> identities.owner(tx, p.name(), claims.subject())
            .compose(owner -> {
              if (caller.id().equals(owner)) {
                return Future.failedFuture(OrchestratorException.badRequest("This provider is already linked to your account"));
              }
              if (owner != null) {
                return Future.failedFuture(OrchestratorException.badRequest(
                    "This provider account is already linked to another user"));
              }
              return identities.linked(tx, caller.id(), p.name()).compose(already -> already
                  ? Future.failedFuture(OrchestratorException.badRequest("This provider is already linked to your account"))
                  : identities.insert(tx, Ids.uuid(), caller.id(), p.name(), claims.subject(), claims.email(), accounts.now()));
            }))
            .map(ignored -> new JsonObject().put("provider", p.name()).put("provider_user_id", claims.subject())
                .put("provider_email", claims.email())));
  }

  /** Removes a linked identity, unless it is the caller's only way to sign in. */
  public Future<Void> unlink(Principal caller, String provider) {
    IdentityRepository identities = accounts.identities();
    return accounts.db().serialized("user_identities", tx -> accounts.users().byId(tx, caller.id()).compose(user -> {
      if (user == null) {
        return Future.failedFuture(OrchestratorException.notFound("User not found"));
      }
      return identities.count(tx, user.id()).compose(count -> {
        if (user.passwordHash() == null && count <= 1) {
          return Future.failedFuture(OrchestratorException.badRequest(
              "Cannot unlink the only authentication method. Set a password first."));
        }
        return identities.delete(tx, user.id(), provider).compose(deleted -> deleted
            ? Future.<Void>succeededFuture()
            : Future.failedFuture(OrchestratorException.notFound("No linked identity for provider '" + provider + "'")));
      });
    }));
  }

  public Future<JsonArray> identities(Principal caller) {
    return accounts.identities().list(accounts.db().client(), caller.id());
  }

  private OidcProviderConfig configured(String provider) {
    OidcProviderConfig p = providers.get(provider);
    if (p == null) {
      throw OrchestratorException.notFound("OIDC provider '" + provider + "' is not configured");
    }
    return p;
  }

  /** Checks the state token, exchanges the code and returns the verified claims. */
  private Future<Claims> exchange(OidcProviderConfig p, String code, String state, String stateToken,
      String redirectUri) {
    return accounts.tokens().verify(stateToken)
        .recover(err -> Future.failedFuture(OrchestratorException.badRequest("Invalid or expired state token")))
        .compose(claims -> {
          if (!Tokens.OIDC_STATE.equals(claims.getValue("type"))) {
            return Future.failedFuture(OrchestratorException.badRequest("Invalid state token type"));
          }
          if (!Objects.equals(claims.getValue("state"), state)) {
            return Future.failedFuture(OrchestratorException.badRequest("State mismatch — possible CSRF"));
          }
          if (!Objects.equals(claims.getValue("provider"), p.name())) {
            return Future.failedFuture(OrchestratorException.badRequest("Provider mismatch in state token"));
          }
          String nonce = claims.getValue("nonce") instanceof String n ? n : null;
          return discover(p).compose(auth -> codeExchange(auth, p, code, redirectUri, nonce));
        });
  }

  private Future<Claims> codeExchange(OAuth2Auth auth, OidcProviderConfig p, String code, String redirectUri,
      String nonce) {
    return auth.authenticate(new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE).setCode(code)
            .setRedirectUri(redirectUri))
        .timeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .recover(err -> {
          LOG.warn("oidc code exchange failed [provider: {}, reason: {}]", p.name(), err.getMessage());
          return Future.failedFuture(OrchestratorException.badGateway("OIDC authentication failed"));
        })
        .compose(user -> {
          JsonObject idToken = user.attributes().getJsonObject("idToken");
          // The login always sends a nonce: the ID token must carry it back (OIDC Core §3.1.3.7).
          if (nonce != null && (idToken == null || !nonce.equals(idToken.getValue("nonce")))) {
            return Future.failedFuture(OrchestratorException.badRequest("OIDC nonce mismatch"));
          }
          if (idToken != null && idToken.getValue("sub") instanceof String && idToken.containsKey("email")) {
            return Future.succeededFuture(claims(idToken));
          }
          return auth.userInfo(user).timeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .recover(err -> Future.failedFuture(OrchestratorException.badGateway("OIDC authentication failed")))
              .map(info -> claims(idToken == null ? info : idToken.copy().mergeIn(info)));
        })
        .compose(claims -> {
          if (claims.subject() == null || claims.email() == null) {
            return Future.failedFuture(OrchestratorException.badRequest("OIDC provider returned no subject or email"));
          }
          return EmailAddress.valid(claims.email()) ? Future.succeededFuture(claims)
              : Future.failedFuture(OrchestratorException.badRequest("OIDC provider returned an invalid email"));
        });
  }

  private static Claims claims(JsonObject c) {
    Object verified = c.getValue("email_verified");
    String name = c.getValue("name") instanceof String n && !n.isBlank() ? n
        : c.getValue("preferred_username") instanceof String u ? u : null;
    return new Claims(c.getValue("sub") == null ? null : String.valueOf(c.getValue("sub")),
        c.getValue("email") instanceof String e ? e : null,
        Boolean.TRUE.equals(verified) || "true".equals(verified), name);
  }

  /** Finds, links or creates the user for a sign-in, inside the caller's transaction. */
  private Future<User> resolve(SqlClient tx, OidcProviderConfig p, Claims claims) {
    IdentityRepository identities = accounts.identities();
    UserRepository users = accounts.users();
    double now = accounts.now();
    return identities.owner(tx, p.name(), claims.subject()).compose(ownerId -> {
      if (ownerId != null) {
        return users.byId(tx, ownerId).compose(OidcService::requireActive);
      }
      Future<User> byEmail = p.autoLinkByEmail() ? users.byEmail(tx, claims.email()) : Future.succeededFuture(null);
      return byEmail.compose(existing -> {
        if (existing != null) {
          return requireActive(existing).compose(user -> identities.insert(tx, Ids.uuid(), user.id(), p.name(),
              claims.subject(), claims.email(), now).map(user));
        }
        if (!config.allowRegistration()) {
          return Future.failedFuture(OrchestratorException.forbidden("Registration is disabled"));
        }
        String name = claims.name() != null ? claims.name() : claims.email().substring(0, claims.email().indexOf('@'));
        return users.insertFirstIsAdmin(tx, Ids.uuid(), claims.email(), null, name, now).compose(created -> {
          if (created == null) {
            return Future.failedFuture(OrchestratorException.badRequest(
                "An account with this email already exists; sign in and link the provider instead"));
          }
          LOG.info("user created through oidc [user: {}, provider: {}, role: {}]", created.id(), p.name(), created.role());
          return identities.insert(tx, Ids.uuid(), created.id(), p.name(), claims.subject(), claims.email(), now)
              .map(created);
        });
      });
    });
  }

  private static Future<User> requireActive(User user) {
    return user == null || !user.active()
        ? Future.failedFuture(OrchestratorException.badRequest("Account is deactivated"))
        : Future.succeededFuture(user);
  }

  /** The provider's discovered client, cached for an hour; a failed discovery is not cached. */
  private Future<OAuth2Auth> discover(OidcProviderConfig p) {
    long now = System.currentTimeMillis();
    Discovery cached = discoveries.get(p.name());
    if (cached != null && now - cached.at() < DISCOVERY_TTL_MS && !cached.auth().failed()) {
      return cached.auth();
    }
    var options = new OAuth2Options()
        .setSite(p.issuer())
        .setClientId(p.clientId())
        .setClientSecret(p.clientSecret())
        .setHttpClientOptions(new HttpClientOptions().setConnectTimeout(10_000).setIdleTimeout(30));
    Future<OAuth2Auth> auth = OpenIDConnectAuth.discover(vertx, options)
        .timeout(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .recover(err -> {
          discoveries.remove(p.name());
          LOG.warn("oidc discovery failed [provider: {}, issuer: {}, reason: {}]", p.name(), p.issuer(), err.getMessage());
          return Future.failedFuture(OrchestratorException.badGateway("Failed to connect to OIDC provider"));
        });
    discoveries.put(p.name(), new Discovery(auth, now));
    return auth;
  }
}
