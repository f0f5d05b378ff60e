package dev.orch.kernel.bench;

import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Usage;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost bench (bench/README.md, "Cost"): a 100-task reference plan of mixed task types and
 * complexities, with forwarded outputs, run through the kernel against the local Anthropic-protocol
 * server, which counts cache writes and reads by Anthropic's rules from the requests themselves.
 * Every answered call is priced three ways: as billed (cache writes and reads at their rates), as
 * the same requests without cache marks, and as if every call ran on the top tier without caching.
 * Run with {@code bench/cost.sh}.
 */
public final class CostBench {
  private static final Pattern TITLE = Pattern.compile("<current_task>\\n(T\\d+) ");
  private static final String TOP = "claude-opus-4-6";
  /** (task type, complexity) pairs that route to a Claude tier (the bench has no Ollama). */
  private static final String[][] KINDS = {
      {"code", "simple"}, {"code", "medium"}, {"code", "complex"}, {"integration", "simple"},
      {"integration", "medium"}, {"integration", "complex"}, {"research", "medium"}, {"research", "complex"},
      {"analysis", "medium"}, {"documentation", "medium"}, {"documentation", "complex"}};
  private static final String[] AREAS = {"catalogue", "checkout", "payments", "search", "accounts", "inventory",
      "shipping", "reviews", "admin console", "reporting"};
  private static final String[] PARTS = {"data model", "REST endpoints", "validation rules", "background job",
      "integration tests", "caching layer", "audit log", "import pipeline", "user interface", "migration"};

  /** Money over every answered call, in USD, priced three ways, and the input side apart. */
  static final class Ledger {
    BigDecimal billed = BigDecimal.ZERO;
    BigDecimal uncached = BigDecimal.ZERO;
    BigDecimal topUncached = BigDecimal.ZERO;
    BigDecimal billedInput = BigDecimal.ZERO;
    BigDecimal uncachedInput = BigDecimal.ZERO;
    long calls;
    final Map<String, long[]> byModel = new TreeMap<>();
    final Set<String> modelToolPairs = ConcurrentHashMap.newKeySet();

    synchronized void add(Pricing pricing, String model, Usage usage, boolean batch) {
      BigDecimal factor = batch ? new BigDecimal("0.5") : BigDecimal.ONE;
      Usage plain = new Usage(usage.totalInput(), usage.output(), 0, 0);
      billed = billed.add(pricing.cost(model, usage).multiply(factor));
      uncached = uncached.add(pricing.cost(model, plain));
      topUncached = topUncached.add(pricing.cost(TOP, plain));
      billedInput = billedInput.add(pricing.cost(model, new Usage(usage.input(), 0, usage.cacheCreation(),
          usage.cacheRead(), usage.cacheCreation1h())).multiply(factor));
      uncachedInput = uncachedInput.add(pricing.cost(model, new Usage(usage.totalInput(), 0, 0, 0)));
      long[] t = byModel.computeIfAbsent(model, m -> new long[5]);
      t[0]++;
      t[1] += usage.input();
      t[2] += usage.cacheCreation();
      t[3] += usage.cacheRead();
      t[4] += usage.output();
      calls++;
    }
  }

  /** One run's figures. */
  record Report(String mode, int tasks, Ledger ledger, int prefixes, double recordedUsd, long seconds, int batches) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/cost-results.md");
    int tasks = Integer.getInteger("bench.tasks", 100);
    List<Report> reports = new ArrayList<>();
    reports.add(run(tasks, false, 3));
    reports.add(run(tasks, true, 3));
    reports.add(run(tasks, true, 20));
    StringBuilder md = new StringBuilder();
    md.append("| run | tasks | calls | batches | distinct cached prefixes | distinct (model, tool set) pairs"
        + " | input cost, cached / uncached | total cost | total / all-top-tier-uncached | recorded spend | wall time |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Report r : reports) {
      Ledger l = r.ledger();
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | $%.4f / $%.4f = **%.1f %%** | $%.4f"
              + " | $%.4f / $%.4f = **%.1f %%** | $%.4f | %d s |%n", r.mode(), r.tasks(), l.calls, r.batches(),
          r.prefixes(), l.modelToolPairs.size(), l.billedInput, l.uncachedInput, pct(l.billedInput, l.uncachedInput),
          l.billed, l.billed, l.topUncached, pct(l.billed, l.topUncached), r.recordedUsd(), r.seconds()));
    }
    md.append("\nTokens by model (all runs): calls, uncached input, cache writes, cache reads, output\n\n")
        .append("| run | model | calls | input | cache writes | cache reads | output |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (Report r : reports) {
      r.ledger().byModel.forEach((model, t) -> md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %d |%n",
          r.mode(), model, t[0], t[1], t[2], t[3], t[4])));
    }
    Files.writeString(out, md.toString());
    System.out.println(md);
  }

  private static double pct(BigDecimal part, BigDecimal whole) {
    return whole.signum() == 0 ? 0 : part.doubleValue() * 100 / whole.doubleValue();
  }

  /** The reference plan: {@code n} tasks, seeded, mixed kinds, each depending on up to two recent ones. */
  static JsonObject plan(int n) {
    Random random = new Random(15);
    JsonArray list = new JsonArray();
    for (int i = 0; i < n; i++) {
      String[] kind = KINDS[random.nextInt(KINDS.length)];
      String area = AREAS[random.nextInt(AREAS.length)];
      String part = PARTS[random.nextInt(PARTS.length)];
      JsonArray deps = new JsonArray();
      for (int d = 0; d < 2 && i > 0; d++) {
        if (random.nextDouble() < 0.6) {
          int dep = Math.max(0, i - 1 - random.nextInt(Math.min(i, 20)));
          if (!deps.contains(dep)) {
            deps.add(dep);
          }
        }
      }
      list.add(new JsonObject().put("title", "T" + i + " " + area + " " + part)
          .put("description", "Build the " + part + " of the " + area + " (" + kind[0] + ", " + kind[1] + "). It must"
              + " follow the requirements, reuse what the tasks it depends on produced, keep the public interfaces"
              + " stable, and leave the code documented and tested; report the decisions later tasks need.")
          .put("task_type", kind[0]).put("complexity", kind[1]).put("depends_on", deps)
          .put("verification_criteria", "The " + part + " of the " + area + " works end to end."));
    }
    return new JsonObject().put("summary", "An online book shop: catalogue, checkout, payments, search, accounts,"
        + " inventory, shipping, reviews, an admin console and reporting, built as one service with a web front.")
        .put("tasks", list);
  }

  /** About 5,000 characters of requirements, as a 100-task project's brief would have. */
  static String requirements() {
    StringBuilder out = new StringBuilder("Requirements of the book shop:\n");
    for (int i = 0; i < 40; i++) {
      out.append("R").append(i + 1).append(". The ").append(AREAS[i % AREAS.length]).append(" must ")
          .append(PARTS[(i * 3) % PARTS.length]).append(" answer within 200 ms at the 95th percentile, log every"
              + " change with its author, and keep working when a dependency is down.\n");
    }
    return out.toString();
  }

  private static long outputTokens(String complexity) {
    return switch (complexity) {
      case "simple" -> 300;
      case "medium" -> 800;
      default -> 1500;
    };
  }

  /** One run of the reference plan; {@code concurrency}: the tasks at once (all three caps). */
  static Report run(int n, boolean economy, int concurrency) throws Exception {
    Vertx modelVertx = Vertx.vertx();
    LocalAnthropicServer model = new LocalAnthropicServer(modelVertx);
    model.start().await(10, TimeUnit.SECONDS);
    Path dir = Files.createTempDirectory("orch-cost-bench");
    JsonObject json = TestKernel.testConfig(dir);
    Pricing pricing = Pricing.from(json.getJsonObject("model_pricing"));
    JsonObject plan = plan(n);
    Map<String, String> complexity = new ConcurrentHashMap<>();
    plan.getJsonArray("tasks").forEach(t -> complexity.put(((JsonObject) t).getString("title").split(" ")[0],
        ((JsonObject) t).getString("complexity")));
    Ledger ledger = new Ledger();
    model.respondWith(r -> {
      if (!r.path().equals("/v1/messages")) {
        return null;
      }
      JsonObject body = r.body();
      String m = body.getString("model");
      String system = body.getValue("system") instanceof JsonArray blocks ? blocks.stream()
          .map(o -> ((JsonObject) o).getString("text", "")).reduce("", String::concat) : "";
      boolean review = system.contains("You review");
      Matcher title = TITLE.matcher(system);
      String task = title.find() ? title.group(1) : "?";
      long output = review ? 40 : outputTokens(complexity.getOrDefault(task, "medium"));
      JsonObject usage = model.cacheUsage(body).put("output_tokens", output);
      Usage u = new Usage(usage.getLong("input_tokens"), output, usage.getLong("cache_creation_input_tokens"),
          usage.getLong("cache_read_input_tokens"), usage.getJsonObject("cache_creation").getLong("ephemeral_1h_input_tokens"));
      // Economy: every task call went out in a batch (the verifier's calls do not).
      ledger.add(pricing, m, u, economy && !review);
      if (!review) {
        ledger.modelToolPairs.add(m + " " + body.getJsonArray("tools", new JsonArray()).stream()
            .map(t -> ((JsonObject) t).getString("name")).toList());
      }
      String text = review ? "{\"verdict\": \"passed\", \"notes\": \"complete\"}"
          : "Result of " + task + ": " + "the component is built, tested and documented; ".repeat(30);
      return LocalAnthropicServer.message(m, "end_turn", usage, LocalAnthropicServer.text(text));
    });
    json.getJsonObject("anthropic").put("base_url", model.baseUrl()).put("api_key", LocalAnthropicServer.KEY)
        .put("batch_window_ms", 200).put("batch_poll_min_sec", 0.05).put("batch_poll_max_sec", 0.2);
    json.getJsonObject("budget").put("daily_limit_usd", 1e6).put("monthly_limit_usd", 1e6)
        .put("per_project_limit_usd", 1e6);
    json.getJsonObject("execution").put("verification_enabled", true).put("knowledge_extraction_enabled", false)
        .put("safety_tick_sec", 60).put("max_concurrent_tasks", concurrency).put("max_concurrent_per_project", concurrency)
        .put("max_concurrent_per_provider", new JsonObject().put("anthropic", concurrency));
    json.put("comfyui", json.getJsonObject("comfyui").put("hosts", new JsonObject()));
    TestKernel k = TestKernel.start(json);
    long start = System.nanoTime();
    try {
      String token = k.signUp("bench@example.com", "password1").getString("access_token");
      JsonObject project = new JsonObject().put("name", "shop").put("requirements", requirements());
      if (economy) {
        project.put("config", new JsonObject().put("economy", true));
      }
      String projectId = k.post("/api/projects", project, token).bodyAsJsonObject().getString("id");
      k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
          + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId, plan.encode());
      var approved = k.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token);
      if (approved.statusCode() != 200) {
        throw new IllegalStateException("approve: " + approved.bodyAsString());
      }
      k.sql("UPDATE projects SET status = 'executing' WHERE id = ?", projectId);
      k.vertx.eventBus().publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
      long deadline = System.currentTimeMillis() + 600_000;
      String status;
      while (!"completed".equals(status = k.get("/api/projects/" + projectId, token).bodyAsJsonObject()
          .getString("status"))) {
        if (System.currentTimeMillis() > deadline || "failed".equals(status)) {
          throw new IllegalStateException("project " + status);
        }
        Thread.sleep(100);
      }
      double recorded = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject()
          .getDouble("total_cost_usd");
      return new Report((economy ? "economy" : "standard") + ", " + concurrency + " at once", n, ledger, model.distinctPrefixesWritten(), recorded,
          (System.nanoTime() - start) / 1_000_000_000, model.batchCount());
    } finally {
      k.close();
      model.stop().await(10, TimeUnit.SECONDS);
      modelVertx.close().await(10, TimeUnit.SECONDS);
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
