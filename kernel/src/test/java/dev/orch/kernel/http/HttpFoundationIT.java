package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP edge of API.md §1 and §7: errors, headers, CORS, limits, static files. */
class HttpFoundationIT {
  @TempDir Path dir;
  TestKernel k;

  @AfterEach
  void stop() {
    if (k != null) {
      k.close();
    }
  }

  private TestKernel start() {
    k = TestKernel.start(dir);
    return k;
  }

  private static void assertSecurityHeaders(HttpResponse<Buffer> res) {
    assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(res.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(res.getHeader("X-Frame-Options")).isEqualTo("DENY");
    assertThat(res.getHeader("Content-Security-Policy")).isEqualTo(EdgeHandler.CONTENT_SECURITY_POLICY)
        .contains("script-src 'self';").doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
    assertThat(res.getHeader("X-Request-ID")).matches("[0-9a-f]{12}");
  }

  @Test
  @DisplayName("health is public and answers the contract's body")
  void health() {
    var res = start().get("/api/health", null);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "ok"));
    assertSecurityHeaders(res);
  }

  @Test
  @DisplayName("security headers and a fresh request id are on 200, 401, 404, 405 and preflight answers")
  void headersEverywhere() {
    start();
    var ok = k.get("/api/health", null);
    var unauthorized = k.get("/api/auth/me", null);
    var notFound = k.get("/api/nothing-here", null);
    var wrongMethod = TestKernel.await(k.http.put("/api/auth/me").send());
    var preflight = TestKernel.await(k.http.request(HttpMethod.OPTIONS, "/api/auth/me")
        .putHeader("Origin", "http://localhost:5173")
        .putHeader("Access-Control-Request-Method", "GET")
        .putHeader("Access-Control-Request-Headers", "Authorization").send());
    for (var res : new HttpResponse[] {ok, unauthorized, notFound, wrongMethod, preflight}) {
      assertSecurityHeaders(res);
    }
    assertThat(ok.getHeader("X-Request-ID")).isNotEqualTo(notFound.getHeader("X-Request-ID"));
    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(notFound.bodyAsJsonObject()).isEqualTo(new JsonObject().put("detail", "Not Found"));
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(wrongMethod.bodyAsJsonObject()).isEqualTo(new JsonObject().put("detail", "Method Not Allowed"));
    assertThat(preflight.statusCode()).isBetween(200, 204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
    assertThat(preflight.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("PATCH");
  }

  @Test
  @DisplayName("an unexpected failure is a 500 with a generic detail and the security headers")
  void internalError() {
    start();
    String token = k.signUp("a@example.com", "password1").getString("access_token");
    k.sql("DROP TABLE api_keys");
    var res = k.get("/api/auth/api-keys", token);
    assertThat(res.statusCode()).isEqualTo(500);
    assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("detail", "Internal server error"));
    assertSecurityHeaders(res);
  }

  @Test
  @DisplayName("CORS allows the configured origins only")
  void cors() {
    start();
    var allowed = TestKernel.await(k.http.get("/api/health").putHeader("Origin", "http://127.0.0.1:5173").send());
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo("http://127.0.0.1:5173");
    var foreign = TestKernel.await(k.http.get("/api/health").putHeader("Origin", "http://evil.example").send());
    assertThat(foreign.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("malformed JSON, a non-object body and an empty body are 422, not 500")
  void badBodies() {
    start();
    for (String body : new String[] {"{\"email\": ", "[1, 2]", "", "null"}) {
      var res = TestKernel.await(k.http.post("/api/auth/login").putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer(body)));
      assertThat(res.statusCode()).as(body).isEqualTo(422);
      assertThat(res.bodyAsJsonObject().getValue("detail")).as(body).isInstanceOf(io.vertx.core.json.JsonArray.class);
    }
  }

  @Test
  @DisplayName("a body over the limit is refused with 413 and a JSON detail")
  void bodyLimit() {
    JsonObject json = TestKernel.testConfig(dir);
    json.getJsonObject("server").put("body_limit_bytes", 1024);
    k = TestKernel.start(json);
    var res = k.post("/api/auth/register", new JsonObject().put("email", "a@example.com")
        .put("password", "p".repeat(4096)), null);
    assertThat(res.statusCode()).isEqualTo(413);
    assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Request body too large");
    assertSecurityHeaders(res);
  }

  @Test
  @DisplayName("a trailing slash on an API path redirects with 307, keeping the query")
  void trailingSlash() {
    var res = start().get("/api/admin/users/?limit=5", null);
    assertThat(res.statusCode()).isEqualTo(307);
    assertThat(res.getHeader("Location")).isEqualTo("/api/admin/users?limit=5");
  }

  @Test
  @DisplayName("the dashboard is served at / and for deep links, never cached; unknown API paths stay JSON 404s")
  void dashboard() {
    start();
    var root = k.get("/", null);
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.bodyAsString()).contains("<title>Orch</title>").doesNotContain(Dashboard.ASSETS_PLACEHOLDER);
    assertThat(root.getHeader("Cache-Control")).isEqualTo("no-cache");
    var deepLink = k.get("/project/abc123/task/def", null);
    assertThat(deepLink.statusCode()).isEqualTo(200);
    assertThat(deepLink.getHeader("Content-Type")).startsWith("text/html");
    assertSecurityHeaders(deepLink);
    assertThat(k.get("/api/project/abc", null).getHeader("Content-Type")).isEqualTo("application/json");
  }

  @Test
  @DisplayName("the dashboard's own requests carry its origin and pass at any address; a foreign origin is still checked")
  void sameOrigin() {
    start();
    String self = "http://127.0.0.1:" + k.kernel.httpPort();
    var script = TestKernel.await(k.http.get("/webjars/lit-html/3.3.1/lit-html.js").putHeader("Origin", self).send());
    assertThat(script.statusCode()).isEqualTo(200);
    var login = TestKernel.await(k.http.post("/api/auth/login").putHeader("Origin", self)
        .sendJsonObject(new JsonObject().put("email", "nobody@example.com").put("password", "password1")));
    assertThat(login.statusCode()).isEqualTo(401);
    var foreign = TestKernel.await(k.http.get("/api/health").putHeader("Origin", "http://evil.example").send());
    assertThat(foreign.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("fingerprinted assets and versioned libraries are cached for a year; stale or missing ones are 404s, not the page")
  void assetCaching() {
    start();
    var matcher = java.util.regex.Pattern.compile("src=\"(/assets/[0-9a-f]{12})/js/main.js\"").matcher(k.get("/", null).bodyAsString());
    assertThat(matcher.find()).isTrue();
    String assets = matcher.group(1);
    var script = k.get(assets + "/js/main.js", null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Type")).startsWith("text/javascript");
    assertThat(script.getHeader("Cache-Control")).contains("max-age=31536000").contains("immutable");
    var library = k.get("/webjars/lit-html/3.3.1/lit-html.js", null);
    assertThat(library.statusCode()).isEqualTo(200);
    assertThat(library.getHeader("Cache-Control")).contains("max-age=31536000").contains("immutable");
    for (String escape : new String[] {assets + "/%2e%2e/%2e%2e/conf/config.json", assets + "/..%2f..%2fconf/config.json",
        "/webjars/%2e%2e/%2e%2e/%2e%2e/logback.xml", "/webjars/..%2f..%2f..%2flogback.xml"}) {
      String body = k.get(escape, null).bodyAsString();
      assertThat(body).as(escape).doesNotContain("secret_key").doesNotContain("<configuration");
    }
    for (String missing : new String[] {"/assets/000000000000/js/main.js", assets + "/js/nothing.js", "/webjars/nothing/1.0/x.js"}) {
      var res = k.get(missing, null);
      assertThat(res.statusCode()).as(missing).isEqualTo(404);
      assertThat(res.getHeader("Content-Type")).as(missing).isEqualTo("application/json");
    }
  }

  @Test
  @DisplayName("the global per-IP limit answers 429 past its rate, but never for health")
  void globalLimit() {
    JsonObject json = TestKernel.testConfig(dir);
    json.getJsonObject("server").put("rate_limit", "3/minute");
    k = TestKernel.start(json);
    for (int i = 0; i < 3; i++) {
      assertThat(k.get("/api/auth/me", null).statusCode()).isEqualTo(401);
    }
    var limited = k.get("/api/auth/me", null);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.bodyAsJsonObject().getString("detail")).isEqualTo("Rate limit exceeded. Try again later.");
    assertSecurityHeaders(limited);
    for (int i = 0; i < 5; i++) {
      assertThat(k.get("/api/health", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("X-Forwarded-For is ignored unless the peer is a trusted proxy")
  void forwardedFor() {
    JsonObject json = TestKernel.testConfig(dir);
    json.getJsonObject("server").put("rate_limit", "2/minute");
    k = TestKernel.start(json);
    for (int i = 0; i < 2; i++) {
      TestKernel.await(k.http.get("/api/auth/me").putHeader("X-Forwarded-For", "10.0.0." + i).send());
    }
    var spoofed = TestKernel.await(k.http.get("/api/auth/me").putHeader("X-Forwarded-For", "10.0.0.9").send());
    assertThat(spoofed.statusCode()).as("an untrusted peer cannot pick its own address").isEqualTo(429);
    k.close();

    json.getJsonObject("server").put("trusted_proxies", new io.vertx.core.json.JsonArray().add("127.0.0.1"));
    k = TestKernel.start(json);
    for (int i = 0; i < 4; i++) {
      var res = TestKernel.await(k.http.get("/api/auth/me").putHeader("X-Forwarded-For", "10.0.0." + i + ", 127.0.0.1").send());
      assertThat(res.statusCode()).as("each client behind the proxy has its own budget").isEqualTo(401);
    }
  }
}
