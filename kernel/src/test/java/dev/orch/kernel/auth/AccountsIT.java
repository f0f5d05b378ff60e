package dev.orch.kernel.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration, login, lockout, refresh families, /me and API keys over real HTTP and SQLite. */
class AccountsIT {
  @TempDir Path dir;
  TestKernel k;

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  @BeforeEach
  void start() {
    k = TestKernel.start(config(dir));
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private HttpResponse<Buffer> register(JsonObject body) {
    return k.post("/api/auth/register", body, null);
  }

  private static JsonObject creds(String email, String password) {
    return new JsonObject().put("email", email).put("password", password);
  }

  private static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  @Nested
  class Register {
    @Test
    @DisplayName("the first account is admin, later ones are users, and display_name defaults to the local part")
    void firstIsAdmin() {
      var first = register(creds("Alice@Example.COM", "password1"));
      assertThat(first.statusCode()).isEqualTo(201);
      JsonObject user = first.bodyAsJsonObject();
      assertThat(user.fieldNames()).containsExactlyInAnyOrder("id", "email", "display_name", "role", "has_password",
          "linked_providers");
      assertThat(user.getString("email")).isEqualTo("Alice@example.com");
      assertThat(user.getString("display_name")).isEqualTo("Alice");
      assertThat(user.getString("role")).isEqualTo("admin");
      assertThat(user.getBoolean("has_password")).isTrue();
      assertThat(user.getJsonArray("linked_providers")).isEmpty();
      assertThat(user.getString("id")).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

      var second = register(creds("bob@example.com", "password2").put("display_name", "Bobby"));
      assertThat(second.statusCode()).isEqualTo(201);
      assertThat(second.bodyAsJsonObject().getString("role")).isEqualTo("user");
      assertThat(second.bodyAsJsonObject().getString("display_name")).isEqualTo("Bobby");
    }

    @Test
    @DisplayName("a taken email gets the deliberately generic 400")
    void duplicate() {
      register(creds("a@example.com", "password1"));
      var again = register(creds("a@EXAMPLE.com", "password2"));
      assertThat(again.statusCode()).isEqualTo(400);
      assertThat(detail(again)).isEqualTo("Registration failed");
    }

    @Test
    @DisplayName("bad fields give 422 naming each field, and nothing is stored")
    void validation() {
      var res = register(new JsonObject().put("email", "not-an-email").put("password", "short"));
      assertThat(res.statusCode()).isEqualTo(422);
      JsonArray errors = res.bodyAsJsonObject().getJsonArray("detail");
      assertThat(errors).hasSize(2);
      assertThat(errors.getJsonObject(0).getJsonArray("loc").getList()).containsExactly("body", "email");
      assertThat(errors.getJsonObject(1).getString("type")).isEqualTo("string_too_short");

      var typed = register(new JsonObject().put("email", "c@example.com").put("password", 12345678));
      assertThat(typed.statusCode()).isEqualTo(422);
      assertThat(typed.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0).getString("type"))
          .isEqualTo("string_type");

      var missing = register(new JsonObject().put("email", "c@example.com"));
      assertThat(missing.statusCode()).isEqualTo(422);
      assertThat(missing.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0).getString("type"))
          .isEqualTo("missing");

      assertThat(register(creds("c@example.com", "password1")).bodyAsJsonObject().getString("role"))
          .as("no earlier attempt created a user").isEqualTo("admin");
    }

    @Test
    @DisplayName("twenty racing first registrations yield exactly one admin")
    void firstAdminRace() {
      List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(k.http.post("/api/auth/register").sendJsonObject(creds("racer" + i + "@example.com", "password1")));
      }
      TestKernel.await(Future.all(all));
      long admins = all.stream().map(Future::result)
          .peek(r -> assertThat(r.statusCode()).isEqualTo(201))
          .filter(r -> r.bodyAsJsonObject().getString("role").equals("admin")).count();
      assertThat(admins).isEqualTo(1);
    }

    @Test
    @DisplayName("a password longer than bcrypt's 72 bytes counts in full")
    void longPassword() {
      String base = "x".repeat(80);
      register(creds("long@example.com", base + "A"));
      assertThat(k.login("long@example.com", base + "A").getString("access_token")).isNotBlank();
      var prefixOnly = k.post("/api/auth/login", creds("long@example.com", base + "B"), null);
      assertThat(prefixOnly.statusCode()).as("same first 72 bytes, different tail").isEqualTo(401);
    }
  }

  @Test
  @DisplayName("registration can be switched off")
  void registrationDisabled() {
    k.close();
    JsonObject json = config(dir.resolve("closed"));
    json.getJsonObject("auth").put("allow_registration", false);
    k = TestKernel.start(json);
    var res = register(creds("a@example.com", "password1"));
    assertThat(res.statusCode()).isEqualTo(403);
    assertThat(detail(res)).isEqualTo("Registration is disabled");
  }

  @Nested
  class Login {
    @Test
    @DisplayName("login answers tokens and the real user, and records last_login_at")
    void success() {
      register(creds("a@example.com", "password1"));
      JsonObject login = k.login("a@EXAMPLE.com", "password1");
      assertThat(login.fieldNames()).containsExactlyInAnyOrder("access_token", "refresh_token", "token_type", "user");
      assertThat(login.getString("token_type")).isEqualTo("bearer");
      assertThat(login.getJsonObject("user").getString("email")).isEqualTo("a@example.com");
      assertThat(login.getJsonObject("user").getBoolean("has_password")).isTrue();
      var admin = k.get("/api/admin/users", login.getString("access_token")).bodyAsJsonArray();
      assertThat(admin.getJsonObject(0).getValue("last_login_at")).isInstanceOf(Double.class);
    }

    @Test
    @DisplayName("wrong password, unknown email, disabled and OAuth-only accounts each get their 401")
    void failures() {
      register(creds("a@example.com", "password1"));
      register(creds("b@example.com", "password2"));
      var wrong = k.post("/api/auth/login", creds("a@example.com", "nope-nope"), null);
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(detail(wrong)).isEqualTo("Invalid email or password");
      assertThat(wrong.getHeader("WWW-Authenticate")).isNull();
      assertThat(detail(k.post("/api/auth/login", creds("nobody@example.com", "password1"), null)))
          .isEqualTo("Invalid email or password");

      k.sql("UPDATE users SET is_active = 0 WHERE email = ?", "b@example.com");
      assertThat(detail(k.post("/api/auth/login", creds("b@example.com", "password2"), null)))
          .isEqualTo("Account is disabled");
      assertThat(detail(k.post("/api/auth/login", creds("b@example.com", "wrong-one"), null)))
          .as("the password is checked before the active flag").isEqualTo("Invalid email or password");

      k.sql("INSERT INTO users (id, email, display_name, role, is_active, created_at) VALUES (?, ?, '', 'user', 1, 1)",
          "00000000-0000-0000-0000-000000000001", "oauth@example.com");
      assertThat(detail(k.post("/api/auth/login", creds("oauth@example.com", "password1"), null)))
          .isEqualTo("This account uses OAuth login. Please sign in with your linked provider.");
    }

    @Test
    @DisplayName("a password over 128 characters or a non-email is a 422")
    void validation() {
      assertThat(k.post("/api/auth/login", creds("a@example.com", "p".repeat(129)), null).statusCode()).isEqualTo(422);
      assertThat(k.post("/api/auth/login", creds("nope", "password1"), null).statusCode()).isEqualTo(422);
    }

    @Test
    @DisplayName("five failures lock the email for the window, even with the right password; it reopens after")
    void lockout() {
      register(creds("a@example.com", "password1"));
      for (int i = 0; i < 5; i++) {
        assertThat(k.post("/api/auth/login", creds("a@example.com", "wrong-" + i), null).statusCode()).isEqualTo(401);
      }
      var locked = k.post("/api/auth/login", creds("a@example.com", "password1"), null);
      assertThat(locked.statusCode()).isEqualTo(401);
      assertThat(detail(locked)).isEqualTo("Invalid email or password");

      k.clock.advance(Duration.ofSeconds(301));
      assertThat(k.login("a@example.com", "password1").getString("access_token")).isNotBlank();
    }

    @Test
    @DisplayName("a successful login clears the failure count")
    void successClears() {
      register(creds("a@example.com", "password1"));
      for (int i = 0; i < 4; i++) {
        k.post("/api/auth/login", creds("a@example.com", "wrong-" + i), null);
      }
      k.login("a@example.com", "password1");
      for (int i = 0; i < 4; i++) {
        k.post("/api/auth/login", creds("a@example.com", "wrong-" + i), null);
      }
      assertThat(k.post("/api/auth/login", creds("a@example.com", "password1"), null).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("the sixth login inside a minute from one address is rate limited")
    void rateLimited() {
      k.close();
      JsonObject limits = config(dir.resolve("limits"));
      limits.getJsonObject("server").remove("endpoint_rate_limits");
      k = TestKernel.start(limits);
      for (int i = 0; i < 5; i++) {
        k.post("/api/auth/login", creds("x@example.com", "password1"), null);
      }
      var sixth = k.post("/api/auth/login", creds("x@example.com", "password1"), null);
      assertThat(sixth.statusCode()).isEqualTo(429);
      assertThat(detail(sixth)).isEqualTo("Rate limit exceeded. Try again later.");
    }
  }

  @Nested
  class Refresh {
    @Test
    @DisplayName("a refresh rotates the token within its family")
    void rotates() {
      JsonObject login = k.signUp("a@example.com", "password1");
      var res = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")), null);
      assertThat(res.statusCode()).isEqualTo(200);
      JsonObject body = res.bodyAsJsonObject();
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("access_token", "refresh_token", "token_type");
      assertThat(body.getString("refresh_token")).isNotEqualTo(login.getString("refresh_token"));
      assertThat(k.get("/api/auth/me", body.getString("access_token")).statusCode()).isEqualTo(200);
      var next = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", body.getString("refresh_token")), null);
      assertThat(next.statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("reusing a consumed token revokes the whole family, including its newest token")
    void reuseRevokesFamily() {
      JsonObject login = k.signUp("a@example.com", "password1");
      String first = login.getString("refresh_token");
      String second = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", first), null)
          .bodyAsJsonObject().getString("refresh_token");

      var reuse = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", first), null);
      assertThat(reuse.statusCode()).isEqualTo(401);
      assertThat(detail(reuse)).isEqualTo("Token has been revoked — all sessions revoked. Please log in again.");

      var newest = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", second), null);
      assertThat(newest.statusCode()).isEqualTo(401);
      assertThat(detail(newest)).startsWith("Token has been revoked");

      var otherSession = k.login("a@example.com", "password1");
      assertThat(k.post("/api/auth/refresh", new JsonObject().put("refresh_token", otherSession.getString("refresh_token")),
          null).statusCode()).as("another family is untouched").isEqualTo(200);
    }

    @Test
    @DisplayName("a validly signed token of the family that was never issued is reuse")
    void unknownInFamily() {
      JsonObject login = k.signUp("a@example.com", "password1");
      var claims = TestKernel.await(k.kernelTokens().verify(login.getString("refresh_token")));
      String forged = k.kernelTokens().refresh(claims.getString("sub"), claims.getString("fid"));
      var res = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", forged), null);
      assertThat(res.statusCode()).isEqualTo(401);
      assertThat(detail(res)).isEqualTo("Token reuse detected — all sessions revoked. Please log in again.");
      assertThat(k.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")), null)
          .statusCode()).as("the revocation was committed").isEqualTo(401);
    }

    @Test
    @DisplayName("garbage, an access token, and a disabled user's token are refused with their texts")
    void refusals() {
      JsonObject login = k.signUp("a@example.com", "password1");
      assertThat(detail(k.post("/api/auth/refresh", new JsonObject().put("refresh_token", "garbage"), null)))
          .startsWith("Invalid refresh token: ");
      assertThat(detail(k.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("access_token")),
          null))).isEqualTo("Token is not a refresh token");
      k.sql("UPDATE users SET is_active = 0");
      assertThat(detail(k.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")),
          null))).isEqualTo("User not found or disabled");
    }

    @Test
    @DisplayName("an expired refresh token is refused as expired")
    void expired() {
      JsonObject login = k.signUp("a@example.com", "password1");
      k.clock.advance(Duration.ofDays(8));
      var res = k.post("/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")), null);
      assertThat(res.statusCode()).isEqualTo(401);
      assertThat(detail(res)).isEqualTo("Invalid refresh token: Signature has expired");
    }
  }

  @Nested
  class Bearer {
    @Test
    @DisplayName("/me answers the caller; without credentials it is 401 with a Bearer challenge")
    void me() {
      JsonObject login = k.signUp("a@example.com", "password1");
      var me = k.get("/api/auth/me", login.getString("access_token"));
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.bodyAsJsonObject()).isEqualTo(login.getJsonObject("user"));

      var none = k.get("/api/auth/me", null);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(detail(none)).isEqualTo("Not authenticated");
      assertThat(none.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
      var basic = TestKernel.await(k.http.get("/api/auth/me").putHeader("Authorization", "Basic abc").send());
      assertThat(basic.statusCode()).isEqualTo(401);
    }

    @Test
    @DisplayName("forged, expired, alg:none, other-algorithm and exp-less tokens are all refused")
    void forgedTokens() {
      JsonObject login = k.signUp("a@example.com", "password1");
      String userId = login.getJsonObject("user").getString("id");
      long exp = System.currentTimeMillis() / 1000 + 600;
      JsonObject claims = new JsonObject().put("sub", userId).put("role", "admin").put("type", "access").put("exp", exp);

      List<String> bad = List.of(
          Jwts.hs("HS256", "another-secret-that-is-also-long-enough-000", claims),
          Jwts.hs("HS512", TestKernel.SECRET, claims),
          Jwts.none(claims),
          Jwts.hs("HS256", TestKernel.SECRET, claims.copy().put("exp", exp - 1200)),
          Jwts.hs("HS256", TestKernel.SECRET, claims.copy().put("exp", (Object) null)),
          "not.a.token");
      for (String token : bad) {
        var res = k.get("/api/auth/me", token);
        assertThat(res.statusCode()).as(token).isEqualTo(401);
        assertThat(detail(res)).as(token).isEqualTo("Invalid or expired token");
        assertThat(res.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
      }
      assertThat(k.get("/api/auth/me", Jwts.hs("HS256", TestKernel.SECRET, claims)).statusCode())
          .as("the same claims signed correctly pass").isEqualTo(200);
    }

    @Test
    @DisplayName("a refresh token as bearer is the wrong type; a disabled user is refused on the next request")
    void typeAndActive() {
      JsonObject login = k.signUp("a@example.com", "password1");
      var wrongType = k.get("/api/auth/me", login.getString("refresh_token"));
      assertThat(wrongType.statusCode()).isEqualTo(401);
      assertThat(detail(wrongType)).isEqualTo("Invalid token type");
      assertThat(wrongType.getHeader("WWW-Authenticate")).isNull();

      k.sql("UPDATE users SET is_active = 0");
      var disabled = k.get("/api/auth/me", login.getString("access_token"));
      assertThat(disabled.statusCode()).isEqualTo(401);
      assertThat(detail(disabled)).isEqualTo("User not found or disabled");
    }
  }

  @Nested
  class ApiKeys {
    @Test
    @DisplayName("a created key authenticates as its owner, is listed without its secret, and records its use")
    void lifecycle() {
      String token = k.signUp("a@example.com", "password1").getString("access_token");
      var created = k.post("/api/auth/api-keys", new JsonObject().put("name", "ci"), token);
      assertThat(created.statusCode()).isEqualTo(201);
      JsonObject key = created.bodyAsJsonObject();
      assertThat(key.fieldNames()).containsExactlyInAnyOrder("id", "key", "key_prefix", "name", "created_at");
      assertThat(key.getString("key")).matches("orch_[0-9a-f]{64}");
      assertThat(key.getString("key_prefix")).isEqualTo(key.getString("key").substring(0, 12));
      assertThat(key.getString("id")).matches("[0-9a-f]{32}");

      var me = k.get("/api/auth/me", key.getString("key"));
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.bodyAsJsonObject().getString("email")).isEqualTo("a@example.com");

      k.post("/api/auth/api-keys", new JsonObject().put("name", "second"), token);
      JsonArray list = k.get("/api/auth/api-keys", key.getString("key")).bodyAsJsonArray();
      assertThat(list).hasSize(2);
      assertThat(list.getJsonObject(0).getString("name")).isEqualTo("second");
      JsonObject ci = list.getJsonObject(1);
      assertThat(ci.fieldNames()).containsExactlyInAnyOrder("id", "key_prefix", "name", "is_active", "created_at",
          "last_used_at");
      assertThat(ci.getValue("last_used_at")).isInstanceOf(Double.class);
      assertThat(list.encode()).doesNotContain(key.getString("key"));
    }

    @Test
    @DisplayName("a revoked key stops working; revoking someone else's or an unknown key is 404")
    void revoke() {
      String alice = k.signUp("a@example.com", "password1").getString("access_token");
      String bob = k.signUp("b@example.com", "password2").getString("access_token");
      JsonObject key = k.post("/api/auth/api-keys", new JsonObject().put("name", "ci"), alice).bodyAsJsonObject();

      var foreign = k.delete("/api/auth/api-keys/" + key.getString("id"), bob);
      assertThat(foreign.statusCode()).isEqualTo(404);
      assertThat(detail(foreign)).isEqualTo("API key not found");

      var revoked = k.delete("/api/auth/api-keys/" + key.getString("id"), alice);
      assertThat(revoked.statusCode()).isEqualTo(200);
      assertThat(revoked.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("status", "revoked").put("key_id", key.getString("id")));
      assertThat(k.delete("/api/auth/api-keys/" + key.getString("id"), alice).statusCode())
          .as("revoking twice is still 200").isEqualTo(200);

      var use = k.get("/api/auth/me", key.getString("key"));
      assertThat(use.statusCode()).isEqualTo(401);
      assertThat(detail(use)).isEqualTo("Invalid or revoked API key");
      assertThat(use.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
      assertThat(k.get("/api/auth/api-keys", alice).bodyAsJsonArray().getJsonObject(0).getBoolean("is_active")).isFalse();
    }

    @Test
    @DisplayName("a key name must be 1 to 100 characters")
    void nameBounds() {
      String token = k.signUp("a@example.com", "password1").getString("access_token");
      assertThat(k.post("/api/auth/api-keys", new JsonObject().put("name", ""), token).statusCode()).isEqualTo(422);
      assertThat(k.post("/api/auth/api-keys", new JsonObject().put("name", "n".repeat(101)), token).statusCode())
          .isEqualTo(422);
      assertThat(k.post("/api/auth/api-keys", new JsonObject().put("name", "ci"), null).statusCode()).isEqualTo(401);
    }
  }
}
