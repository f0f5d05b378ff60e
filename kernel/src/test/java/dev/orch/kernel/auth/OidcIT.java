package dev.orch.kernel.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.LocalOidcProvider;
import dev.orch.kernel.testing.LocalOidcProvider.Account;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OIDC sign-in, linking and unlinking (API.md §3.3, §5.7, §18.1 item 14) against a real kernel and
 * a real local OpenID provider. Each test gets a fresh kernel, so the database, the rate limits
 * and the discovery cache start empty.
 */
class OidcIT {
  private static final String PROVIDER = "local";
  private static final String REDIRECT = "http://localhost:5173/auth/oidc/callback";

  @TempDir Path dir;
  private LocalOidcProvider idp;
  private TestKernel kernel;

  @BeforeEach
  void startProvider() {
    idp = LocalOidcProvider.start();
  }

  @AfterEach
  void stop() {
    if (kernel != null) {
      kernel.close();
    }
    if (idp != null) {
      idp.close();
    }
  }

  // ---- GET /auth/oidc/providers ----

  @Test
  @DisplayName("the provider list is empty when no provider is configured")
  void emptyWithoutProviders() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()));

    var res = kernel.get("/api/auth/oidc/providers", null);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("configured providers are listed in order, display_name defaulting to the name")
  void listsProviders() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig("corp").put("display_name", "Corporate SSO"))
        .add(idp.providerConfig("plain"))));

    var res = kernel.get("/api/auth/oidc/providers", null);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonArray()).isEqualTo(new JsonArray()
        .add(new JsonObject().put("name", "corp").put("display_name", "Corporate SSO"))
        .add(new JsonObject().put("name", "plain").put("display_name", "plain")));
  }

  // ---- GET /auth/oidc/{provider}/login ----

  @Test
  @DisplayName("login answers the provider's authorization URL for the code flow and a state token")
  void answersAuthorizationUrl() {
    startKernel(auth -> {});

    var res = kernel.get(loginPath(PROVIDER, REDIRECT), null);

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("authorization_url", "state_token");
    String url = body.getString("authorization_url");
    assertThat(url).startsWith(idp.issuer() + "/authorize?");
    Map<String, String> q = query(url);
    assertThat(q).containsEntry("response_type", "code")
        .containsEntry("client_id", LocalOidcProvider.CLIENT_ID)
        .containsEntry("redirect_uri", REDIRECT)
        .containsEntry("scope", "openid email profile");
    assertThat(q.get("state")).isNotBlank();
    assertThat(q.get("nonce")).isNotBlank();
    assertThat(body.getString("state_token").split("\\.")).hasSize(3);
  }

  @Test
  @DisplayName("each login gets its own random state and nonce")
  void randomStateAndNonce() {
    startKernel(auth -> {});

    Map<String, String> first = query(login(PROVIDER).getString("authorization_url"));
    Map<String, String> second = query(login(PROVIDER).getString("authorization_url"));

    assertThat(first.get("state")).isNotEqualTo(second.get("state"));
    assertThat(first.get("nonce")).isNotEqualTo(second.get("nonce"));
  }

  @Test
  @DisplayName("the configured scopes are requested")
  void configuredScopes() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig(PROVIDER).put("scopes", new JsonArray().add("openid").add("email")))));

    Map<String, String> q = query(login(PROVIDER).getString("authorization_url"));

    assertThat(q).containsEntry("scope", "openid email");
  }

  @Test
  @DisplayName("the provider accepts the authorization URL and redirects back with a code and the same state")
  void providerAcceptsAuthorizationUrl() {
    startKernel(auth -> {});
    String url = login(PROVIDER).getString("authorization_url");
    idp.signInAs(new Account("sub-1", "ann@example.com", true, "Ann"));

    var res = TestKernel.await(kernel.http.getAbs(url).send());

    assertThat(res.statusCode()).isEqualTo(302);
    String location = res.getHeader("Location");
    assertThat(location).startsWith(REDIRECT + "?");
    assertThat(query(location)).containsKey("code").containsEntry("state", query(url).get("state"));
  }

  @Test
  @DisplayName("login without redirect_uri is a 422")
  void missingRedirectUri() {
    startKernel(auth -> {});

    var res = kernel.get("/api/auth/oidc/" + PROVIDER + "/login", null);

    assertThat(res.statusCode()).isEqualTo(422);
    assertThat(res.bodyAsJsonObject().getValue("detail")).isInstanceOf(JsonArray.class);
  }

  @Test
  @DisplayName("login for a provider that is not configured is a 404")
  void loginUnknownProvider() {
    startKernel(auth -> {});

    var res = kernel.get(loginPath("nope", REDIRECT), null);

    assertDetail(res, 404, "OIDC provider 'nope' is not configured");
  }

  @Test
  @DisplayName("login with a redirect URI outside auth.oidc_redirect_uris is a 400")
  void redirectUriNotAllowed() {
    startKernel(auth -> {});

    var res = kernel.get(loginPath(PROVIDER, "https://evil.example.com/callback"), null);

    assertDetail(res, 400, "Redirect URI not allowed");
  }

  @Test
  @DisplayName("any redirect URI is accepted when auth.oidc_redirect_uris is empty")
  void anyRedirectUriWhenUnrestricted() {
    startKernel(auth -> auth.put("oidc_redirect_uris", new JsonArray()));

    var res = kernel.get(loginPath(PROVIDER, "https://elsewhere.example.com/cb"), null);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(query(res.bodyAsJsonObject().getString("authorization_url")))
        .containsEntry("redirect_uri", "https://elsewhere.example.com/cb");
  }

  @Test
  @DisplayName("login answers 502 when the provider's discovery document cannot be fetched")
  void discoveryFails() {
    idp.failDiscovery(true);
    startKernel(auth -> {});

    var res = kernel.get(loginPath(PROVIDER, REDIRECT), null);

    assertDetail(res, 502, "Failed to connect to OIDC provider");
  }

  @Test
  @DisplayName("a failed discovery is not cached: login works once the provider is back")
  void discoveryRetried() {
    idp.failDiscovery(true);
    startKernel(auth -> {});
    assertThat(kernel.get(loginPath(PROVIDER, REDIRECT), null).statusCode()).isEqualTo(502);

    idp.failDiscovery(false);

    assertThat(kernel.get(loginPath(PROVIDER, REDIRECT), null).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the sixth login from one client inside a minute is a 429")
  void loginRateLimited() {
    startKernel(auth -> {});
    for (int i = 0; i < 5; i++) {
      assertThat(kernel.get(loginPath(PROVIDER, REDIRECT), null).statusCode()).isEqualTo(200);
    }

    var res = kernel.get(loginPath(PROVIDER, REDIRECT), null);

    assertDetail(res, 429, "Rate limit exceeded. Try again later.");
  }

  // ---- POST /auth/oidc/{provider}/callback ----

  @Test
  @DisplayName("a first sign-in creates a user without a password, linked to the provider")
  void createsUser() {
    startKernel(auth -> {});

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann Example"));

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactly("access_token", "refresh_token", "token_type", "user");
    assertThat(body.getString("token_type")).isEqualTo("bearer");
    JsonObject user = body.getJsonObject("user");
    assertThat(user.getString("email")).isEqualTo("ann@example.com");
    assertThat(user.getString("display_name")).isEqualTo("Ann Example");
    assertThat(user.getBoolean("has_password")).isFalse();
    assertThat(user.getJsonArray("linked_providers")).containsExactly(PROVIDER);
  }

  @Test
  @DisplayName("the first user created by OIDC sign-in is admin, later ones are users")
  void firstUserIsAdmin() {
    startKernel(auth -> {});

    JsonObject first = signInOk(PROVIDER, new Account("sub-1", "first@example.com", true, "First"));
    JsonObject second = signInOk(PROVIDER, new Account("sub-2", "second@example.com", true, "Second"));

    assertThat(first.getJsonObject("user").getString("role")).isEqualTo("admin");
    assertThat(second.getJsonObject("user").getString("role")).isEqualTo("user");
  }

  @Test
  @DisplayName("signing in again with the same provider subject returns the same user")
  void sameSubjectSameUser() {
    startKernel(auth -> {});
    JsonObject first = signInOk(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    JsonObject again = signInOk(PROVIDER, new Account("sub-ann", "ann.new@example.com", true, "Ann B"));

    assertThat(again.getJsonObject("user").getString("id")).isEqualTo(first.getJsonObject("user").getString("id"));
    assertThat(again.getJsonObject("user").getString("email")).isEqualTo("ann@example.com");
    assertThat(again.getString("refresh_token")).isNotEqualTo(first.getString("refresh_token"));
  }

  @Test
  @DisplayName("the access token from the callback authenticates GET /api/auth/me")
  void accessTokenWorks() {
    startKernel(auth -> {});
    JsonObject login = signInOk(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    var me = kernel.get("/api/auth/me", login.getString("access_token"));

    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject()).isEqualTo(login.getJsonObject("user"));
  }

  @Test
  @DisplayName("the refresh token from the callback can be exchanged at /auth/refresh")
  void refreshTokenWorks() {
    startKernel(auth -> {});
    JsonObject login = signInOk(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    var res = kernel.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")),
        null);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("access_token")).isNotBlank();
  }

  @Test
  @DisplayName("without a name claim the display name is the email's local part")
  void displayNameFromEmail() {
    startKernel(auth -> {});

    JsonObject login = signInOk(PROVIDER, new Account("sub-bob", "bob.smith@example.com", true, null));

    assertThat(login.getJsonObject("user").getString("display_name")).isEqualTo("bob.smith");
  }

  @Test
  @DisplayName("claims missing from the id_token are read from the provider's userinfo endpoint")
  void claimsFromUserinfo() {
    idp.profileInIdToken(false);
    startKernel(auth -> {});

    JsonObject login = signInOk(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann Info"));

    assertThat(login.getJsonObject("user").getString("email")).isEqualTo("ann@example.com");
    assertThat(login.getJsonObject("user").getString("display_name")).isEqualTo("Ann Info");
  }

  @Test
  @DisplayName("a state token that is not a valid JWT is a 400")
  void garbageStateToken() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    String state = query(login.getString("authorization_url")).get("state");

    var res = callback(PROVIDER, "some-code", state, "not-a-token");

    assertDetail(res, 400, "Invalid or expired state token");
  }

  @Test
  @DisplayName("a state token older than five minutes is a 400")
  void expiredStateToken() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    Map<String, String> q = query(login.getString("authorization_url"));
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), q.get("nonce"), REDIRECT);
    kernel.clock.advance(Duration.ofSeconds(301));

    var res = callback(PROVIDER, code, q.get("state"), login.getString("state_token"));

    assertDetail(res, 400, "Invalid or expired state token");
  }

  @Test
  @DisplayName("an access token sent as state token is a 400")
  void wrongStateTokenType() {
    startKernel(auth -> {});
    String accessToken = kernel.signUp("pat@example.com", "password123").getString("access_token");

    var res = callback(PROVIDER, "some-code", "some-state", accessToken);

    assertDetail(res, 400, "Invalid state token type");
  }

  @Test
  @DisplayName("a state that differs from the one in the state token is a 400")
  void stateMismatch() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    Map<String, String> q = query(login.getString("authorization_url"));
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), q.get("nonce"), REDIRECT);

    var res = callback(PROVIDER, code, q.get("state") + "x", login.getString("state_token"));

    assertDetail(res, 400, "State mismatch — possible CSRF");
  }

  @Test
  @DisplayName("a state token issued for another provider is a 400")
  void providerMismatch() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig("alpha")).add(idp.providerConfig("beta"))));
    JsonObject login = login("alpha");
    Map<String, String> q = query(login.getString("authorization_url"));
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), q.get("nonce"), REDIRECT);

    var res = callback("beta", code, q.get("state"), login.getString("state_token"));

    assertDetail(res, 400, "Provider mismatch in state token");
  }

  @Test
  @DisplayName("an id_token whose nonce differs from the login's nonce is a 400")
  void nonceMismatch() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    String state = query(login.getString("authorization_url")).get("state");
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), "another-nonce", REDIRECT);

    var res = callback(PROVIDER, code, state, login.getString("state_token"));

    assertThat(res.statusCode()).isEqualTo(400);
    assertNoUsers();
  }

  @Test
  @DisplayName("an id_token without the nonce the login sent is a 400 and creates no user")
  void nonceMissing() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    String state = query(login.getString("authorization_url")).get("state");
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), null, REDIRECT);

    var res = callback(PROVIDER, code, state, login.getString("state_token"));

    assertDetail(res, 400, "OIDC nonce mismatch");
    assertNoUsers();
  }

  @Test
  @DisplayName("an email without @ from the provider is a 400 and creates no user")
  void emailWithoutAt() {
    startKernel(auth -> {});

    var unnamed = signIn(PROVIDER, new Account("sub-ann", "ann.example.com", true, null));
    var named = signIn(PROVIDER, new Account("sub-bob", "bob", true, "Bob"));

    assertDetail(unnamed, 400, "OIDC provider returned an invalid email");
    assertDetail(named, 400, "OIDC provider returned an invalid email");
    assertNoUsers();
  }

  @Test
  @DisplayName("a code the provider refuses (already redeemed) is a 502")
  void codeRefused() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    Map<String, String> q = query(login.getString("authorization_url"));
    String code = idp.issueCode(new Account("sub-ann", "ann@example.com", true, "Ann"), q.get("nonce"), REDIRECT);
    assertThat(callback(PROVIDER, code, q.get("state"), login.getString("state_token")).statusCode()).isEqualTo(200);

    var replay = callback(PROVIDER, code, q.get("state"), login.getString("state_token"));

    assertDetail(replay, 502, "OIDC authentication failed");
  }

  @Test
  @DisplayName("a callback for a provider that is not configured is a 404")
  void callbackUnknownProvider() {
    startKernel(auth -> {});
    JsonObject login = login(PROVIDER);
    String state = query(login.getString("authorization_url")).get("state");

    var res = callback("nope", "some-code", state, login.getString("state_token"));

    assertDetail(res, 404, "OIDC provider 'nope' is not configured");
  }

  @Test
  @DisplayName("an email the provider has not verified is a 400 and creates no user")
  void emailNotVerified() {
    startKernel(auth -> {});

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", false, "Ann"));

    assertDetail(res, 400, "Email not verified by provider — cannot authenticate");
    assertNoUsers();
  }

  @Test
  @DisplayName("signing in to a deactivated account is a 400")
  void deactivated() {
    startKernel(auth -> {});
    Account ann = new Account("sub-ann", "ann@example.com", true, "Ann");
    signInOk(PROVIDER, ann);
    kernel.sql("UPDATE users SET is_active = 0");

    var res = signIn(PROVIDER, ann);

    assertDetail(res, 400, "Account is deactivated");
  }

  @Test
  @DisplayName("with registration disabled, a sign-in that would create a user is a 403")
  void registrationDisabled() {
    startKernel(auth -> auth.put("allow_registration", false));

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    assertDetail(res, 403, "Registration is disabled");
    assertNoUsers();
  }

  @Test
  @DisplayName("with registration disabled, an already linked account still signs in")
  void registrationDisabledLinkedUser() {
    startKernel(auth -> auth.put("allow_registration", false));
    createPasswordUser("ann@example.com");
    String token = kernel.login("ann@example.com", "password123").getString("access_token");
    Account ann = new Account("sub-ann", "ann@example.com", true, "Ann");
    assertThat(link(PROVIDER, ann, token).statusCode()).isEqualTo(200);

    var res = signIn(PROVIDER, ann);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getJsonObject("user").getString("email")).isEqualTo("ann@example.com");
  }

  @Test
  @DisplayName("with auto_link_by_email, a first sign-in links the existing password user with that email")
  void autoLinkByEmail() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig(PROVIDER).put("auto_link_by_email", true))));
    JsonObject registered = kernel.signUp("ann@example.com", "password123").getJsonObject("user");

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject user = res.bodyAsJsonObject().getJsonObject("user");
    assertThat(user.getString("id")).isEqualTo(registered.getString("id"));
    assertThat(user.getBoolean("has_password")).isTrue();
    assertThat(user.getJsonArray("linked_providers")).containsExactly(PROVIDER);
  }

  @Test
  @DisplayName("with auto_link_by_email and registration disabled, the existing user is still linked")
  void autoLinkWithRegistrationDisabled() {
    startKernel(auth -> auth.put("allow_registration", false).put("oidc_providers", new JsonArray()
        .add(idp.providerConfig(PROVIDER).put("auto_link_by_email", true))));
    String id = createPasswordUser("ann@example.com");

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getJsonObject("user").getString("id")).isEqualTo(id);
  }

  @Test
  @DisplayName("with auto_link_by_email, a deactivated user with that email is a 400")
  void autoLinkDeactivated() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig(PROVIDER).put("auto_link_by_email", true))));
    kernel.signUp("ann@example.com", "password123");
    kernel.sql("UPDATE users SET is_active = 0");

    var res = signIn(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"));

    assertDetail(res, 400, "Account is deactivated");
  }

  @Test
  @DisplayName("a missing or empty code, state, state_token or redirect_uri is a 422")
  void callbackValidation() {
    startKernel(auth -> {});
    JsonObject valid = new JsonObject().put("code", "c").put("state", "s").put("state_token", "t")
        .put("redirect_uri", REDIRECT);
    String path = "/api/auth/oidc/" + PROVIDER + "/callback";

    for (String field : List.of("code", "state", "state_token", "redirect_uri")) {
      JsonObject missing = valid.copy();
      missing.remove(field);
      assertThat(kernel.post(path, missing, null).statusCode()).as("without %s", field).isEqualTo(422);
      assertThat(kernel.post(path, valid.copy().put(field, ""), null).statusCode()).as("empty %s", field)
          .isEqualTo(422);
    }
    var noBody = kernel.post(path, null, null);
    assertThat(noBody.statusCode()).isEqualTo(422);
    assertThat(noBody.bodyAsJsonObject().getValue("detail")).isInstanceOf(JsonArray.class);
  }

  @Test
  @DisplayName("the sixth callback from one client inside a minute is a 429")
  void callbackRateLimited() {
    startKernel(auth -> {});
    for (int i = 0; i < 5; i++) {
      assertThat(callback(PROVIDER, "c", "s", "not-a-token").statusCode()).isEqualTo(400);
    }

    var res = callback(PROVIDER, "c", "s", "not-a-token");

    assertDetail(res, 429, "Rate limit exceeded. Try again later.");
  }

  // ---- POST/DELETE /auth/oidc/link/{provider}, GET /auth/oidc/identities ----

  @Test
  @DisplayName("a signed-in user links a provider account")
  void links() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");

    var res = link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", true, "Pat"), token);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("provider", PROVIDER)
        .put("provider_user_id", "sub-pat").put("provider_email", "pat@corp.example.com"));
    JsonObject me = kernel.get("/api/auth/me", token).bodyAsJsonObject();
    assertThat(me.getJsonArray("linked_providers")).containsExactly(PROVIDER);
    assertThat(me.getBoolean("has_password")).isTrue();
  }

  @Test
  @DisplayName("after linking, signing in through the provider returns the linking user")
  void linkedAccountSignsIn() {
    startKernel(auth -> {});
    JsonObject pat = kernel.signUp("pat@example.com", "password123");
    Account account = new Account("sub-pat", "pat@corp.example.com", true, "Pat");
    link(PROVIDER, account, pat.getString("access_token"));

    JsonObject login = signInOk(PROVIDER, account);

    assertThat(login.getJsonObject("user").getString("id")).isEqualTo(pat.getJsonObject("user").getString("id"));
  }

  @Test
  @DisplayName("linking does not require a verified email")
  void linkWithoutVerifiedEmail() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");

    var res = link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", false, "Pat"), token);

    assertThat(res.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("linking the same provider account again is a 400")
  void alreadyLinkedSameAccount() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    Account account = new Account("sub-pat", "pat@corp.example.com", true, "Pat");
    assertThat(link(PROVIDER, account, token).statusCode()).isEqualTo(200);

    var res = link(PROVIDER, account, token);

    assertDetail(res, 400, "This provider is already linked to your account");
  }

  @Test
  @DisplayName("linking a second account of an already linked provider is a 400")
  void alreadyLinkedOtherAccount() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    assertThat(link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", true, "Pat"), token).statusCode())
        .isEqualTo(200);

    var res = link(PROVIDER, new Account("sub-pat-2", "pat2@corp.example.com", true, "Pat 2"), token);

    assertDetail(res, 400, "This provider is already linked to your account");
  }

  @Test
  @DisplayName("linking a provider account that another user has linked is a 400")
  void linkedToAnotherUser() {
    startKernel(auth -> {});
    Account shared = new Account("sub-shared", "shared@corp.example.com", true, "Shared");
    String first = kernel.signUp("first@example.com", "password123").getString("access_token");
    assertThat(link(PROVIDER, shared, first).statusCode()).isEqualTo(200);
    String second = kernel.signUp("second@example.com", "password123").getString("access_token");

    var res = link(PROVIDER, shared, second);

    assertDetail(res, 400, "This provider account is already linked to another user");
  }

  @Test
  @DisplayName("linking checks the state token like the callback")
  void linkChecksState() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    JsonObject login = login(PROVIDER);
    Map<String, String> q = query(login.getString("authorization_url"));
    String code = idp.issueCode(new Account("sub-pat", "pat@corp.example.com", true, "Pat"), q.get("nonce"), REDIRECT);

    var res = kernel.post("/api/auth/oidc/link/" + PROVIDER,
        codeBody(code, q.get("state") + "x", login.getString("state_token")), token);

    assertDetail(res, 400, "State mismatch — possible CSRF");
  }

  @Test
  @DisplayName("linking a provider that is not configured is a 404")
  void linkUnknownProvider() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    JsonObject login = login(PROVIDER);
    String state = query(login.getString("authorization_url")).get("state");

    var res = kernel.post("/api/auth/oidc/link/nope", codeBody("c", state, login.getString("state_token")), token);

    assertDetail(res, 404, "OIDC provider 'nope' is not configured");
  }

  @Test
  @DisplayName("linking with an empty body field is a 422")
  void linkValidation() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");

    var res = kernel.post("/api/auth/oidc/link/" + PROVIDER, codeBody("", "s", "t"), token);

    assertThat(res.statusCode()).isEqualTo(422);
  }

  @Test
  @DisplayName("linking without a bearer token is a 401")
  void linkUnauthenticated() {
    startKernel(auth -> {});

    var res = kernel.post("/api/auth/oidc/link/" + PROVIDER, codeBody("c", "s", "t"), null);

    assertUnauthenticated(res);
  }

  @Test
  @DisplayName("identities lists the caller's linked providers with email and time")
  void listsIdentities() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    assertThat(kernel.get("/api/auth/oidc/identities", token).bodyAsJsonArray()).isEmpty();
    double before = System.currentTimeMillis() / 1000.0 - 1;
    link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", true, "Pat"), token);

    var res = kernel.get("/api/auth/oidc/identities", token);

    assertThat(res.statusCode()).isEqualTo(200);
    JsonArray list = res.bodyAsJsonArray();
    assertThat(list).hasSize(1);
    JsonObject identity = list.getJsonObject(0);
    assertThat(identity.fieldNames()).containsExactlyInAnyOrder("provider", "provider_email", "created_at");
    assertThat(identity.getString("provider")).isEqualTo(PROVIDER);
    assertThat(identity.getString("provider_email")).isEqualTo("pat@corp.example.com");
    assertThat(identity.getDouble("created_at")).isGreaterThan(before);
  }

  @Test
  @DisplayName("identities without a bearer token is a 401")
  void identitiesUnauthenticated() {
    startKernel(auth -> {});

    assertUnauthenticated(kernel.get("/api/auth/oidc/identities", null));
  }

  @Test
  @DisplayName("a user with a password unlinks a provider with 204")
  void unlinks() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", true, "Pat"), token);

    var res = kernel.delete("/api/auth/oidc/link/" + PROVIDER, token);

    assertThat(res.statusCode()).isEqualTo(204);
    assertThat(res.body()).isNull();
    assertThat(kernel.get("/api/auth/oidc/identities", token).bodyAsJsonArray()).isEmpty();
    assertThat(kernel.get("/api/auth/me", token).bodyAsJsonObject().getJsonArray("linked_providers")).isEmpty();
  }

  @Test
  @DisplayName("unlinking a provider that is not linked is a 404")
  void unlinkNotLinked() {
    startKernel(auth -> {});
    String token = kernel.signUp("pat@example.com", "password123").getString("access_token");
    link(PROVIDER, new Account("sub-pat", "pat@corp.example.com", true, "Pat"), token);
    assertThat(kernel.delete("/api/auth/oidc/link/" + PROVIDER, token).statusCode()).isEqualTo(204);

    var res = kernel.delete("/api/auth/oidc/link/" + PROVIDER, token);

    assertDetail(res, 404, "No linked identity for provider '" + PROVIDER + "'");
  }

  @Test
  @DisplayName("a user without a password cannot unlink its only identity")
  void cannotUnlinkOnlyMethod() {
    startKernel(auth -> {});
    String token = signInOk(PROVIDER, new Account("sub-ann", "ann@example.com", true, "Ann"))
        .getString("access_token");

    var res = kernel.delete("/api/auth/oidc/link/" + PROVIDER, token);

    assertDetail(res, 400, "Cannot unlink the only authentication method. Set a password first.");
    assertThat(kernel.get("/api/auth/oidc/identities", token).bodyAsJsonArray()).hasSize(1);
  }

  @Test
  @DisplayName("a user without a password may unlink one of two identities and still sign in with the other")
  void unlinkOneOfTwo() {
    startKernel(auth -> auth.put("oidc_providers", new JsonArray()
        .add(idp.providerConfig("alpha")).add(idp.providerConfig("beta"))));
    Account viaBeta = new Account("sub-beta", "ann@beta.example.com", true, "Ann");
    JsonObject ann = signInOk("alpha", new Account("sub-alpha", "ann@example.com", true, "Ann"));
    String token = ann.getString("access_token");
    assertThat(link("beta", viaBeta, token).statusCode()).isEqualTo(200);

    assertThat(kernel.delete("/api/auth/oidc/link/alpha", token).statusCode()).isEqualTo(204);

    JsonObject again = signInOk("beta", viaBeta);
    assertThat(again.getJsonObject("user").getString("id")).isEqualTo(ann.getJsonObject("user").getString("id"));
    assertThat(again.getJsonObject("user").getJsonArray("linked_providers")).containsExactly("beta");
  }

  @Test
  @DisplayName("unlinking without a bearer token is a 401")
  void unlinkUnauthenticated() {
    startKernel(auth -> {});

    assertUnauthenticated(kernel.delete("/api/auth/oidc/link/" + PROVIDER, null));
  }

  // ---- fixtures ----

  /** Starts a kernel with provider {@value #PROVIDER} and redirect URI {@value #REDIRECT}, then {@code tweak}. */
  private void startKernel(Consumer<JsonObject> tweak) {
    JsonObject json = TestKernel.testConfig(dir);
    JsonObject auth = json.getJsonObject("auth");
    auth.put("oidc_providers", new JsonArray().add(idp.providerConfig(PROVIDER).put("display_name", "Local IdP")))
        .put("oidc_redirect_uris", new JsonArray().add(REDIRECT))
        .put("allow_registration", true);
    tweak.accept(auth);
    kernel = TestKernel.start(json);
  }

  private static String loginPath(String provider, String redirectUri) {
    return "/api/auth/oidc/" + provider + "/login?redirect_uri="
        + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8);
  }

  /** Step 1: asks the kernel for an authorization URL and a state token. */
  private JsonObject login(String provider) {
    var res = kernel.get(loginPath(provider, REDIRECT), null);
    assertThat(res.statusCode()).as("login: %s", res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  /**
   * The browser's part: follows the authorization URL to the provider, signed in as {@code account},
   * and returns the code and state of the redirect back.
   */
  private Map<String, String> authorize(String authorizationUrl, Account account) {
    idp.signInAs(account);
    var res = TestKernel.await(kernel.http.getAbs(authorizationUrl).send());
    assertThat(res.statusCode()).isEqualTo(302);
    Map<String, String> q = query(res.getHeader("Location"));
    assertThat(q).containsKey("code");
    return q;
  }

  /** The whole sign-in: login, the provider round trip, then the callback. */
  private HttpResponse<Buffer> signIn(String provider, Account account) {
    JsonObject login = login(provider);
    Map<String, String> back = authorize(login.getString("authorization_url"), account);
    return callback(provider, back.get("code"), back.get("state"), login.getString("state_token"));
  }

  private JsonObject signInOk(String provider, Account account) {
    var res = signIn(provider, account);
    assertThat(res.statusCode()).as("callback: %s", res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  /** The whole link flow for the caller of {@code token}. */
  private HttpResponse<Buffer> link(String provider, Account account, String token) {
    JsonObject login = login(provider);
    Map<String, String> back = authorize(login.getString("authorization_url"), account);
    return kernel.post("/api/auth/oidc/link/" + provider,
        codeBody(back.get("code"), back.get("state"), login.getString("state_token")), token);
  }

  private HttpResponse<Buffer> callback(String provider, String code, String state, String stateToken) {
    return kernel.post("/api/auth/oidc/" + provider + "/callback", codeBody(code, state, stateToken), null);
  }

  private static JsonObject codeBody(String code, String state, String stateToken) {
    return new JsonObject().put("code", code).put("state", state).put("state_token", stateToken)
        .put("redirect_uri", REDIRECT);
  }

  /** Registers a password user directly (registration may be disabled); returns its id. */
  private String createPasswordUser(String email) {
    String id = UUID.randomUUID().toString();
    String hash = TestKernel.await(new PasswordHasher(kernel.vertx, 4).hash("password123"));
    kernel.sql("INSERT INTO users (id, email, password_hash, display_name, role, is_active, created_at)"
        + " VALUES (?, ?, ?, ?, 'user', 1, ?)", id, email, hash, "Ann", System.currentTimeMillis() / 1000.0);
    return id;
  }

  private void assertNoUsers() {
    var rows = TestKernel.await(kernel.kernel.db().pool().query("SELECT COUNT(*) AS n FROM users").execute());
    assertThat(rows.iterator().next().getLong("n")).isZero();
  }

  private static Map<String, String> query(String url) {
    String raw = URI.create(url).getRawQuery();
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        out.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void assertDetail(HttpResponse<Buffer> res, int status, String detail) {
    assertThat(res.statusCode()).as("status of %s", res.bodyAsString()).isEqualTo(status);
    assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("detail", detail));
  }

  private static void assertUnauthenticated(HttpResponse<Buffer> res) {
    assertDetail(res, 401, "Not authenticated");
    assertThat(res.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
  }
}
