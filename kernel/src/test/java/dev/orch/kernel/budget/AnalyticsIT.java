package dev.orch.kernel.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/admin/analytics} (API.md §3.13) over a seeded installation, on a real kernel. */
class AnalyticsIT {
  static final String PA = "pa0000000001";
  static final String PB = "pb0000000001";
  static final double DAY = 86400;
  static final String[] PATHS = {"/api/admin/analytics/cost-breakdown", "/api/admin/analytics/task-outcomes",
      "/api/admin/analytics/efficiency", "/api/admin/analytics/usage-overview", "/api/admin/analytics/escalation"};

  @TempDir Path dir;
  TestKernel k;
  String admin;
  String user;
  double now;

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  @BeforeEach
  void start() {
    k = TestKernel.start(config(dir));
    admin = k.signUp("admin@example.com", "password1").getString("access_token");
    user = k.signUp("user@example.com", "password2").getString("access_token");
    now = k.clock.millis() / 1000.0;
  }

  @AfterEach
  void stop() {
    k.close();
  }

  void task(String id, String project, String tier, String status, String verification, int retries, int wave,
      Double started, Double completed) {
    k.sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, status, model_tier,"
        + " verification_status, retry_count, wave, started_at, completed_at, created_at, updated_at)"
        + " VALUES (?, ?, ?, 't', 'd', 'code', ?, ?, ?, ?, ?, ?, ?, 1, 1)",
        id, project, "pl" + project, status, tier, verification, retries, wave, started, completed);
  }

  void usage(String project, String task, String provider, String model, long prompt, long completion, double cost,
      String purpose, double timestamp) {
    k.sql("INSERT INTO usage_log (project_id, task_id, provider, model, prompt_tokens, completion_tokens, cost_usd,"
        + " purpose, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        project, task, provider, model, prompt, completion, cost, purpose, timestamp);
  }

  /**
   * Two projects; tasks of every terminal status plus a running one; usage inside the 30-day window,
   * 40 days back and 100 days back; planning spend without a task; three checkpoints, one resolved.
   */
  void seed() {
    for (String[] p : new String[][] {{PA, "Alpha"}, {PB, "Beta"}}) {
      k.sql("INSERT INTO projects (id, name, requirements, created_at, updated_at) VALUES (?, ?, 'r', 1, 1)", p[0], p[1]);
      k.sql("INSERT INTO plans (id, project_id, model_used, plan_json, created_at) VALUES (?, ?, 'm', '{}', 1)",
          "pl" + p[0], p[0]);
    }
    task("ta1", PA, "haiku", "completed", "passed", 0, 0, 100.0, 110.1234);
    task("ta2", PA, "haiku", "failed", "gaps_found", 2, 0, 100.0, 130.0);
    task("ta3", PA, "sonnet", "needs_review", "human_needed", 1, 1, 200.0, 260.0);
    task("ta4", PA, "sonnet", "cancelled", null, 0, 1, null, null);
    task("ta5", PA, "opus", "running", "passed", 3, 2, 300.0, null);
    task("tb1", PB, "haiku", "completed", "skipped", 0, 0, 50.0, 50.0);
    task("tb2", PB, "ollama", "completed", "skipped", 0, 0, null, 70.0);

    usage(PA, "ta1", "anthropic", "claude-haiku", 100, 50, 0.001234567, "execution", now - DAY);
    usage(PA, "ta1", "anthropic", "claude-haiku", 100, 50, 0.002, "verification", now - DAY);
    usage(PA, "ta3", "anthropic", "claude-sonnet", 1000, 500, 0.3, "execution", now - 2 * DAY);
    usage(PA, "ta5", "anthropic", "claude-opus", 10, 10, 5.0, "execution", now - DAY);
    usage(PA, null, "anthropic", "claude-sonnet", 500, 500, 0.05, "planning", now - DAY);
    usage(PB, "tb1", "anthropic", "claude-haiku", 10, 10, 0.01, "execution", now - 40 * DAY);
    usage(PB, "tb2", "ollama", "qwen", 10, 10, 0, "", now - DAY);
    usage(null, null, "openai", "gpt", 10, 10, 0.1, "planning", now - 100 * DAY);

    k.sql("INSERT INTO checkpoints (id, project_id, task_id, checkpoint_type, summary, question, resolved_at, created_at)"
        + " VALUES ('c1', ?, 'ta2', 'retry_exhausted', 's', 'q', NULL, 1), ('c2', ?, 'ta2', 'retry_exhausted', 's', 'q', 5, 1),"
        + " ('c3', ?, 'tb1', 'retry_exhausted', 's', 'q', NULL, 1)", PA, PA, PB);
  }

  JsonObject get(String path) {
    HttpResponse<Buffer> res = k.get(path, admin);
    assertThat(res.statusCode()).as(path + " " + res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  static String date(double timestamp) {
    return LocalDate.ofInstant(Instant.ofEpochMilli((long) (timestamp * 1000)), ZoneOffset.UTC).toString();
  }

  @Test
  @DisplayName("analytics are for admins: 403 for users, 401 without credentials")
  void access() {
    for (String path : PATHS) {
      var res = k.get(path, user);
      assertThat(res.statusCode()).as(path).isEqualTo(403);
      assertThat(res.bodyAsJsonObject().getString("detail")).isEqualTo("Admin access required");
      assertThat(k.get(path, null).statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("days must be 1–90 on the windowed endpoints; the role check comes first")
  void daysBounds() {
    for (String path : new String[] {PATHS[0], PATHS[3]}) {
      for (String bad : new String[] {"0", "91", "-5", "x"}) {
        assertThat(k.get(path + "?days=" + bad, admin).statusCode()).as(path + " " + bad).isEqualTo(422);
      }
      assertThat(k.get(path + "?days=1", admin).statusCode()).isEqualTo(200);
      assertThat(k.get(path + "?days=90", admin).statusCode()).isEqualTo(200);
      assertThat(k.get(path + "?days=0", user).statusCode()).isEqualTo(403);
    }
  }

  @Test
  @DisplayName("cost breakdown: usage of terminal tasks in the window, by project, tier and UTC day")
  void costBreakdown() {
    seed();
    JsonObject c = get("/api/admin/analytics/cost-breakdown");
    assertThat(c.fieldNames()).containsExactly("by_project", "by_model_tier", "daily_trend", "total_cost_usd");
    assertThat(c.getJsonArray("by_project")).containsExactly(
        new JsonObject().put("project_id", PA).put("project_name", "Alpha").put("cost_usd", 0.303235).put("task_count", 2),
        new JsonObject().put("project_id", PB).put("project_name", "Beta").put("cost_usd", 0.0).put("task_count", 1));
    assertThat(c.getJsonArray("by_model_tier")).containsExactly(
        tier("haiku", 0.003235, 1, 0.003235), tier("ollama", 0.0, 1, 0.0), tier("sonnet", 0.3, 1, 0.3));
    assertThat(c.getJsonArray("daily_trend")).containsExactly(
        new JsonObject().put("date", date(now - 2 * DAY)).put("cost_usd", 0.3).put("api_calls", 1),
        new JsonObject().put("date", date(now - DAY)).put("cost_usd", 0.003235).put("api_calls", 3));
    assertThat(c.getDouble("total_cost_usd")).isEqualTo(0.303235);
  }

  @Test
  @DisplayName("a wider window takes in older usage")
  void costBreakdownWindow() {
    seed();
    JsonObject c = get("/api/admin/analytics/cost-breakdown?days=90");
    assertThat(c.getJsonArray("by_project").getJsonObject(1))
        .isEqualTo(new JsonObject().put("project_id", PB).put("project_name", "Beta").put("cost_usd", 0.01)
            .put("task_count", 2));
    assertThat(c.getJsonArray("by_model_tier").getJsonObject(0)).isEqualTo(tier("haiku", 0.013235, 2, 0.006617));
    assertThat(c.getJsonArray("daily_trend").getJsonObject(0).getString("date")).isEqualTo(date(now - 40 * DAY));
    assertThat(c.getDouble("total_cost_usd")).isEqualTo(0.313235);
    JsonObject narrow = get("/api/admin/analytics/cost-breakdown?days=1");
    assertThat(narrow.getJsonArray("daily_trend")).isEmpty();
    assertThat(narrow.getDouble("total_cost_usd")).isZero();
  }

  @Test
  @DisplayName("task outcomes per tier, and verification verdicts of terminal tasks")
  void taskOutcomes() {
    seed();
    JsonObject o = get("/api/admin/analytics/task-outcomes");
    assertThat(o.getJsonArray("by_tier")).containsExactly(
        new JsonObject().put("model_tier", "haiku").put("total", 3).put("completed", 2).put("failed", 1)
            .put("needs_review", 0).put("success_rate", 0.6667),
        new JsonObject().put("model_tier", "ollama").put("total", 1).put("completed", 1).put("failed", 0)
            .put("needs_review", 0).put("success_rate", 1.0),
        new JsonObject().put("model_tier", "sonnet").put("total", 2).put("completed", 0).put("failed", 0)
            .put("needs_review", 1).put("success_rate", 0.0));
    assertThat(o.getJsonArray("verification_by_tier")).containsExactly(
        verdicts("haiku", 2, 1, 1, 0, 0.5), verdicts("ollama", 0, 0, 0, 0, 0.0), verdicts("sonnet", 1, 0, 0, 1, 0.0));
  }

  @Test
  @DisplayName("efficiency: retries, checkpoints, throughput per project and wave, cost per verified pass")
  void efficiency() {
    seed();
    JsonObject e = get("/api/admin/analytics/efficiency");
    assertThat(e.fieldNames()).containsExactly("retries_by_tier", "checkpoint_count", "unresolved_checkpoint_count",
        "wave_throughput", "cost_efficiency");
    assertThat(e.getJsonArray("retries_by_tier")).containsExactly(
        retries("haiku", 3, 1, 2, 0.3333), retries("ollama", 1, 0, 0, 0.0), retries("sonnet", 2, 1, 1, 0.5));
    assertThat(e.getLong("checkpoint_count")).isEqualTo(3);
    assertThat(e.getLong("unresolved_checkpoint_count")).isEqualTo(2);
    assertThat(e.getJsonArray("wave_throughput")).containsExactly(
        wave(PA, "Alpha", 0, 2, 20.06), wave(PA, "Alpha", 1, 1, 60.0), wave(PB, "Beta", 0, 1, null));
    assertThat(e.getJsonArray("cost_efficiency")).containsExactly(
        new JsonObject().put("model_tier", "haiku").put("cost_usd", 0.013235).put("tasks_completed", 2)
            .put("verification_pass_count", 1).put("cost_per_pass", 0.013235),
        new JsonObject().put("model_tier", "ollama").put("cost_usd", 0.0).put("tasks_completed", 1)
            .put("verification_pass_count", 0).put("cost_per_pass", null),
        new JsonObject().put("model_tier", "sonnet").put("cost_usd", 0.3).put("tasks_completed", 0)
            .put("verification_pass_count", 0).put("cost_per_pass", null));
  }

  @Test
  @DisplayName("usage overview: every row in the window, by purpose, provider and model, with shares of the total")
  void usageOverview() {
    seed();
    JsonObject u = get("/api/admin/analytics/usage-overview");
    assertThat(u.getJsonObject("summary")).isEqualTo(new JsonObject().put("total_cost_usd", 5.353235)
        .put("total_api_calls", 6).put("total_tokens", 2840).put("active_projects", 2));
    assertThat(u.getJsonArray("by_purpose")).containsExactly(
        purpose("execution", 5.301235, 3, 99.0), purpose("planning", 0.05, 1, 0.9),
        purpose("verification", 0.002, 1, 0.0), purpose("(unset)", 0.0, 1, 0.0));
    assertThat(u.getJsonArray("by_provider")).containsExactly(
        new JsonObject().put("provider", "anthropic").put("cost_usd", 5.353235).put("api_calls", 5)
            .put("prompt_tokens", 1710).put("completion_tokens", 1110).put("pct_of_total", 100.0),
        new JsonObject().put("provider", "ollama").put("cost_usd", 0.0).put("api_calls", 1)
            .put("prompt_tokens", 10).put("completion_tokens", 10).put("pct_of_total", 0.0));
    assertThat(u.getJsonArray("by_model")).containsExactly(
        model("claude-opus", "anthropic", 5.0, 1, 93.4), model("claude-sonnet", "anthropic", 0.35, 2, 6.5),
        model("claude-haiku", "anthropic", 0.003235, 2, 0.1), model("qwen", "ollama", 0.0, 1, 0.0));
  }

  @Test
  @DisplayName("usage overview lists the top 10 models by cost")
  void topTenModels() {
    for (int i = 1; i <= 12; i++) {
      usage(null, null, "anthropic", "m" + (char) ('a' + i), 1, 1, i / 100.0, "execution", now - DAY);
    }
    JsonArray models = get("/api/admin/analytics/usage-overview").getJsonArray("by_model");
    assertThat(models).hasSize(10);
    assertThat(models.getJsonObject(0).getString("model")).isEqualTo("mm");
    assertThat(models.getJsonObject(9).getString("model")).isEqualTo("md");
  }

  @Test
  @DisplayName("an empty installation answers zeros and empty lists everywhere")
  void empty() {
    JsonObject c = get("/api/admin/analytics/cost-breakdown");
    assertThat(c).isEqualTo(new JsonObject().put("by_project", new JsonArray()).put("by_model_tier", new JsonArray())
        .put("daily_trend", new JsonArray()).put("total_cost_usd", 0.0));
    assertThat(get("/api/admin/analytics/task-outcomes")).isEqualTo(new JsonObject().put("by_tier", new JsonArray())
        .put("verification_by_tier", new JsonArray()));
    JsonObject e = get("/api/admin/analytics/efficiency");
    assertThat(e.getLong("checkpoint_count")).isZero();
    assertThat(e.getLong("unresolved_checkpoint_count")).isZero();
    JsonObject u = get("/api/admin/analytics/usage-overview");
    assertThat(u.getJsonObject("summary")).isEqualTo(new JsonObject().put("total_cost_usd", 0.0)
        .put("total_api_calls", 0).put("total_tokens", 0).put("active_projects", 0));
    assertThat(u.getJsonArray("by_purpose")).isEmpty();
  }

  private static JsonObject tier(String tier, double cost, long tasks, double avg) {
    return new JsonObject().put("model_tier", tier).put("cost_usd", cost).put("task_count", tasks)
        .put("avg_cost_per_task", avg);
  }

  private static JsonObject verdicts(String tier, long total, long passed, long gaps, long human, double rate) {
    return new JsonObject().put("model_tier", tier).put("total_verified", total).put("passed", passed)
        .put("gaps_found", gaps).put("human_needed", human).put("pass_rate", rate);
  }

  private static JsonObject retries(String tier, long total, long withRetries, long retries, double rate) {
    return new JsonObject().put("model_tier", tier).put("total_tasks", total).put("tasks_with_retries", withRetries)
        .put("total_retries", retries).put("retry_rate", rate);
  }

  private static JsonObject wave(String project, String name, int wave, long tasks, Double avg) {
    return new JsonObject().put("project_id", project).put("project_name", name).put("wave", wave)
        .put("task_count", tasks).put("avg_duration_seconds", avg);
  }

  private static JsonObject purpose(String purpose, double cost, long calls, double pct) {
    return new JsonObject().put("purpose", purpose).put("cost_usd", cost).put("api_calls", calls)
        .put("pct_of_total", pct);
  }

  private static JsonObject model(String model, String provider, double cost, long calls, double pct) {
    return new JsonObject().put("model", model).put("provider", provider).put("cost_usd", cost).put("api_calls", calls)
        .put("pct_of_total", pct);
  }
}
