package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three packaged servers started with {@code --cluster} on one PostgreSQL schema run one project of
 * {@value #TASKS} tasks against local Anthropic-protocol servers (one per node, so each call is known
 * by the node that made it), while the test kills a node, restarts every node in turn, or cuts the
 * database away for a while. Whatever happens, the project completes, each task completes once,
 * every answered call of a living node is recorded once, and spend plus live holds stays under the
 * limit.
 */
class ClusterFailoverIT {
  static final int TASKS = 60;
  static final int NODES = 3;
  static final double DAILY_LIMIT = 0.5;
  static final int OUTPUT_TOKENS = 50;
  static final int INPUT_BASE = 100;
  static final int LEASE_SECONDS = 6;

  @TempDir Path dir;
  PgTestDatabase pg;
  Vertx serverVertx;
  final List<LocalAnthropicServer> claude = new ArrayList<>();
  final List<ServerProcess> nodes = new ArrayList<>();
  final String clusterName = "orch-it-" + Ids.hex(6);
  final JsonObject plan = plan(new Random(11));
  final Random random = new Random(20261201);
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  /** How long the model takes to answer a task, from {@code answerMs} to twice that. */
  volatile int answerMs = 400;

  /** One task call a model server saw: its number (its input token count less the base) and node. */
  static final class Call {
    final int n;
    final int node;
    final String title;
    final long arrivedAt;
    volatile long answeredAt;

    Call(int n, int node, String title) {
      this.n = n;
      this.node = node;
      this.title = title;
      this.arrivedAt = System.nanoTime();
    }
  }

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final Map<Recorded, Call> byRequest = Collections.synchronizedMap(new IdentityHashMap<>());
  final AtomicInteger numbers = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    pg = PgTestDatabase.create();
    serverVertx = Vertx.vertx();
    for (int i = 0; i < NODES; i++) {
      LocalAnthropicServer server = new LocalAnthropicServer(serverVertx);
      server.start().await(10, TimeUnit.SECONDS);
      int node = i;
      server.respondWith(r -> respond(node, r));
      server.onAnswered(r -> {
        Call call = byRequest.get(r);
        if (call != null) {
          call.answeredAt = System.nanoTime();
        }
      });
      claude.add(server);
    }
  }

  @AfterEach
  void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
    nodes.forEach(ServerProcess::close);
    // The nodes' logs outlive the temporary folder, for a failure to be read.
    Path logs = Path.of("target", "cluster-logs", test.getTestMethod().map(m -> m.getName()).orElse("test"));
    java.nio.file.Files.createDirectories(logs);
    for (int i = 0; i < nodes.size(); i++) {
      try (var files = java.nio.file.Files.list(dir.resolve("node-" + i))) {
        for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
          java.nio.file.Files.copy(f, logs.resolve("node-" + i + "-" + f.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    for (LocalAnthropicServer server : claude) {
      server.stop().await(10, TimeUnit.SECONDS);
    }
    serverVertx.close().await(10, TimeUnit.SECONDS);
    if (pg != null) {
      pg.close();
    }
  }

  /** Starts the three nodes on {@code dbUrl}, one after the other. */
  private void startNodes(String dbUrl) throws Exception {
    for (int i = 0; i < NODES; i++) {
      Map<String, String> env = ServerProcess.againstClaude(claude.get(i).baseUrl(), Map.of());
      env.put("ORCH_DB_URL", dbUrl);
      env.put("ORCH_CLUSTER__NAME", clusterName);
      env.put("ORCH_CLUSTER__FAILURE_DETECTION_SEC", "4");
      env.put("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "6");
      env.put("ORCH_EXECUTION__MAX_CONCURRENT_PER_PROJECT", "6");
      env.put("ORCH_EXECUTION__LEASE_SECONDS", String.valueOf(LEASE_SECONDS));
      env.put("ORCH_EXECUTION__SHUTDOWN_GRACE_SECONDS", "15");
      env.put("ORCH_EXECUTION__RETRY_BACKOFF_BASE_SEC", "0.5");
      env.put("ORCH_EXECUTION__RETRY_BACKOFF_MAX_SEC", "2");
      env.put("ORCH_EXECUTION__RETRY_JITTER_SEC", "0.1");
      env.put("ORCH_BUDGET__DAILY_LIMIT_USD", String.valueOf(DAILY_LIMIT));
      env.put("ORCH_BUDGET__RESERVATION_TTL_SEC", "10");
      ServerProcess node = new ServerProcess(dir.resolve("node-" + i), env, List.of("--cluster"));
      nodes.add(node);
      node.launch();
    }
  }

  /** Ten layers of six tasks, each task after its predecessor in the layer before and up to two more. */
  private static JsonObject plan(Random shape) {
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < TASKS; i++) {
      Set<Integer> deps = new HashSet<>();
      if (i >= 6) {
        deps.add(i - 6);
        for (int d = 0; d < shape.nextInt(3); d++) {
          deps.add(shape.nextInt(i - i % 6));
        }
      }
      tasks.add(new JsonObject().put("title", "T" + i).put("description", "Do T" + i + ".").put("task_type", "code")
          .put("complexity", "simple").put("tools_needed", new JsonArray()).put("depends_on", new JsonArray(
              new ArrayList<>(deps))));
    }
    return new JsonObject().put("summary", "cluster failover").put("tasks", tasks);
  }

  private LocalAnthropicServer.Reply respond(int node, Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    if (String.valueOf(r.body().getValue("system")).contains("You are the planner")) {
      return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(500, 300),
          LocalAnthropicServer.text(plan.encode()));
    }
    var m = java.util.regex.Pattern.compile("Do (T\\d+)\\.").matcher(r.body().getJsonArray("messages").encode());
    Call call = new Call(numbers.incrementAndGet(), node, m.find() ? m.group(1) : "?");
    calls.add(call);
    byRequest.put(r, call);
    int delay;
    synchronized (random) {
      delay = answerMs + random.nextInt(answerMs);
    }
    return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn",
        LocalAnthropicServer.usage(INPUT_BASE + call.n, OUTPUT_TOKENS), LocalAnthropicServer.text("output of "
            + call.title)).after(delay);
  }

  // ---- driving the project ----

  /** Creates, plans, approves and executes the project on node 0; its id and the owner's token. */
  private String[] startProject() throws Exception {
    ServerProcess a = nodes.get(0);
    String token = a.signUp("owner@example.com");
    String projectId = a.post("/api/projects", new JsonObject().put("name", "failover").put("requirements", "r"),
        token).getString("id");
    String planId = a.post("/api/projects/" + projectId + "/plan", null, token).getString("plan_id");
    a.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
    return new String[] {projectId, token};
  }

  private void execute(String projectId, String token) throws Exception {
    nodes.get(1).post("/api/projects/" + projectId + "/execute", null, token);
  }

  private Connection db() throws java.sql.SQLException {
    return DriverManager.getConnection(pg.url());
  }

  private String scalar(String sql) throws java.sql.SQLException {
    try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private int completedTasks() throws java.sql.SQLException {
    return Integer.parseInt(scalar("SELECT COUNT(*) FROM tasks WHERE status = 'completed'"));
  }

  /** Spend plus live holds of today, as the budget sees them. */
  private double spendAndHolds() throws java.sql.SQLException {
    double now = System.currentTimeMillis() / 1000.0;
    return Double.parseDouble(scalar("SELECT COALESCE(SUM(total_cost_usd), 0) FROM budget_periods"
        + " WHERE period_type = 'daily'")) + Double.parseDouble(scalar(
        "SELECT COALESCE(SUM(amount_usd), 0) FROM budget_reservations WHERE expires_at > " + now));
  }

  /** Waits for the project to complete, checking spend plus holds all along; the highest seen. */
  private double awaitCompleted(String projectId, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    double highest = 0;
    while (System.currentTimeMillis() < deadline) {
      try {
        highest = Math.max(highest, spendAndHolds());
        if ("completed".equals(scalar("SELECT status FROM projects WHERE id = '" + projectId + "'"))) {
          return highest;
        }
      } catch (java.sql.SQLException unreachable) {
        // the database test cuts the nodes' path only; this one is direct, but keep polling anyway
      }
      ServerProcess.sleep(200);
    }
    throw new AssertionError("project not completed; tasks completed: " + completedTasks() + " of " + TASKS);
  }

  /**
   * The checks every scenario ends with: all tasks completed exactly once, no usage row twice, every
   * usage row an answered call, and the answered calls without a row only those of {@code died}
   * (answered to a node that was killed before it could record them).
   */
  private void assertNothingLostNorDoubled(Set<Integer> died) throws Exception {
    assertNothingLostNorDoubled(died, 0, 0);
  }

  /**
   * As {@link #assertNothingLostNorDoubled(Set)}; calls answered between {@code awayFrom} and
   * {@code awayUntil} (nano times) may lack a row too: their answer came while the database was away
   * (or just before, and was not stored yet), and the worker stopped before its lease ran out rather
   * than store it late.
   */
  private void assertNothingLostNorDoubled(Set<Integer> died, long awayFrom, long awayUntil) throws Exception {
    assertThat(completedTasks()).isEqualTo(TASKS);
    assertThat(scalar("SELECT COUNT(*) FROM (SELECT task_id FROM task_events WHERE event_type = 'task_complete'"
        + " GROUP BY task_id HAVING COUNT(*) > 1) twice")).as("tasks completed twice").isEqualTo("0");
    Set<Integer> recorded = new HashSet<>();
    int duplicates = 0;
    try (Connection c = db(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT prompt_tokens FROM usage_log WHERE purpose = 'execution'")) {
      while (rs.next()) {
        if (!recorded.add(rs.getInt(1) - INPUT_BASE)) {
          duplicates++;
        }
      }
    }
    assertThat(duplicates).as("an answered call recorded twice").isZero();
    List<Call> answered = calls.stream().filter(call -> call.answeredAt > 0).toList();
    Set<Integer> answeredNumbers = new HashSet<>();
    answered.forEach(call -> answeredNumbers.add(call.n));
    assertThat(answeredNumbers).as("every usage row is an answered call").containsAll(recorded);
    List<String> unrecorded = answered.stream().filter(call -> !recorded.contains(call.n))
        .filter(call -> !died.contains(call.node))
        .filter(call -> !(call.answeredAt >= awayFrom && call.answeredAt <= awayUntil))
        .map(call -> call.title + " on node " + call.node).toList();
    assertThat(unrecorded).as("answered calls of living nodes without a usage row").isEmpty();
  }

  // ---- an SSE client ----

  /** Reads one project's event stream from a node, on its own thread, collecting the event ids. */
  final class SseReader {
    final List<Long> ids = new CopyOnWriteArrayList<>();
    volatile boolean ended;
    volatile boolean completed;
    private Thread thread;

    void open(ServerProcess node, String projectId, String sseToken, long after) {
      ended = false;
      thread = new Thread(() -> {
        try {
          HttpRequest req = HttpRequest.newBuilder(URI.create(node.base() + "/api/events/" + projectId + "?token="
              + URLEncoder.encode(sseToken, StandardCharsets.UTF_8))).header("Last-Event-ID", String.valueOf(after))
              .GET().build();
          HttpResponse<java.util.stream.Stream<String>> res = http.send(req, HttpResponse.BodyHandlers.ofLines());
          res.body().forEach(line -> {
            if (line.startsWith("id: ")) {
              ids.add(Long.parseLong(line.substring(4).trim()));
            } else if (line.equals("event: project_complete")) {
              completed = true;
            }
          });
        } catch (Exception closed) {
          // the node died under the stream
        } finally {
          ended = true;
        }
      }, "sse-reader");
      thread.setDaemon(true);
      thread.start();
    }

    long last() {
      return ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
    }

    void awaitEnd(long timeoutMs) throws InterruptedException {
      thread.join(timeoutMs);
    }
  }

  // ---- scenarios ----

  @Test
  @DisplayName("SIGKILL of a node mid-run: the project completes, nothing twice, nothing lost, SSE resumes on another node without a gap")
  void nodeKilledMidRun() throws Exception {
    answerMs = 400;
    startNodes(pg.url());
    String[] started = startProject();
    String projectId = started[0];
    String token = started[1];
    // A stream on every node: whichever node is killed, one client was connected to it.
    List<SseReader> streams = new ArrayList<>();
    for (ServerProcess node : nodes) {
      SseReader sse = new SseReader();
      sse.open(node, projectId, node.post("/api/events/" + projectId + "/token", null, token).getString("token"), 0);
      streams.add(sse);
    }
    ServerProcess.sleep(500);
    execute(projectId, token);

    // Kill the node with the most calls in flight, a third of the way through.
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline && (completedTasks() < TASKS / 3 || inFlight(busiest()) == 0)) {
      ServerProcess.sleep(20);
    }
    int victim = busiest();
    assertThat(inFlight(victim)).as("the victim had calls in flight; completed %d, calls per node %s",
        completedTasks(), callsPerNode()).isPositive();
    double highest = spendAndHolds();
    nodes.get(victim).kill();
    SseReader sse = streams.get(victim);
    sse.awaitEnd(10_000);
    assertThat(sse.ended).as("the stream on the dead node ended").isTrue();
    long resumeAfter = sse.last();
    assertThat(resumeAfter).as("events seen before the kill").isPositive();

    ServerProcess other = nodes.get((victim + 1) % NODES);
    sse.open(other, projectId, other.post("/api/events/" + projectId + "/token", null, token).getString("token"),
        resumeAfter);
    highest = Math.max(highest, awaitCompleted(projectId, 120_000));
    sse.awaitEnd(15_000);

    assertNothingLostNorDoubled(Set.of(victim));
    assertThat(highest).as("spend + live holds, sampled through the run").isLessThanOrEqualTo(DAILY_LIMIT);
    long streamed = Long.parseLong(scalar("SELECT MAX(seq) FROM task_events WHERE project_id = '" + projectId + "'"));
    assertThat(sse.completed).as("the stream saw the project complete").isTrue();
    assertThat(sse.ids).as("event ids across the reconnect: every one, once, in order")
        .containsExactlyElementsOf(LongStream.rangeClosed(1, streamed).boxed().toList());
  }

  /** The node with the most model calls in flight now. */
  private int busiest() {
    int best = 0;
    for (int i = 1; i < NODES; i++) {
      if (inFlight(i) > inFlight(best)) {
        best = i;
      }
    }
    return best;
  }

  @Test
  @DisplayName("a rolling restart of all three nodes (SIGTERM, start again, one at a time) during a run fails no task")
  void rollingRestart() throws Exception {
    answerMs = 3_000;
    startNodes(pg.url());
    String[] started = startProject();
    String projectId = started[0];
    execute(projectId, started[1]);
    ServerProcess.sleep(2_000);
    double highest = 0;
    int completedAtLastStop = 0;
    for (ServerProcess node : nodes) {
      completedAtLastStop = completedTasks();
      node.terminate(60);
      highest = Math.max(highest, spendAndHolds());
      node.launch();
    }
    highest = Math.max(highest, awaitCompleted(projectId, 180_000));

    assertThat(completedAtLastStop).as("the last node stopped while the project ran").isLessThan(TASKS);
    assertNothingLostNorDoubled(Set.of());
    assertThat(scalar("SELECT COUNT(*) FROM task_events WHERE event_type IN ('task_failed', 'task_retry')"))
        .as("failed or retried tasks").isEqualTo("0");
    assertThat(highest).isLessThanOrEqualTo(DAILY_LIMIT);
  }

  @Test
  @DisplayName("the database away for 20 s mid-run: nodes say they are not ready, then recover by themselves; the run completes, nothing lost")
  void databaseAway() throws Exception {
    answerMs = 400;
    var target = java.util.regex.Pattern.compile("//([^/:?]+):(\\d+)/").matcher(pg.url());
    assertThat(target.find()).as(pg.url()).isTrue();
    try (TcpProxy proxy = new TcpProxy(target.group(1), Integer.parseInt(target.group(2)))) {
      startNodes(pg.url().replace("//" + target.group(1) + ":" + target.group(2) + "/",
          "//127.0.0.1:" + proxy.port() + "/"));
      String[] started = startProject();
      String projectId = started[0];
      execute(projectId, started[1]);
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline && completedTasks() < TASKS / 3) {
        ServerProcess.sleep(20);
      }
      assertThat(completedTasks()).as("the run got going").isLessThan(TASKS);

      long awayFrom = System.nanoTime();
      proxy.cut();
      ServerProcess.sleep(5_000);
      int completedWhileAway = completedTasks();
      for (ServerProcess node : nodes) {
        assertThat(node.get("/api/health", null).statusCode()).as("still answers").isEqualTo(200);
        var ready = node.get("/api/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        assertThat(new JsonObject(ready.body()).getBoolean("database")).isFalse();
      }
      ServerProcess.sleep(15_000);
      assertThat(completedTasks()).as("nothing completes while the database is away").isEqualTo(completedWhileAway);
      proxy.restore();
      long awayUntil = System.nanoTime();

      double highest = awaitCompleted(projectId, 120_000);
      for (ServerProcess node : nodes) {
        // A load balancer asks again: within a few probes every node has replaced its dead connections.
        var ready = node.get("/api/health/ready", null);
        for (long until = System.currentTimeMillis() + 10_000; ready.statusCode() != 200
            && System.currentTimeMillis() < until; ready = node.get("/api/health/ready", null)) {
          ServerProcess.sleep(500);
        }
        assertThat(ready.statusCode()).as("ready again: " + ready.body()).isEqualTo(200);
      }
      assertNothingLostNorDoubled(Set.of(), awayFrom - 2_000_000_000L, awayUntil + 2_000_000_000L);
      assertThat(highest).isLessThanOrEqualTo(DAILY_LIMIT);
    }
  }

  private Map<Integer, Long> callsPerNode() {
    return calls.stream().collect(java.util.stream.Collectors.groupingBy(c -> c.node,
        java.util.stream.Collectors.counting()));
  }

  private int inFlight(int node) {
    return (int) calls.stream().filter(c -> c.node == node && c.answeredAt == 0).count();
  }
}
