package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server killed with SIGKILL at random moments of a running project, model calls in flight, and
 * at the instants a request reaches the model or an answer leaves it; started again each time on the
 * same SQLite file. After every kill, read from the dead server's
 * file: the database is intact; every task whose request had reached the model was durably claimed,
 * with its budget hold, and every task it depended on durably completed; spend plus live holds is
 * within the limit. At the end: the project completed; no task completed before a kill was sent to
 * the model after it; every usage row is one answered call, recorded once, and the answered calls
 * without a row are exactly those answered by a process that died before it could record them.
 * {@code -Dorch.faults.kills} sets the number of kills (10 in the suite; {@code bench/faults.sh} runs more);
 * the figures go to {@code target/fault-injection.md}.
 */
class FaultInjectionIT {
  static final int KILLS = Integer.getInteger("orch.faults.kills", 10);
  static final int TASKS = 240;
  static final double DAILY_LIMIT = 0.5;
  /** Haiku: $1 in, $5 out per million tokens. */
  static final double IN_PRICE = 1e-6;
  static final double OUT_PRICE = 5e-6;
  static final int OUTPUT_TOKENS = 50;
  static final int INPUT_BASE = 100;

  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  ServerProcess server;
  final Random random = new Random(20261201);
  final Map<String, List<String>> dependsOn = new HashMap<>();
  final JsonObject plan = plan(new Random(7));

  /** One task call the model server saw: its number (which is its input token count less the base). */
  static final class Call {
    final int n;
    final String title;
    final long arrivedAt;
    volatile long answeredAt;

    Call(int n, String title, long arrivedAt) {
      this.n = n;
      this.title = title;
      this.arrivedAt = arrivedAt;
    }
  }

  final List<Call> calls = new CopyOnWriteArrayList<>();
  /**
   * Where the next kill strikes, when not at a random moment: the instant a task's request reaches the
   * model (a request that left before its claim was durable is then caught), or the instant an answer
   * has left (the spend is not recorded yet).
   */
  enum Moment { RANDOM, ON_REQUEST, ON_ANSWER }

  volatile Moment armed = Moment.RANDOM;
  volatile long struckAt;
  final Map<Recorded, Call> byRequest = Collections.synchronizedMap(new IdentityHashMap<>());
  final AtomicInteger numbers = new AtomicInteger();

  /** What a kill left on disk. */
  record Kill(long at, Set<String> completed, int inFlight) {}

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(this::respond);
    claude.onAnswered(r -> {
      Call call = byRequest.get(r);
      if (call != null) {
        call.answeredAt = System.nanoTime();
        strike(Moment.ON_ANSWER);
      }
    });
    server = new ServerProcess(dir, ServerProcess.againstClaude(claude.baseUrl(), Map.ofEntries(
        Map.entry("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "4"),
        Map.entry("ORCH_EXECUTION__MAX_CONCURRENT_PER_PROJECT", "4"),
        Map.entry("ORCH_BUDGET__DAILY_LIMIT_USD", String.valueOf(DAILY_LIMIT)),
        Map.entry("ORCH_BUDGET__RESERVATION_TTL_SEC", "5"))));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Layers of tasks, each depending on up to three tasks of earlier layers. */
  private JsonObject plan(Random shape) {
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < TASKS; i++) {
      JsonArray deps = new JsonArray();
      String title = "T" + i;
      List<String> depTitles = new ArrayList<>();
      if (i >= 8) {
        Set<Integer> picked = new HashSet<>();
        for (int d = 0; d < 1 + shape.nextInt(3); d++) {
          picked.add(Math.max(0, i - 8 - shape.nextInt(Math.min(i - 7, 24))));
        }
        picked.forEach(deps::add);
        picked.forEach(p -> depTitles.add("T" + p));
      }
      dependsOn.put(title, depTitles);
      tasks.add(new JsonObject().put("title", title).put("description", "Do " + title + ".").put("task_type", "code")
          .put("complexity", "simple").put("tools_needed", new JsonArray()).put("depends_on", deps));
    }
    return new JsonObject().put("summary", "fault injection").put("tasks", tasks);
  }

  private LocalAnthropicServer.Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    if (String.valueOf(r.body().getValue("system")).contains("You are the planner")) {
      return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(500, 300),
          LocalAnthropicServer.text(plan.encode()));
    }
    var m = java.util.regex.Pattern.compile("Do (T\\d+)\\.").matcher(r.body().getJsonArray("messages").encode());
    Call call = new Call(numbers.incrementAndGet(), m.find() ? m.group(1) : "?", System.nanoTime());
    calls.add(call);
    byRequest.put(r, call);
    strike(Moment.ON_REQUEST);
    // The input token count names the call, so a usage row tells which answer it recorded.
    return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn",
        LocalAnthropicServer.usage(INPUT_BASE + call.n, OUTPUT_TOKENS), LocalAnthropicServer.text("output of "
            + call.title)).after(100 + random.nextInt(600));
  }

  @Test
  @DisplayName("SIGKILL at random moments with calls in flight loses no spend, re-runs no completed task, breaks no limit")
  void killedAtRandomMoments() throws Exception {
    server.launch();
    String token = server.signUp("a@example.com");
    String projectId = server.post("/api/projects", new JsonObject().put("name", "faults").put("requirements", "r"),
        token).getString("id");
    String planId = server.post("/api/projects/" + projectId + "/plan", null, token).getString("plan_id");
    server.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
    server.post("/api/projects/" + projectId + "/execute", null, token);

    List<Kill> kills = new ArrayList<>();
    long lifeStarted = System.nanoTime();
    for (int k = 0; k < KILLS && !completed(projectId); k++) {
      Moment moment = Moment.values()[k % 3];
      ServerProcess.sleep(300 + random.nextInt(1200));
      long at;
      int inFlight;
      if (moment == Moment.RANDOM) {
        long deadline = System.currentTimeMillis() + 2_000;
        while (inFlight(lifeStarted) == 0 && System.currentTimeMillis() < deadline) {
          ServerProcess.sleep(10); // a kill while the model has work is the interesting one
        }
        inFlight = inFlight(lifeStarted);
        server.kill();
        at = System.nanoTime();
      } else {
        struckAt = 0;
        armed = moment;
        server.awaitKilled();
        at = struckAt;
        inFlight = inFlight(lifeStarted);
      }
      kills.add(new Kill(at, checkAfterKill(lifeStarted, at), inFlight));
      server.launch();
      lifeStarted = System.nanoTime();
    }
    long deadline = System.currentTimeMillis() + 180_000;
    while (!completed(projectId) && System.currentTimeMillis() < deadline) {
      ServerProcess.sleep(200);
    }

    assertThat(server.scalar("SELECT status FROM projects WHERE id = '" + projectId + "'")).isEqualTo("completed");
    assertThat(server.scalar("SELECT COUNT(*) FROM tasks WHERE status = 'completed'")).isEqualTo(String.valueOf(TASKS));
    assertThat(kills).hasSizeGreaterThanOrEqualTo(Math.min(KILLS, 10));
    for (Kill kill : kills) {
      for (Call call : calls) {
        if (call.arrivedAt > kill.at()) {
          assertThat(kill.completed()).as("%s was completed before a kill, yet sent to the model after it", call.title)
              .doesNotContain(call.title);
        }
      }
    }
    Usage usage = usage();
    List<Call> answered = calls.stream().filter(c -> c.answeredAt > 0).toList();
    assertThat(usage.duplicates()).as("a call recorded twice").isZero();
    Set<Integer> answeredNumbers = new HashSet<>();
    answered.forEach(c -> answeredNumbers.add(c.n));
    assertThat(answeredNumbers).as("every usage row is an answered call").containsAll(usage.numbers());
    List<Call> unrecorded = answered.stream().filter(c -> !usage.numbers().contains(c.n)).toList();
    for (Call call : unrecorded) {
      // The process that made the call died before it could record the answer: the answer came shortly
      // before the kill, or after it (to a caller already gone).
      assertThat(kills).as("%s (call %d) answered but not recorded: only a process that died may leave that",
          call.title, call.n).anyMatch(kill -> call.arrivedAt < kill.at() && kill.at() - call.answeredAt < 5_000_000_000L);
    }
    assertThat(Double.parseDouble(server.scalar("SELECT COALESCE(SUM(total_cost_usd), 0) FROM budget_periods"
        + " WHERE period_type = 'daily'"))).isCloseTo(usage.cost(), org.assertj.core.data.Offset.offset(1e-9));
    double billed = answered.stream().mapToDouble(c -> (INPUT_BASE + c.n) * IN_PRICE + OUTPUT_TOKENS * OUT_PRICE).sum()
        + 500 * 3e-6 + 300 * 15e-6;
    assertThat(billed).as("everything the model server answered, priced").isLessThanOrEqualTo(DAILY_LIMIT);

    String figures = String.format(java.util.Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d | %.4f |%n",
        kills.size(), kills.stream().filter(kill -> kill.inFlight() > 0).count(),
        kills.stream().mapToInt(Kill::inFlight).sum(), calls.size(), answered.size(), usage.numbers().size(),
        unrecorded.size(), billed);
    System.out.println("fault injection: kills, kills with calls in flight, calls in flight at kills, requests,"
        + " answered, usage rows, answered but unrecorded (died before recording), billed USD\n" + figures);
    Files.writeString(Path.of("target", "fault-injection.md"), figures);
  }

  /** Kills the server now when a kill is armed for this moment. */
  private synchronized void strike(Moment moment) {
    if (armed == moment) {
      armed = Moment.RANDOM;
      server.killNow();
      struckAt = System.nanoTime();
    }
  }

  private boolean completed(String projectId) throws Exception {
    return "completed".equals(server.scalar("SELECT status FROM projects WHERE id = '" + projectId + "'"));
  }

  /** Calls of the current life the model server has not answered yet. */
  private int inFlight(long lifeStarted) {
    return (int) calls.stream().filter(c -> c.arrivedAt >= lifeStarted && c.answeredAt == 0).count();
  }

  /**
   * Checks the dead server's file; returns the tasks it shows completed. Calls of the life that just
   * ended must each have a durable claim (the task running with a budget hold, or completed) whose
   * dependencies are durably completed.
   */
  private Set<String> checkAfterKill(long lifeStarted, long killedAt) throws Exception {
    assertThat(server.scalar("PRAGMA integrity_check")).isEqualTo("ok");
    Map<String, String> status = new HashMap<>();
    Set<String> held = new HashSet<>();
    try (Connection c = server.db()) {
      try (ResultSet rs = c.createStatement().executeQuery("SELECT title, status FROM tasks")) {
        while (rs.next()) {
          status.put(rs.getString(1), rs.getString(2));
        }
      }
      try (ResultSet rs = c.createStatement().executeQuery("SELECT t.title FROM budget_reservations r"
          + " JOIN tasks t ON t.id = r.task_id")) {
        while (rs.next()) {
          held.add(rs.getString(1));
        }
      }
    }
    for (Call call : calls) {
      if (call.arrivedAt < lifeStarted || call.arrivedAt > killedAt) {
        continue;
      }
      String s = status.get(call.title);
      assertThat(s).as("%s reached the model before the kill: its claim must be durable", call.title)
          .isIn("running", "completed");
      if (s.equals("running") && call.answeredAt == 0) {
        assertThat(held).as("%s is in flight: its budget hold must be durable", call.title).contains(call.title);
      }
      for (String dep : dependsOn.get(call.title)) {
        assertThat(status.get(dep)).as("%s reached the model: its dependency %s must be durably completed",
            call.title, dep).isEqualTo("completed");
      }
    }
    double now = System.currentTimeMillis() / 1000.0;
    double spent = Double.parseDouble(server.scalar("SELECT COALESCE(SUM(total_cost_usd), 0) FROM budget_periods"
        + " WHERE period_type = 'daily'"));
    double reserved = Double.parseDouble(server.scalar("SELECT COALESCE(SUM(amount_usd), 0) FROM budget_reservations"
        + " WHERE expires_at > " + now));
    assertThat(spent + reserved).as("spend + live holds").isLessThanOrEqualTo(DAILY_LIMIT);
    Set<String> completed = new HashSet<>();
    status.forEach((title, s) -> {
      if (s.equals("completed")) {
        completed.add(title);
      }
    });
    return completed;
  }

  /** The execution usage rows: which calls they recorded (by input tokens), duplicates, cost. */
  record Usage(Set<Integer> numbers, int duplicates, double cost) {}

  private Usage usage() throws Exception {
    Set<Integer> numbers = new HashSet<>();
    int duplicates = 0;
    try (Connection c = server.db(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT prompt_tokens FROM usage_log WHERE purpose = 'execution'")) {
      while (rs.next()) {
        if (!numbers.add(rs.getInt(1) - INPUT_BASE)) {
          duplicates++;
        }
      }
    }
    double cost = Double.parseDouble(server.scalar("SELECT COALESCE(SUM(cost_usd), 0) FROM usage_log"));
    return new Usage(numbers, duplicates, cost);
  }
}
