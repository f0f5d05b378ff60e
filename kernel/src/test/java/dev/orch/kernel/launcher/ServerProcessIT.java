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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server as a separate process, as {@code ./orch serve} runs it: fail-fast on bad
 * configuration, readiness on {@code /api/health}, exit code 0 on SIGTERM and SIGINT (also when the
 * test run itself ignores SIGINT), and data that survives a restart.
 */
class ServerProcessIT {
  @TempDir Path data;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  /**
   * Whether this JVM was started with SIGINT ignored (a background job of a script, nohup, some CI
   * runners). A child inherits that, and a JVM that starts with SIGINT ignored installs no handler
   * for it, so Ctrl-C could not reach the server the way it does from a terminal.
   */
  static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        long mask = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
        return (mask & (1L << (2 - 1))) != 0; // SIGINT is signal 2, bit 1
      }
    }
    return false;
  }

  /**
   * The prefix that starts the server with SIGINT at its default, as a terminal would: empty when
   * this JVM does not ignore it; {@code env --default-signal=INT} (GNU coreutils 8.31+) when it does;
   * null when it does and nothing here can undo it.
   */
  static List<String> sigintDefault() throws IOException, InterruptedException {
    if (!sigintIgnored()) {
      return List.of();
    }
    List<String> env = List.of("env", "--default-signal=INT");
    List<String> probe = new ArrayList<>(env);
    probe.add("true");
    Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? env : null;
  }

  private Process launch(Map<String, String> env, String... args) throws Exception {
    String jar = System.getProperty("orch.kernel.jar");
    assertThat(jar).as("failsafe passes the packaged jar").isNotNull();
    List<String> prefix = sigintDefault();
    List<String> command = new ArrayList<>(prefix == null ? List.of() : prefix);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar, "serve"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(TestKernel.repoRoot().toFile())
        .redirectOutput(data.resolve("stdout.log").toFile()).redirectError(data.resolve("stderr.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_") || k.startsWith("ANTHROPIC_"));
    pb.environment().put("ORCH_DATA_DIR", data.resolve("data").toString());
    pb.environment().put("ORCH_SERVER__LOG_FORMAT", "text");
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Map<String, String> validEnv(int port) {
    return Map.of("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET, "ORCH_SERVER__PORT", String.valueOf(port),
        "ORCH_SERVER__HOST", "127.0.0.1", "ORCH_AUTH__BCRYPT_COST", "4");
  }

  private void awaitHealthy(int port, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("server exited early: " + Files.readString(data.resolve("stderr.log"))).isTrue();
      try {
        var res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() == 200) {
          assertThat(new JsonObject(res.body())).isEqualTo(new JsonObject().put("status", "ok"));
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError("server not healthy within 60 s");
  }

  private HttpResponse<String> post(int port, String path, JsonObject body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("an invalid value stops startup with one line naming the key")
  void failFast() throws Exception {
    Process p = launch(Map.of("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET, "ORCH_SERVER__PORT", "70000"));
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    List<String> lines = Files.readAllLines(data.resolve("stderr.log")).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("server.port");
  }

  @Test
  @DisplayName("without a secret key the server refuses to start")
  void noSecret() throws Exception {
    Process p = launch(Map.of());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
    assertThat(Files.readString(data.resolve("stderr.log"))).contains("auth.secret_key");
  }

  @Test
  @DisplayName("SIGTERM and SIGINT stop the server with exit code 0, and accounts survive the restart")
  void cleanStopAndRestart() throws Exception {
    int port = freePort();
    Process first = launch(validEnv(port));
    awaitHealthy(port, first);
    var reg = post(port, "/api/auth/register", new JsonObject().put("email", "a@example.com").put("password", "password1"));
    assertThat(reg.statusCode()).isEqualTo(201);
    first.destroy(); // SIGTERM
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).isZero();
    assertThat(Files.readString(data.resolve("stdout.log")) + Files.readString(data.resolve("stderr.log")))
        .as("a clean stop logs no error").doesNotContain(" ERROR ");

    Process second = launch(validEnv(port));
    awaitHealthy(port, second);
    var login = post(port, "/api/auth/login", new JsonObject().put("email", "a@example.com").put("password", "password1"));
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(login.body()).getJsonObject("user").getString("role")).isEqualTo("admin");
    if (sigintDefault() == null) {
      System.out.println("ServerProcessIT: SIGINT step skipped: this test JVM was started with SIGINT ignored"
          + " (SigIgn in /proc/self/status), so the server inherits that and cannot receive it, and"
          + " 'env --default-signal' is not available to restore it; stopping with SIGTERM instead");
      second.destroy();
    } else {
      new ProcessBuilder("kill", "-INT", String.valueOf(second.pid())).start().waitFor();
    }
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isZero();
  }

  @Test
  @DisplayName("with log_format json every log line is JSON, and no password, token or key appears in it")
  void jsonLogsWithoutSecrets() throws Exception {
    int port = freePort();
    Map<String, String> env = new java.util.HashMap<>(validEnv(port));
    env.put("ORCH_SERVER__LOG_FORMAT", "json");
    env.put("ANTHROPIC_API_KEY", "sk-ant-test-key-that-must-not-be-logged");
    Process p = launch(env);
    awaitHealthy(port, p);
    String password = "correct-horse-battery";
    post(port, "/api/auth/register", new JsonObject().put("email", "a@example.com").put("password", password));
    JsonObject login = new JsonObject(post(port, "/api/auth/login",
        new JsonObject().put("email", "a@example.com").put("password", password)).body());
    post(port, "/api/auth/login", new JsonObject().put("email", "a@example.com").put("password", "wrong-" + password));
    post(port, "/api/auth/refresh", new JsonObject().put("refresh_token", login.getString("refresh_token")));
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    List<String> lines = Files.readAllLines(data.resolve("stdout.log")).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("orch ready"));
    for (String line : lines) {
      JsonObject entry = new JsonObject(line);
      assertThat(entry.getString("message")).isNotNull();
      assertThat(line).doesNotContain(password, login.getString("access_token"), login.getString("refresh_token"),
          TestKernel.SECRET, "sk-ant-test-key-that-must-not-be-logged");
    }
  }

  @Test
  @DisplayName("--config layers a file over the defaults")
  void configFlag() throws Exception {
    int port = freePort();
    Path file = data.resolve("custom.json");
    Files.writeString(file, new JsonObject().put("server", new JsonObject().put("port", port)).encode());
    Map<String, String> env = new java.util.HashMap<>(validEnv(port));
    env.remove("ORCH_SERVER__PORT");
    Process p = launch(env, "--config", file.toString());
    awaitHealthy(port, p);
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  @Test
  @DisplayName("the packaged server loads every tool plugin the build put into plugins/, as ./orch serve does")
  void servesBuiltPlugins() throws Exception {
    Path root = TestKernel.repoRoot();
    List<String> modules;
    try (var dirs = Files.list(root)) {
      modules = dirs.filter(d -> Files.exists(d.resolve(".orch-plugin"))).map(d -> d.getFileName().toString())
          .sorted().toList();
    }
    assertThat(modules).contains("tools-comfyui", "tools-file", "tools-git", "tools-ollama");
    modules.forEach(m -> assertThat(root.resolve("plugins").resolve(m + ".jar")).as("built by mvn package").exists());
    int port = freePort();
    Process p = launch(validEnv(port));
    awaitHealthy(port, p);
    post(port, "/api/auth/register", new JsonObject().put("email", "a@example.com").put("password", "password1"));
    String token = new JsonObject(post(port, "/api/auth/login", new JsonObject().put("email", "a@example.com")
        .put("password", "password1")).body()).getString("access_token");

    io.vertx.core.json.JsonArray services = new io.vertx.core.json.JsonArray(get(port, "/api/services", token).body());
    for (String module : modules) {
      JsonObject plugin = services.stream().map(JsonObject.class::cast)
          .filter(r -> (module + ".jar").equals(r.getJsonObject("details").getString("file"))).findFirst()
          .orElseThrow(() -> new AssertionError("no resource for " + module + " in " + services.encode()));
      assertThat(plugin.getString("status")).as(plugin.encode()).isEqualTo("online");
      assertThat(plugin.getJsonObject("details").getJsonArray("tools")).isNotEmpty();
    }
    assertThat(services.stream().map(JsonObject.class::cast).filter(r -> "plugin".equals(r.getString("category"))))
        .as("every jar in plugins/ serves").allSatisfy(r -> assertThat(r.getString("status")).as(r.encode())
            .isEqualTo("online"));
    List<String> tools = new io.vertx.core.json.JsonArray(get(port, "/api/tools", token).body()).stream()
        .map(t -> ((JsonObject) t).getString("name")).toList();
    assertThat(tools).contains("read_file", "write_file", "list_files", "edit_file", "git_status", "git_diff",
        "git_log", "local_llm", "generate_image");
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  @Test
  @DisplayName("a plugin that hangs at start delays startup only by plugins.start_timeout_sec, and the server still"
      + " stops with exit code 0")
  void hangingPlugin() throws Exception {
    Path plugins = data.resolve("plugins");
    dev.orch.kernel.testing.PluginJars.drop(dev.orch.kernel.testing.PluginJars.oneTool("sleepy", "sleepy_tool",
            "return Future.succeededFuture(\"zzz\");")
        .manifest("Plugin-Class", "test.sleepy.SleepyPlugin")
        .source("test.sleepy.SleepyPlugin", """
            package test.sleepy;
            public class SleepyPlugin extends org.pf4j.Plugin {
              @Override public void start() {
                while (true) {
                  try { Thread.sleep(60_000); } catch (InterruptedException e) { }
                }
              }
            }
            """).build(data), plugins, "sleepy.jar");
    int port = freePort();
    Map<String, String> env = new java.util.HashMap<>(validEnv(port));
    env.put("ORCH_PLUGINS_DIR", plugins.toString());
    env.put("ORCH_PLUGINS__START_TIMEOUT_SEC", "1");
    Process p = launch(env);
    awaitHealthy(port, p);
    assertThat(Files.readString(data.resolve("stdout.log"))).contains("plugin refused [plugin: sleepy");
    p.destroy();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the parked start thread keeps nothing alive").isTrue();
    assertThat(p.exitValue()).isZero();
  }

  private HttpResponse<String> get(int port, String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }
}
