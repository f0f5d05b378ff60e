package dev.orch.kernel.launcher;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster benchmark ({@code bench/cluster.sh}, figures in bench/README.md): for 1, 2 and 3
 * packaged servers started with {@code --cluster} on one PostgreSQL schema, the tasks per second of a
 * {@value #TASKS}-task project against local Anthropic-protocol servers answering after
 * {@value #LATENCY_MS} ms (one per node), and the authenticated API requests per second that
 * {@code wrk} gets from all nodes at once ({@code GET /api/projects}).
 */
public final class ClusterBench {
  static final int TASKS = 1_000;
  static final int LATENCY_MS = 5;
  static final int CONCURRENCY = 16;

  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String n : (args.length > 0 ? args[0] : "1,2,3").split(",")) {
      sizes.add(Integer.parseInt(n.trim()));
    }
    String wrkDuration = args.length > 1 ? args[1] : "10s";
    Path work = Files.createTempDirectory("orch-cluster-bench");
    StringBuilder table = new StringBuilder("| nodes | tasks/s | s for " + TASKS + " tasks | model calls per node"
        + " | API req/s (all nodes) | API p99 ms (worst node) |\n| --- | --- | --- | --- | --- | --- |\n");
    for (int n : sizes) {
      table.append(run(n, work.resolve("n" + n), wrkDuration)).append('\n');
      System.err.println(table);
    }
    System.out.println(table);
  }

  private static String run(int size, Path dir, String wrkDuration) throws Exception {
    PgTestDatabase pg = PgTestDatabase.create();
    Vertx vertx = Vertx.vertx();
    List<LocalAnthropicServer> models = new ArrayList<>();
    List<AtomicInteger> callsPerNode = new ArrayList<>();
    List<ServerProcess> nodes = new ArrayList<>();
    JsonObject plan = plan(new Random(5));
    String cluster = "orch-bench-" + Ids.hex(6);
    try {
      for (int i = 0; i < size; i++) {
        LocalAnthropicServer model = new LocalAnthropicServer(vertx);
        model.start().await(10, TimeUnit.SECONDS);
        AtomicInteger calls = new AtomicInteger();
        model.respondWith(r -> {
          if (!r.path().equals("/v1/messages")) {
            return null; // the monitor's probe: the protocol's default answer
          }
          if (String.valueOf(r.body().getValue("system")).contains("You are the planner")) {
            return LocalAnthropicServer.message("claude-sonnet-4-6", "end_turn", LocalAnthropicServer.usage(500, 300),
                LocalAnthropicServer.text(plan.encode()));
          }
          calls.incrementAndGet();
          return LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn",
              LocalAnthropicServer.usage(100, 50), LocalAnthropicServer.text("done")).after(LATENCY_MS);
        });
        models.add(model);
        callsPerNode.add(calls);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ORCH_DB_URL", pg.url());
        env.put("ORCH_CLUSTER__NAME", cluster);
        env.put("ANTHROPIC_BASE_URL", model.baseUrl());
        env.put("ANTHROPIC_API_KEY", LocalAnthropicServer.KEY);
        env.put("ORCH_SERVER__LOG_LEVEL", "WARN");
        env.put("ORCH_EXECUTION__VERIFICATION_ENABLED", "false");
        env.put("ORCH_EXECUTION__KNOWLEDGE_EXTRACTION_ENABLED", "false");
        env.put("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", String.valueOf(CONCURRENCY));
        env.put("ORCH_EXECUTION__MAX_CONCURRENT_PER_PROJECT", String.valueOf(CONCURRENCY));
        env.put("ORCH_BUDGET__DAILY_LIMIT_USD", "1000");
        env.put("ORCH_BUDGET__MONTHLY_LIMIT_USD", "10000");
        env.put("ORCH_BUDGET__PER_PROJECT_LIMIT_USD", "1000");
        env.put("ORCH_SERVER__RATE_LIMIT", "100000000/minute");
        ServerProcess node = new ServerProcess(dir.resolve("node-" + i), env, List.of("--cluster"));
        nodes.add(node);
        node.launch();
      }
      ServerProcess first = nodes.get(0);
      String token = first.signUp("bench@example.com");
      String projectId = first.post("/api/projects", new JsonObject().put("name", "bench").put("requirements", "r"),
          token).getString("id");
      String planId = first.post("/api/projects/" + projectId + "/plan", null, token).getString("plan_id");
      first.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
      // Let every node see the others before the clock starts.
      Thread.sleep(2_000);
      long started = System.nanoTime();
      first.post("/api/projects/" + projectId + "/execute", null, token);
      while (!"completed".equals(scalar(pg, "SELECT status FROM projects WHERE id = '" + projectId + "'"))) {
        Thread.sleep(20);
        if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
          throw new IllegalStateException("project not completed in 10 minutes");
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      List<Integer> calls = callsPerNode.stream().map(AtomicInteger::get).toList();

      double[] api = wrk(nodes, token, wrkDuration);
      return String.format(Locale.ROOT, "| %d | %.0f | %.1f | %s | %.0f | %.1f |", size, TASKS / seconds, seconds,
          calls, api[0], api[1]);
    } finally {
      nodes.forEach(ServerProcess::close);
      for (LocalAnthropicServer model : models) {
        model.stop().await(10, TimeUnit.SECONDS);
      }
      vertx.close().await(10, TimeUnit.SECONDS);
      pg.close();
    }
  }

  /** Wide: each task after at most one task ten places before it, so the cap, not the shape, limits. */
  private static JsonObject plan(Random shape) {
    JsonArray tasks = new JsonArray();
    for (int i = 0; i < TASKS; i++) {
      JsonArray deps = new JsonArray();
      if (i >= 10 && shape.nextInt(4) == 0) {
        deps.add(i - 10);
      }
      tasks.add(new JsonObject().put("title", "T" + i).put("description", "Do T" + i + ".").put("task_type", "code")
          .put("complexity", "simple").put("tools_needed", new JsonArray()).put("depends_on", deps));
    }
    return new JsonObject().put("summary", "cluster bench").put("tasks", tasks);
  }

  /**
   * {@code wrk} against every node at once, 16 connections and one thread each, after a 3 s warm-up:
   * the summed requests per second and the worst node's 99th percentile latency in ms.
   */
  private static double[] wrk(List<ServerProcess> nodes, String token, String duration) throws Exception {
    for (ServerProcess node : nodes) {
      start(node, token, "3s").waitFor();
    }
    List<Process> running = new ArrayList<>();
    for (ServerProcess node : nodes) {
      running.add(start(node, token, duration));
    }
    double total = 0;
    double p99 = 0;
    for (Process p : running) {
      String out;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        out = String.join("\n", r.lines().toList());
      }
      p.waitFor();
      Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(out);
      if (!rps.find()) {
        throw new IllegalStateException("no wrk figure in: " + out);
      }
      total += Double.parseDouble(rps.group(1));
      if (out.contains("Non-2xx")) {
        throw new IllegalStateException("wrk saw errors: " + out);
      }
      Matcher tail = Pattern.compile("99%\\s+([\\d.]+)(us|ms|s)").matcher(out);
      if (tail.find()) {
        double v = Double.parseDouble(tail.group(1));
        p99 = Math.max(p99, switch (tail.group(2)) {
          case "us" -> v / 1000;
          case "s" -> v * 1000;
          default -> v;
        });
      }
    }
    return new double[] {total, p99};
  }

  private static Process start(ServerProcess node, String token, String duration) throws Exception {
    return new ProcessBuilder("wrk", "-t1", "-c16", "-d" + duration, "--latency", "-H", "Authorization: Bearer " + token,
        node.base() + "/api/projects").redirectErrorStream(true).start();
  }

  private static String scalar(PgTestDatabase pg, String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.url()); ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
