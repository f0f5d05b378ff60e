package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a separate process, killed with SIGKILL in the middle of a run and restarted on the
 * same data folder: the project finishes, no completed task is sent to the model again, and every
 * call the model answered is recorded exactly once.
 */
class CrashRecoveryIT {
  @TempDir Path data;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build();
  final List<Process> processes = new ArrayList<>();
  /** Task title → times its request arrived (System.nanoTime). */
  final Map<String, List<Long>> requests = new ConcurrentHashMap<>();
  int port;

  static final JsonObject PLAN = new JsonObject().put("summary", "crash test").put("tasks", new JsonArray()
      .add(task("T0")).add(task("T1")).add(task("T2", 0)).add(task("T3", 1)).add(task("T4", 2, 3))
      .add(task("T5", 4)).add(task("T6")).add(task("T7", 6)).add(task("T8", 7)).add(task("T9", 5, 8)));

  static JsonObject task(String title, Integer... deps) {
    return new JsonObject().put("title", title).put("description", "Do " + title + ".").put("task_type", "code")
        .put("complexity", "simple").put("tools_needed", new JsonArray()).put("depends_on", new JsonArray(List.of(deps)));
  }

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(r -> {
      if (!r.path().equals("/v1/messages")) {
        return null;
      }
      String system = String.valueOf(r.body().getValue("system"));
      if (system.contains("You are the planner")) {
        return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(500, 300),
            LocalAnthropicServer.text(PLAN.encode()));
      }
      var m = java.util.regex.Pattern.compile("Do (T\\d+)\\.").matcher(r.body().getJsonArray("messages").encode());
      String title = m.find() ? m.group(1) : "?";
      requests.computeIfAbsent(title, t -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
      return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn", LocalAnthropicServer.usage(100, 50),
          LocalAnthropicServer.text("output of " + title)).after(250);
    });
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
  }

  @AfterEach
  void stop() throws Exception {
    processes.forEach(Process::destroyForcibly);
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  private Process launch() throws IOException, InterruptedException {
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
        System.getProperty("orch.kernel.jar"), "serve");
    ProcessBuilder pb = new ProcessBuilder(command).directory(TestKernel.repoRoot().toFile())
        .redirectOutput(data.resolve("stdout-" + processes.size() + ".log").toFile())
        .redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_") || k.startsWith("ANTHROPIC_"));
    pb.environment().putAll(Map.ofEntries(
        Map.entry("ORCH_DATA_DIR", data.resolve("data").toString()),
        Map.entry("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET),
        Map.entry("ORCH_AUTH__BCRYPT_COST", "4"),
        Map.entry("ORCH_SERVER__PORT", String.valueOf(port)),
        Map.entry("ORCH_SERVER__HOST", "127.0.0.1"),
        Map.entry("ORCH_SERVER__LOG_FORMAT", "text"),
        Map.entry("ORCH_SERVER__RATE_LIMIT", "100000/minute"),
        Map.entry("ANTHROPIC_BASE_URL", claude.baseUrl()),
        Map.entry("ANTHROPIC_API_KEY", LocalAnthropicServer.KEY),
        Map.entry("ORCH_EXECUTION__VERIFICATION_ENABLED", "false"),
        Map.entry("ORCH_EXECUTION__KNOWLEDGE_EXTRACTION_ENABLED", "false"),
        Map.entry("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "2"),
        Map.entry("ORCH_EXECUTION__SAFETY_TICK_SEC", "0.5"),
        Map.entry("ORCH_MODEL_RETRY", "{\"max_retries\": 0, \"base_delay_ms\": 10, \"max_delay_ms\": 10}")));
    Process p = pb.start();
    processes.add(p);
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(p.isAlive()).as("server exited early").isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base() + "/api/health")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return p;
        }
      } catch (IOException notYet) {
        sleep(200);
      }
    }
    throw new AssertionError("server not healthy");
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  private JsonObject post(String path, JsonObject body, String token) throws Exception {
    var req = HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body.encode()));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    var res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(path + " " + res.body()).isLessThan(300);
    return new JsonObject(res.body());
  }

  private String db() {
    return "jdbc:sqlite:" + data.resolve("data").resolve("orchestration.db");
  }

  private Set<String> completedTitles() throws Exception {
    Set<String> out = new HashSet<>();
    try (Connection c = DriverManager.getConnection(db());
        ResultSet rs = c.createStatement().executeQuery("SELECT title FROM tasks WHERE status = 'completed'")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private String scalar(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(db()); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  @DisplayName("after SIGKILL mid-run and a restart, the project finishes without re-running completed tasks or losing a bill")
  void killAndRestart() throws Exception {
    Process first = launch();
    JsonObject account = new JsonObject().put("email", "a@example.com").put("password", "password1");
    post("/api/auth/register", account, null);
    String token = post("/api/auth/login", account, null).getString("access_token");
    String projectId = post("/api/projects", new JsonObject().put("name", "crash").put("requirements", "r"), token)
        .getString("id");
    String planId = post("/api/projects/" + projectId + "/plan", null, token).getString("plan_id");
    post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
    try (Connection c = DriverManager.getConnection(db())) {
      c.createStatement().executeUpdate("UPDATE projects SET status = 'executing' WHERE id = '" + projectId + "'");
    }

    long deadline = System.currentTimeMillis() + 60_000;
    while (completedTitles().size() < 4 && System.currentTimeMillis() < deadline) {
      sleep(50);
    }
    assertThat(completedTitles().size()).isGreaterThanOrEqualTo(4);
    // Freeze the model so no answer is in transit, let the server record what it has, then kill it.
    claude.latency(60_000);
    sleep(400);
    Set<String> doneBeforeKill = completedTitles();
    int usageBeforeKill = Integer.parseInt(scalar("SELECT COUNT(*) FROM usage_log"));
    long killedAt = System.nanoTime();
    first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    claude.latency(0);

    launch();
    deadline = System.currentTimeMillis() + 90_000;
    while (!"completed".equals(scalar("SELECT status FROM projects WHERE id = '" + projectId + "'"))
        && System.currentTimeMillis() < deadline) {
      sleep(100);
    }
    assertThat(scalar("SELECT status FROM projects WHERE id = '" + projectId + "'")).isEqualTo("completed");
    assertThat(completedTitles()).hasSize(10);
    for (String title : doneBeforeKill) {
      assertThat(requests.get(title)).as(title + " was completed before the kill; requests after it")
          .allMatch(t -> t < killedAt);
    }
    // Every answered call is one usage row: the planning call plus one per delivered task answer.
    int answered = requests.values().stream().mapToInt(List::size).sum();
    int inFlightAtKill = (int) requests.values().stream().flatMap(List::stream)
        .filter(t -> t < killedAt).count() - (usageBeforeKill - 1);
    assertThat(inFlightAtKill).as("calls in flight when the process died").isPositive();
    assertThat(Integer.parseInt(scalar("SELECT COUNT(*) FROM usage_log WHERE purpose = 'planning'"))).isEqualTo(1);
    assertThat(Integer.parseInt(scalar("SELECT COUNT(*) FROM usage_log WHERE purpose = 'execution'")))
        .as("answered calls (%d) minus the ones frozen at the kill (%d), each recorded once", answered, inFlightAtKill)
        .isEqualTo(answered - inFlightAtKill);
    assertThat(scalar("SELECT COUNT(*) - COUNT(DISTINCT call_id) FROM usage_log")).isEqualTo("0");
    assertThat(Double.parseDouble(scalar("SELECT total_cost_usd FROM budget_periods WHERE period_type = 'daily'")))
        .isEqualTo(Double.parseDouble(scalar("SELECT SUM(cost_usd) FROM usage_log")), org.assertj.core.data.Offset.offset(1e-9));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
