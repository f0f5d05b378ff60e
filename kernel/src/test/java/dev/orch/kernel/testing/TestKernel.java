package dev.orch.kernel.testing;

import dev.orch.kernel.Kernel;
import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real kernel for one test class: the production config layered with test overrides, a fresh
 * SQLite file in a temp folder (or a PostgreSQL schema), an HTTP server on a random port, and a
 * client kept in a field.
 */
public final class TestKernel implements AutoCloseable {
  public static final String SECRET = "test-secret-key-that-is-long-enough-0123456789";

  public final Vertx vertx;
  public final Kernel kernel;
  public final WebClient http;
  public final OrchConfig config;
  public final MutableClock clock;
  private boolean closed;

  private TestKernel(Vertx vertx, Kernel kernel, OrchConfig config, MutableClock clock) {
    this.vertx = vertx;
    this.kernel = kernel;
    this.config = config;
    this.clock = clock;
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(kernel.httpPort()).setFollowRedirects(false));
  }

  /** The repository root, for {@code conf/config.json} and {@code webroot/}. */
  public static Path repoRoot() {
    return Path.of(System.getProperty("orch.repo.root", "..")).toAbsolutePath().normalize();
  }

  /**
   * The test defaults on top of {@code conf/config.json}: random port, fast bcrypt, no global limit,
   * and an empty plugins folder {@code dataDir/plugins}.
   */
  public static JsonObject testConfig(Path dataDir) {
    JsonObject json = ConfigLoader.load(repoRoot().resolve("conf/config.json"), null, Map.of());
    json.put("data_dir", dataDir.toString());
    // Never the repository's plugins/ folder: a test that wants plugins copies jars into this one.
    json.put("plugins_dir", dataDir.resolve("plugins").toString());
    json.getJsonObject("server").put("host", "127.0.0.1").put("rate_limit", "100000/minute")
        .put("log_format", "text").put("webroot", repoRoot().resolve("webroot").toString())
        .put("endpoint_rate_limits", new JsonObject().put("register", "100000/minute").put("login", "100000/minute")
            .put("refresh", "100000/minute"));
    json.getJsonObject("auth").put("secret_key", SECRET).put("bcrypt_cost", 4);
    return json;
  }

  public static TestKernel start(Path dataDir) {
    return start(testConfig(dataDir));
  }

  public static TestKernel start(JsonObject json) {
    return start(json, Vertx.vertx());
  }

  /** A kernel on the given Vert.x, e.g. a clustered one; closing the kernel closes it. */
  public static TestKernel start(JsonObject json, Vertx vertx) {
    return start(json, vertx, 0);
  }

  /** A kernel on a given port, e.g. to restart one where its clients expect it. */
  public static TestKernel start(JsonObject json, Vertx vertx, int port) {
    OrchConfig config = OrchConfig.from(json, repoRoot()).withHttpPort(port);
    MutableClock clock = new MutableClock();
    try {
      Kernel kernel = Kernel.start(vertx, config, clock).await(60, TimeUnit.SECONDS);
      return new TestKernel(vertx, kernel, config, clock);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("kernel did not start", e);
    }
  }

  // ---- blocking helpers: tests read top to bottom like a user session ----

  public HttpResponse<Buffer> post(String path, JsonObject body, String token) {
    var req = http.post(path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return await(body == null ? req.send() : req.sendJsonObject(body));
  }

  public HttpResponse<Buffer> patch(String path, JsonObject body, String token) {
    var req = http.patch(path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return await(req.sendJsonObject(body));
  }

  public HttpResponse<Buffer> get(String path, String token) {
    var req = http.get(path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return await(req.send());
  }

  public HttpResponse<Buffer> delete(String path, String token) {
    var req = http.delete(path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return await(req.send());
  }

  /** Registers and logs in; returns the login response. */
  public JsonObject signUp(String email, String password) {
    var reg = post("/api/auth/register", new JsonObject().put("email", email).put("password", password), null);
    if (reg.statusCode() != 201) {
      throw new AssertionError("register " + email + " → " + reg.statusCode() + " " + reg.bodyAsString());
    }
    return login(email, password);
  }

  public JsonObject login(String email, String password) {
    var res = post("/api/auth/login", new JsonObject().put("email", email).put("password", password), null);
    if (res.statusCode() != 200) {
      throw new AssertionError("login " + email + " → " + res.statusCode() + " " + res.bodyAsString());
    }
    return res.bodyAsJsonObject();
  }

  public dev.orch.kernel.auth.Tokens kernelTokens() {
    return kernel.tokens();
  }

  /** Runs SQL on the kernel's own pool. */
  public void sql(String statement, Object... params) {
    await(kernel.db().pool().preparedQuery(statement).execute(io.vertx.sqlclient.Tuple.wrap(params)));
  }

  public static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    http.close();
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
