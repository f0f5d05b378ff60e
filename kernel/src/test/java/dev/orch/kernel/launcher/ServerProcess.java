package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server as a separate process on one data folder and port, started again after each
 * kill, with the blocking helpers a test needs to drive it over HTTP and to read its SQLite file.
 */
final class ServerProcess implements AutoCloseable {
  private final Path data;
  private final int port;
  private final Map<String, String> env;
  private final List<String> args;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();
  private Process current;

  /**
   * The variables of a server whose executor runs against the local Anthropic-protocol server at
   * {@code claudeUrl}: no verifier or knowledge-extractor calls a test must answer, a 0.5 s safety
   * tick, model calls not retried by the client; then {@code more}, which may override any of them.
   */
  static Map<String, String> againstClaude(String claudeUrl, Map<String, String> more) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ANTHROPIC_BASE_URL", claudeUrl);
    env.put("ANTHROPIC_API_KEY", dev.orch.kernel.model.LocalAnthropicServer.KEY);
    env.put("ORCH_EXECUTION__VERIFICATION_ENABLED", "false");
    env.put("ORCH_EXECUTION__KNOWLEDGE_EXTRACTION_ENABLED", "false");
    env.put("ORCH_EXECUTION__SAFETY_TICK_SEC", "0.5");
    env.put("ORCH_MODEL_RETRY", "{\"max_retries\": 0, \"base_delay_ms\": 10, \"max_delay_ms\": 10}");
    env.putAll(more);
    return env;
  }

  /**
   * @param env the server's variables on top of the test defaults (data folder, secret, port, text
   *     logs, no rate limit)
   */
  ServerProcess(Path data, Map<String, String> env) throws IOException {
    this(data, env, List.of());
  }

  /** As {@link #ServerProcess(Path, Map)}, with {@code args} after {@code serve} (such as {@code --cluster}). */
  ServerProcess(Path data, Map<String, String> env, List<String> args) throws IOException {
    this.data = data;
    this.args = List.copyOf(args);
    java.nio.file.Files.createDirectories(data);
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    Map<String, String> all = new LinkedHashMap<>(Map.of(
        "ORCH_DATA_DIR", data.resolve("data").toString(),
        "ORCH_AUTH__SECRET_KEY", TestKernel.SECRET,
        "ORCH_AUTH__BCRYPT_COST", "4",
        "ORCH_SERVER__PORT", String.valueOf(port),
        "ORCH_SERVER__HOST", "127.0.0.1",
        "ORCH_SERVER__LOG_FORMAT", "text",
        "ORCH_SERVER__RATE_LIMIT", "100000/minute"));
    all.putAll(env);
    this.env = Map.copyOf(all);
  }

  /** Starts the server and waits until {@code /api/health} answers. */
  Process launch() throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("orch.kernel.jar"), "serve"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(TestKernel.repoRoot().toFile())
        .redirectOutput(data.resolve("stdout-" + started.size() + ".log").toFile())
        .redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_") || k.startsWith("ANTHROPIC_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    current = p;
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(p.isAlive()).as("server exited early, see " + data.resolve("stdout-" + (started.size() - 1) + ".log"))
          .isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base() + "/api/health")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return p;
        }
      } catch (IOException notYet) {
        sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("server not healthy");
  }

  /** SIGKILL; returns once the process is gone. */
  void kill() throws InterruptedException {
    killNow();
    awaitKilled();
  }

  /** Sends SIGKILL and returns at once (safe from any thread, e.g. a test server's event loop). */
  void killNow() {
    current.destroyForcibly();
  }

  /** Waits until the process a {@link #killNow} hit is gone. */
  void awaitKilled() throws InterruptedException {
    current.waitFor(30, TimeUnit.SECONDS);
    assertThat(current.exitValue()).as("killed by SIGKILL").isEqualTo(137);
  }

  /** SIGTERM; waits for a clean stop (exit code 0) within {@code seconds}. */
  void terminate(long seconds) throws InterruptedException {
    current.destroy();
    assertThat(current.waitFor(seconds, TimeUnit.SECONDS)).as("stopped within " + seconds + " s").isTrue();
    assertThat(current.exitValue()).as("clean stop on SIGTERM").isZero();
  }

  /** Sends SIGTERM and returns at once. */
  void terminateNow() {
    current.destroy();
  }

  /** Whether the last started process still runs. */
  boolean alive() {
    return current != null && current.isAlive();
  }

  /** A GET: its status and body (the body as JSON when it is an object). */
  HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
    var req = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A POST whatever its status. */
  HttpResponse<String> send(String path, JsonObject body, String token) throws IOException, InterruptedException {
    var req = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode()));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The file the last started process writes its output to. */
  Path log() {
    return data.resolve("stdout-" + (started.size() - 1) + ".log");
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** A POST that must succeed; its JSON answer. */
  JsonObject post(String path, JsonObject body, String token) throws IOException, InterruptedException {
    var req = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode()));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    var res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(path + " " + res.body()).isLessThan(300);
    return new JsonObject(res.body());
  }

  /** Registers and signs in a user; the access token. */
  String signUp(String email) throws IOException, InterruptedException {
    JsonObject account = new JsonObject().put("email", email).put("password", "password1");
    post("/api/auth/register", account, null);
    return post("/api/auth/login", account, null).getString("access_token");
  }

  /** The server's SQLite file, for reads while it runs or after it died. */
  Connection db() throws java.sql.SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + data.resolve("data").resolve("orchestration.db"));
  }

  /** The first column of the first row of {@code sql}. */
  String scalar(String sql) throws java.sql.SQLException {
    try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Override
  public void close() {
    started.forEach(Process::destroyForcibly);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
