package dev.orch.kernel.bench;

import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Measures the executor against the local Anthropic-protocol server (bench/README.md):
 * makespan over its lower bound, orchestration overhead per task, and the time from a dependency's
 * completion to its dependant's dispatch. Run with {@code bench/run.sh}.
 */
public final class ExecutorBench {
  private static final Pattern TITLE = Pattern.compile("Do T(\\d+)\\.");

  /** How the simulated rule breaks ties among ready tasks with equally long chains. */
  enum Tie { PLAN_ORDER, SUCCESSORS, DESCENDANTS }

  /** One generated DAG: durations in ms and dependencies (task → earlier tasks). */
  record Dag(String shape, long[] durationMs, List<int[]> deps) {
    int size() {
      return durationMs.length;
    }

    /** max(critical path, total work / concurrency), in ms. */
    double lowerBound(int concurrency) {
      int n = size();
      double[] finish = new double[n];
      List<List<Integer>> preds = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        preds.add(new ArrayList<>());
      }
      deps.forEach(e -> preds.get(e[0]).add(e[1]));
      double critical = 0;
      for (int i = 0; i < n; i++) {
        double start = 0;
        for (int p : preds.get(i)) {
          start = Math.max(start, finish[p]);
        }
        finish[i] = start + durationMs[i];
        critical = Math.max(critical, finish[i]);
      }
      double work = Arrays.stream(durationMs).sum();
      return Math.max(critical, work / concurrency);
    }

    /**
     * The makespan of the executor's own rule with no overhead at all: whenever a slot is free, the
     * ready task with the most tasks on its longest chain to the end goes first, then the lowest
     * index (the plan's priority). What the rule itself costs against the lower bound.
     */
    double listSchedule(int concurrency) {
      return listSchedule(concurrency, Tie.PLAN_ORDER);
    }

    /** The same rule with another tie-break among tasks with equally long chains. */
    double listSchedule(int concurrency, Tie tie) {
      int n = size();
      List<List<Integer>> succ = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        succ.add(new ArrayList<>());
      }
      int[] waiting = new int[n];
      deps.forEach(e -> {
        succ.get(e[1]).add(e[0]);
        waiting[e[0]]++;
      });
      List<java.util.BitSet> descendants = new ArrayList<>(java.util.Collections.nCopies(n, new java.util.BitSet()));
      int[] chain = new int[n];
      for (int i = n - 1; i >= 0; i--) { // dependencies point to earlier tasks: reverse index order is topological
        chain[i] = 1;
        for (int s : succ.get(i)) {
          chain[i] = Math.max(chain[i], 1 + chain[s]);
        }
      }
      int[] weight = new int[n]; // the tie-break: more first
      for (int i = n - 1; i >= 0; i--) {
        switch (tie) {
          case SUCCESSORS -> weight[i] = succ.get(i).size();
          case DESCENDANTS -> {
            java.util.BitSet below = new java.util.BitSet(n);
            for (int s : succ.get(i)) {
              below.set(s);
              below.or(descendants.get(s));
            }
            descendants.set(i, below);
            weight[i] = below.cardinality();
          }
          default -> weight[i] = 0;
        }
      }
      var ready = new java.util.PriorityQueue<Integer>((a, b) -> chain[a] != chain[b] ? chain[b] - chain[a]
          : weight[a] != weight[b] ? weight[b] - weight[a] : a - b);
      var running = new java.util.PriorityQueue<double[]>((a, b) -> Double.compare(a[0], b[0]));
      for (int i = 0; i < n; i++) {
        if (waiting[i] == 0) {
          ready.add(i);
        }
      }
      double now = 0;
      int done = 0;
      while (done < n) {
        while (running.size() < concurrency && !ready.isEmpty()) {
          int t = ready.poll();
          running.add(new double[] {now + durationMs[t], t});
        }
        double[] next = running.poll();
        now = next[0];
        done++;
        for (int s : succ.get((int) next[1])) {
          if (--waiting[s] == 0) {
            ready.add(s);
          }
        }
      }
      return now;
    }
  }

  /** Layers of about sqrt(n) tasks; each task depends on 1-3 tasks of the layer before. */
  static Dag layered(int n, Random rnd, double medianMs) {
    int width = Math.max(2, (int) Math.round(Math.sqrt(n)));
    List<int[]> deps = new ArrayList<>();
    for (int i = width; i < n; i++) {
      int layerStart = (i / width - 1) * width;
      java.util.Set<Integer> chosen = new java.util.TreeSet<>();
      int k = 1 + rnd.nextInt(3);
      for (int j = 0; j < k; j++) {
        chosen.add(layerStart + rnd.nextInt(width));
      }
      for (int d : chosen) {
        deps.add(new int[] {i, d});
      }
    }
    return new Dag("layered", durations(n, rnd, medianMs), deps);
  }

  /** Random DAG: each task depends on each earlier task with probability 2/n (about two deps on average). */
  static Dag random(int n, Random rnd, double medianMs) {
    List<int[]> deps = new ArrayList<>();
    double p = Math.min(1.0, 2.0 / n);
    for (int i = 1; i < n; i++) {
      for (int j = Math.max(0, i - 60); j < i; j++) {
        if (rnd.nextDouble() < p * Math.min(n, 60) / Math.min(i, 60) / 2) {
          deps.add(new int[] {i, j});
        }
      }
    }
    return new Dag("random", durations(n, rnd, medianMs), deps);
  }

  /** Lognormal task times with the given median and sigma 0.8. */
  static long[] durations(int n, Random rnd, double medianMs) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = medianMs <= 0 ? 0 : Math.max(1, Math.round(medianMs * Math.exp(0.8 * rnd.nextGaussian())));
    }
    return out;
  }

  /** One run's measurements. */
  record Run(String shape, int n, int concurrency, double makespanMs, double lowerBoundMs, double[] endToEndMs,
      double[] dispatchMs, double cpuMs, long commits, long bytesWritten) {
    double ratio() {
      return makespanMs / lowerBoundMs;
    }

    static double percentile(double[] values, double p) {
      if (values.length == 0) {
        return Double.NaN;
      }
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
  }

  public static void main(String[] args) {
    try {
      bench(args);
      System.exit(0);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void bench(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "all";
    List<String> lines = new ArrayList<>();
    Random rnd = new Random(42);
    // Warm-up, not reported: a fresh JVM on two cores spends seconds compiling the hot paths, and
    // the first runs would measure the compiler.
    // 8,000 tasks: the per-task cost was still falling after 2,500, as the compiler kept working.
    if (!mode.equals("rules")) {
      for (int i = 0; i < 8; i++) {
        run(layered(1000, new Random(100 + i), 0), 16);
      }
      run(layered(100, new Random(7), 10), 16);
    }
    if (mode.equals("all") || mode.equals("makespan")) {
      // Model calls take seconds; 1,000 tasks use a shorter median so a case ends within two minutes.
      makespans(lines, rnd, "model-like task times: median 1 s, 250 ms for 1,000 tasks", (n, c) -> n == 1000 ? 250 : 1000);
    }
    // The same shapes with tasks 25 times shorter, where the executor's own latency shows. Alone
    // ("short", a few minutes) the DAGs differ from the full run's, which drew the model-like ones first.
    if (mode.equals("all") || mode.equals("makespan") || mode.equals("short")) {
      makespans(lines, rnd, "short task times: median 40 ms, 8 ms for 1,000 tasks at concurrency 3",
          (n, c) -> n == 1000 && c == 3 ? 8 : 40);
    }
    if (mode.equals("all") || mode.equals("rules")) {
      // The rule alone, with no executor: its mean ratio to the lower bound over 20 DAGs per shape.
      lines.add("## The executor's rule simulated without overhead (mean of 20 DAGs, median 1 s)");
      lines.add("");
      lines.add("| DAG | tasks | concurrency | ties by plan order (the executor) | by successors | by descendants |");
      lines.add("| --- | --- | --- | --- | --- | --- |");
      for (int c : new int[] {3, 16}) {
        for (int n : new int[] {30, 100, 1000}) {
          for (String shape : new String[] {"layered", "random"}) {
            double[] sum = new double[Tie.values().length];
            for (int seed = 0; seed < 20; seed++) {
              Random r = new Random(seed);
              Dag dag = shape.equals("layered") ? layered(n, r, 1000) : random(n, r, 1000);
              for (Tie tie : Tie.values()) {
                sum[tie.ordinal()] += dag.listSchedule(c, tie) / dag.lowerBound(c) / 20;
              }
            }
            lines.add(String.format("| %s | %d | %d | %.3f | %.3f | %.3f |", shape, n, c, sum[0], sum[1], sum[2]));
            System.out.println(lines.get(lines.size() - 1));
          }
        }
      }
      lines.add("");
    }
    if (mode.equals("timeline")) {
      System.setProperty("bench.timeline", "true");
      Run r = run(warmUp(), layered(30, new Random(5), 0), 16);
      System.out.printf("timeline %.3f ms per task%n", r.makespanMs() / 30);
    }
    if (mode.equals("profile")) {
      for (int i = 0; i < 4; i++) {
        Run r = run(layered(1000, new Random(5), 0), 16);
        System.out.printf("profile %.3f ms per task, %.3f CPU ms, %.1f KB written per task%n", r.makespanMs() / 1000,
            r.cpuMs() / 1000, r.bytesWritten() / 1024.0 / 1000);
      }
    }
    if (mode.equals("all") || mode.equals("overhead")) {
      lines.add("## Orchestration overhead per task (zero-latency model, SQLite synchronous=FULL, concurrency 16,"
          + " median of 5)");
      lines.add("");
      lines.add("A running server has already run a small project; the first project after a start also pays for"
          + " preparing the statements of the hot path, once.");
      lines.add("");
      lines.add("| tasks | server | wall ms | ms per task | CPU ms per task (whole process, model server included)"
          + " | commits | KB written per task |");
      lines.add("| --- | --- | --- | --- | --- | --- | --- |");
      for (int n : new int[] {30, 1000}) {
        Dag dag = layered(n, rnd, 0);
        for (boolean warm : new boolean[] {true, false}) {
          // The median of five runs of the same DAG: single runs on two shared cores vary by a fifth.
          List<Run> runs = new ArrayList<>();
          for (int r = 0; r < 5; r++) {
            runs.add(run(warm ? warmUp() : null, dag, 16));
            System.err.printf("  overhead run %d (%s): %.3f ms per task%n", r, warm ? "running" : "first project",
                runs.get(r).makespanMs() / n);
          }
          runs.sort(java.util.Comparator.comparingDouble(Run::makespanMs));
          Run run = runs.get(2);
          lines.add(String.format("| %d | %s | %.0f | %.3f | %.3f | %d | %.1f |", n,
              warm ? "running" : "first project after start", run.makespanMs(), run.makespanMs() / n, run.cpuMs() / n,
              run.commits(), run.bytesWritten() / 1024.0 / n));
          System.out.println(lines.get(lines.size() - 1));
        }
      }
      lines.add("");
    }
    Path out = Path.of(args.length > 1 ? args[1] : "bench/results.md");
    Files.writeString(out, String.join("\n", lines) + "\n");
    System.out.println("written to " + out);
  }

  /** The project a kernel runs before the measured one: the hot path's statements are then prepared. */
  static Dag warmUp() {
    return layered(30, new Random(99), 0);
  }

  /** One makespan table: layered and random DAGs of 30, 100 and 1,000 tasks at concurrency 3 and 16. */
  private static void makespans(List<String> lines, Random rnd, String times,
      java.util.function.BiFunction<Integer, Integer, Integer> medianMs) throws Exception {
    lines.add("## Makespan / lower bound (" + times + "; lognormal, sigma 0.8)");
    lines.add("");
    lines.add("| DAG | tasks | concurrency | makespan ms | lower bound ms | ratio | list schedule / lower bound"
        + " | completion → dispatch p50 / p99 ms | answer → next request p50 / p99 ms |");
    lines.add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (int n : new int[] {30, 100, 1000}) {
      for (String shape : new String[] {"layered", "random"}) {
        for (int c : new int[] {3, 16}) {
          double median = medianMs.apply(n, c);
          Dag dag = shape.equals("layered") ? layered(n, rnd, median) : random(n, rnd, median);
          Run run = run(warmUp(), dag, c);
          lines.add(String.format("| %s | %d | %d | %.0f | %.0f | %.3f | %.3f | %.2f / %.2f | %.2f / %.2f |", shape, n,
              c, run.makespanMs(), run.lowerBoundMs(), run.ratio(), dag.listSchedule(c) / run.lowerBoundMs(),
              Run.percentile(run.dispatchMs(), 50), Run.percentile(run.dispatchMs(), 99),
              Run.percentile(run.endToEndMs(), 50), Run.percentile(run.endToEndMs(), 99)));
          System.out.println(lines.get(lines.size() - 1));
        }
      }
    }
    lines.add("");
  }

  /** Bytes this process has passed to write(2) so far (Linux), or 0 where that is not readable. */
  static long bytesWritten() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("wchar:")) {
          return Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException unreadable) {
      // not Linux: the column reads 0
    }
    return 0;
  }

  /** Runs one DAG through a fresh kernel and measures it. */
  static Run run(Dag dag, int concurrency) throws Exception {
    return run(null, dag, concurrency);
  }

  /** The same, after {@code warmUp} (when not null) ran through the same kernel first, unmeasured. */
  static Run run(Dag warmUp, Dag measured, int concurrency) throws Exception {
    var current = new java.util.concurrent.atomic.AtomicReference<Dag>(warmUp != null ? warmUp : measured);
    Vertx modelVertx = Vertx.vertx();
    LocalAnthropicServer model = new LocalAnthropicServer(modelVertx);
    model.start().await(10, TimeUnit.SECONDS);
    Map<Integer, Long> requestedAt = new ConcurrentHashMap<>();
    Map<Integer, Long> answeredAt = new ConcurrentHashMap<>();
    Map<Integer, Double> requestedEpoch = new ConcurrentHashMap<>();
    model.respondWith(r -> {
      if (!r.path().equals("/v1/messages")) {
        return null;
      }
      var m = TITLE.matcher(r.body().getJsonArray("messages").getJsonObject(0).encode());
      int i = m.find() ? Integer.parseInt(m.group(1)) : 0;
      long now = System.nanoTime();
      Dag dag = current.get();
      requestedAt.put(i, now);
      java.time.Instant at = java.time.Instant.now();
      requestedEpoch.put(i, at.getEpochSecond() + at.getNano() / 1e9);
      answeredAt.put(i, now + dag.durationMs()[i] * 1_000_000);
      var reply = LocalAnthropicServer.message("claude-haiku-4-5-20251001", "end_turn",
          LocalAnthropicServer.usage(10, 5), LocalAnthropicServer.text("ok " + i));
      return dag.durationMs()[i] > 0 ? reply.after(dag.durationMs()[i]) : reply;
    });
    Path dir = Files.createTempDirectory("orch-bench");
    JsonObject json = TestKernel.testConfig(dir);
    json.getJsonObject("anthropic").put("base_url", model.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.getJsonObject("budget").put("daily_limit_usd", 1e6).put("monthly_limit_usd", 1e6)
        .put("per_project_limit_usd", 1e6);
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("max_concurrent_tasks", concurrency).put("max_concurrent_per_project", concurrency)
        .put("max_concurrent_per_provider", new JsonObject().put("anthropic", concurrency))
        .put("safety_tick_sec", 60);
    json.put("db", json.getJsonObject("db").put("synchronous", System.getProperty("bench.synchronous", "FULL")));
    json.put("comfyui", json.getJsonObject("comfyui").put("hosts", new JsonObject()));
    TestKernel k = TestKernel.start(json);
    try {
      String token = k.signUp("bench@example.com", "password1").getString("access_token");
      if (warmUp != null) {
        project(k, token, warmUp, concurrency, requestedAt, answeredAt, requestedEpoch);
        requestedAt.clear();
        answeredAt.clear();
        requestedEpoch.clear();
        current.set(measured);
      }
      return project(k, token, measured, concurrency, requestedAt, answeredAt, requestedEpoch);
    } finally {
      k.close();
      model.stop().await(10, TimeUnit.SECONDS);
      modelVertx.close().await(10, TimeUnit.SECONDS);
      // A 1,000-task run leaves tens of megabytes; a full benchmark would leave gigabytes behind.
      if (Boolean.getBoolean("bench.keep")) { // -Dbench.keep=true keeps each case's database to look at
        System.err.println("kept " + dir);
      } else {
        try (var files = Files.walk(dir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }

  /** Runs one project of {@code dag} through the kernel and measures it. */
  private static Run project(TestKernel k, String token, Dag dag, int concurrency, Map<Integer, Long> requestedAt,
      Map<Integer, Long> answeredAt, Map<Integer, Double> requestedEpoch) throws Exception {
    {
      String projectId = k.post("/api/projects", new JsonObject().put("name", "bench").put("requirements", "r"), token)
          .bodyAsJsonObject().getString("id");
      JsonArray tasks = new JsonArray();
      for (int i = 0; i < dag.size(); i++) {
        JsonArray d = new JsonArray();
        for (int[] e : dag.deps()) {
          if (e[0] == i) {
            d.add(e[1]);
          }
        }
        tasks.add(new JsonObject().put("title", "T" + i).put("description", "Do T" + i + ".").put("task_type", "code")
            .put("complexity", "simple").put("tools_needed", new JsonArray()).put("depends_on", d));
      }
      k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
          + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "-plan", projectId,
          new JsonObject().put("summary", "bench").put("tasks", tasks).encode());
      long approving = System.nanoTime();
      var approved = k.post("/api/projects/" + projectId + "/plans/" + projectId + "-plan/approve", null, token);
      if (dag.size() >= 1000) {
        System.err.printf("  approve of %d tasks: %.0f ms%n", dag.size(), (System.nanoTime() - approving) / 1e6);
      }
      if (approved.statusCode() != 200) {
        throw new IllegalStateException(approved.bodyAsString());
      }
      k.sql("UPDATE projects SET status = 'executing' WHERE id = ?", projectId);
      // The end is the project's last event, heard on the bus: polling the database would compete with the executor.
      var finished = new java.util.concurrent.CompletableFuture<String>();
      k.vertx.eventBus().<JsonObject>consumer(dev.orch.kernel.progress.ProgressAddresses.project(projectId), msg -> {
        String type = msg.body().getString("type");
        if (type.equals("project_complete") || type.equals("project_failed")) {
          finished.complete(type);
        }
      }).completion().await(10, TimeUnit.SECONDS);
      var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long written0 = bytesWritten();
      long commits0 = k.kernel.db().group().groups();
      long start = System.nanoTime();
      k.vertx.eventBus().publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
      String outcome = finished.get(10, TimeUnit.MINUTES);
      long end = System.nanoTime();
      double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
      long written = bytesWritten() - written0;
      if (!outcome.equals("project_complete")) {
        throw new IllegalStateException("project ended " + outcome);
      }
      long commits = k.kernel.db().group().groups() - commits0;
      List<Double> latency = new ArrayList<>();
      for (int i = 0; i < dag.size(); i++) {
        long ready = -1;
        for (int[] e : dag.deps()) {
          if (e[0] == i) {
            ready = Math.max(ready, answeredAt.get(e[1]));
          }
        }
        if (ready > 0) {
          latency.add((requestedAt.get(i) - ready) / 1e6);
        }
      }
      // Completion → dispatch, from the tasks' own timestamps: a dependency's completed_at (the
      // executor stored its result) to the dependant's started_at (its claim).
      double[] completedAt = new double[dag.size()];
      double[] startedAt = new double[dag.size()];
      for (var row : TestKernel.await(k.kernel.db().pool().preparedQuery("SELECT title, started_at, completed_at FROM tasks"
          + " WHERE project_id = ?").execute(io.vertx.sqlclient.Tuple.of(projectId)))) {
        int i = Integer.parseInt(row.getString("title").substring(1));
        completedAt[i] = row.getDouble("completed_at");
        startedAt[i] = row.getDouble("started_at");
      }
      List<Double> dispatch = new ArrayList<>();
      for (int i = 0; i < dag.size(); i++) {
        double ready = -1;
        for (int[] e : dag.deps()) {
          if (e[0] == i) {
            ready = Math.max(ready, completedAt[e[1]]);
          }
        }
        if (ready > 0) {
          dispatch.add((startedAt[i] - ready) * 1000);
        }
      }
      double makespan = (end - start) / 1e6;
      if (Boolean.getBoolean("bench.timeline")) {
        // Each task's claim, request at the model server, and completion, in ms from the wake.
        double t0 = Arrays.stream(startedAt).min().orElse(0);
        for (int i = 0; i < dag.size(); i++) {
          System.err.printf("T%-4d claim %8.2f  request %8.2f  complete %8.2f%n", i, (startedAt[i] - t0) * 1000,
              (requestedEpoch.get(i) - t0) * 1000, (completedAt[i] - t0) * 1000);
        }
      }
      return new Run(dag.shape(), dag.size(), concurrency, makespan, Math.max(1, dag.lowerBound(concurrency)),
          latency.stream().mapToDouble(Double::doubleValue).toArray(),
          dispatch.stream().mapToDouble(Double::doubleValue).toArray(), cpuMs, commits, written);
    }
  }
}
