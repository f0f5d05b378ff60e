package dev.orch.kernel.budget;

import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Dialect;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.state.TaskStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The admin analytics of API.md §3.13: cost, outcomes and efficiency per model tier, project and
 * day. Read-only; money is rounded as the original does (6 dp, rates 4 dp, percentages 1 dp).
 */
public final class AnalyticsService {
  /** Task statuses that end a task's life. */
  private static final String TERMINAL = TaskStatus.TERMINAL_SQL;
  private static final List<String> VERIFICATION_COUNTED = List.of("passed", "gaps_found", "human_needed");

  // cost-breakdown: usage rows of existing terminal tasks, inside the window. Planning has no task.
  private static final String TASK_USAGE = " FROM usage_log u JOIN tasks t ON t.id = u.task_id"
      + " WHERE t.status IN " + TERMINAL + " AND u.timestamp >= ?";
  private static final String COST_BY_PROJECT = "SELECT u.project_id, p.name AS project_name,"
      + " SUM(u.cost_usd) AS cost, COUNT(DISTINCT u.task_id) AS task_count"
      + " FROM usage_log u JOIN tasks t ON t.id = u.task_id LEFT JOIN projects p ON p.id = u.project_id"
      + " WHERE t.status IN " + TERMINAL + " AND u.timestamp >= ? AND u.project_id IS NOT NULL"
      + " GROUP BY u.project_id, p.name ORDER BY cost DESC, u.project_id";
  private static final String COST_BY_TIER = "SELECT t.model_tier, SUM(u.cost_usd) AS cost,"
      + " COUNT(DISTINCT u.task_id) AS task_count" + TASK_USAGE + " GROUP BY t.model_tier ORDER BY t.model_tier";
  /** {@code %s} is the dialect's UTC date of {@code u.timestamp}. */
  private static final String DAILY_TREND = "SELECT %1$s AS usage_date, SUM(u.cost_usd) AS cost, COUNT(*) AS calls"
      + TASK_USAGE + " GROUP BY %1$s ORDER BY usage_date";

  private static final String OUTCOMES = "SELECT model_tier, status, COUNT(*) AS n FROM tasks"
      + " WHERE status IN " + TERMINAL + " GROUP BY model_tier, status";
  private static final String VERIFICATIONS = "SELECT model_tier, verification_status, COUNT(*) AS n FROM tasks"
      + " WHERE status IN " + TERMINAL + " AND verification_status IS NOT NULL GROUP BY model_tier, verification_status";

  private static final String RETRIES = "SELECT model_tier, COUNT(*) AS total,"
      + " SUM(CASE WHEN retry_count > 0 THEN 1 ELSE 0 END) AS with_retries, SUM(retry_count) AS retries"
      + " FROM tasks WHERE status IN " + TERMINAL + " GROUP BY model_tier ORDER BY model_tier";
  private static final String CHECKPOINTS = "SELECT COUNT(*) AS total,"
      + " COALESCE(SUM(CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END), 0) AS unresolved FROM checkpoints";
  private static final String WAVES = "SELECT t.project_id, p.name AS project_name, t.wave, COUNT(*) AS task_count,"
      + " AVG(t.completed_at - t.started_at) AS avg_duration FROM tasks t LEFT JOIN projects p ON p.id = t.project_id"
      + " WHERE t.status IN " + TERMINAL + " AND t.completed_at IS NOT NULL AND t.started_at IS NOT NULL"
      + " GROUP BY t.project_id, p.name, t.wave ORDER BY t.project_id, t.wave";
  private static final String COST_EFFICIENCY = "SELECT t.model_tier, COALESCE(SUM(u.cost_usd), 0) AS cost,"
      + " COUNT(DISTINCT CASE WHEN t.status = 'completed' THEN t.id END) AS completed,"
      + " COUNT(DISTINCT CASE WHEN t.verification_status = 'passed' THEN t.id END) AS passed"
      + " FROM tasks t LEFT JOIN usage_log u ON u.task_id = t.id WHERE t.status IN " + TERMINAL
      + " GROUP BY t.model_tier ORDER BY t.model_tier";

  private static final String OVERVIEW = "SELECT COALESCE(SUM(cost_usd), 0) AS cost, COUNT(*) AS calls,"
      + " COALESCE(SUM(prompt_tokens), 0) AS pt, COALESCE(SUM(completion_tokens), 0) AS ct,"
      + " COUNT(DISTINCT project_id) AS projects FROM usage_log WHERE timestamp >= ?";
  private static final String BY_PURPOSE = "SELECT purpose, SUM(cost_usd) AS cost, COUNT(*) AS calls FROM usage_log"
      + " WHERE timestamp >= ? GROUP BY purpose ORDER BY cost DESC, purpose";
  private static final String BY_PROVIDER = "SELECT provider, SUM(cost_usd) AS cost, COUNT(*) AS calls,"
      + " SUM(prompt_tokens) AS pt, SUM(completion_tokens) AS ct FROM usage_log WHERE timestamp >= ?"
      + " GROUP BY provider ORDER BY cost DESC, provider";
  private static final String TOP_MODELS = "SELECT model, provider, SUM(cost_usd) AS cost, COUNT(*) AS calls"
      + " FROM usage_log WHERE timestamp >= ? GROUP BY model, provider ORDER BY cost DESC, model, provider LIMIT 10";

  // escalation (issue 15): judged attempts by tier, and the tasks that climbed a tier.
  private static final String ATTEMPTS_BY_TIER = "SELECT model_tier, COUNT(*) AS attempts,"
      + " SUM(CASE WHEN verdict = 'passed' THEN 1 ELSE 0 END) AS passed,"
      + " SUM(CASE WHEN verdict = 'gaps_found' THEN 1 ELSE 0 END) AS gaps,"
      + " COALESCE(SUM(cost_usd), 0) AS cost FROM task_attempts GROUP BY model_tier ORDER BY model_tier";
  private static final String ESCALATED = "SELECT COUNT(*) AS tasks, COALESCE(SUM(passed), 0) AS passed,"
      + " COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM(below), 0) AS below FROM (SELECT task_id,"
      + " MAX(CASE WHEN verdict = 'passed' THEN 1 ELSE 0 END) AS passed, SUM(cost_usd) AS cost,"
      + " SUM(CASE WHEN verdict = 'gaps_found' THEN cost_usd ELSE 0 END) AS below"
      + " FROM task_attempts GROUP BY task_id HAVING COUNT(DISTINCT model_tier) > 1) e";

  private final Db db;
  private final Clock clock;
  private final String dailyTrend;

  public AnalyticsService(Db db, Clock clock) {
    this.db = db;
    this.clock = clock;
    // The one query that needs a calendar: each dialect names the UTC date its own way.
    String utcDate = db.dialect() == Dialect.POSTGRES
        ? "to_char(to_timestamp(u.timestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        : "strftime('%Y-%m-%d', u.timestamp, 'unixepoch')";
    this.dailyTrend = DAILY_TREND.formatted(utcDate);
  }

  /** {@code AnalyticsCostBreakdown} over the last {@code days} days. */
  public Future<JsonObject> costBreakdown(int days) {
    Tuple since = Tuple.of(windowStart(days));
    var client = db.client();
    Future<RowSet<Row>> projects = client.preparedQuery(COST_BY_PROJECT).execute(since);
    Future<RowSet<Row>> tiers = client.preparedQuery(COST_BY_TIER).execute(since);
    Future<RowSet<Row>> trend = client.preparedQuery(dailyTrend).execute(since);
    return Future.all(projects, tiers, trend).map(all -> {
      JsonArray byProject = new JsonArray();
      projects.result().forEach(row -> byProject.add(new JsonObject()
          .put("project_id", row.getString("project_id"))
          .put("project_name", nameOrDeleted(row))
          .put("cost_usd", Money.round(row.getDouble("cost"), 6))
          .put("task_count", row.getLong("task_count"))));
      JsonArray byTier = new JsonArray();
      BigDecimal total = BigDecimal.ZERO;
      for (Row row : tiers.result()) {
        double cost = row.getDouble("cost");
        long tasks = row.getLong("task_count");
        BigDecimal rounded = Money.exact(cost, 6);
        total = total.add(rounded);
        byTier.add(new JsonObject()
            .put("model_tier", row.getString("model_tier"))
            .put("cost_usd", rounded.doubleValue())
            .put("task_count", tasks)
            .put("avg_cost_per_task", tasks == 0 ? 0.0 : Money.round(cost / tasks, 6)));
      }
      JsonArray dailyTrend = new JsonArray();
      trend.result().forEach(row -> dailyTrend.add(new JsonObject()
          .put("date", row.getString("usage_date"))
          .put("cost_usd", Money.round(row.getDouble("cost"), 6))
          .put("api_calls", row.getLong("calls"))));
      return new JsonObject()
          .put("by_project", byProject)
          .put("by_model_tier", byTier)
          .put("daily_trend", dailyTrend)
          .put("total_cost_usd", total.setScale(6, RoundingMode.HALF_EVEN).doubleValue());
    });
  }

  /** {@code AnalyticsTaskOutcomes}, all time. */
  public Future<JsonObject> taskOutcomes() {
    var client = db.client();
    Future<RowSet<Row>> outcomes = client.query(OUTCOMES).execute();
    Future<RowSet<Row>> verifications = client.query(VERIFICATIONS).execute();
    return Future.all(outcomes, verifications).map(all -> {
      JsonArray byTier = new JsonArray();
      pivot(outcomes.result(), "status").forEach((tier, counts) -> {
        long completed = counts.getOrDefault("completed", 0L);
        long failed = counts.getOrDefault("failed", 0L);
        long needsReview = counts.getOrDefault("needs_review", 0L);
        long total = completed + failed + needsReview + counts.getOrDefault("cancelled", 0L);
        byTier.add(new JsonObject()
            .put("model_tier", tier)
            .put("total", total)
            .put("completed", completed)
            .put("failed", failed)
            .put("needs_review", needsReview)
            .put("success_rate", rate(completed, total)));
      });
      JsonArray verificationByTier = new JsonArray();
      // A tier whose only verdicts are uncounted ones (skipped) still appears, with zeros.
      pivot(verifications.result(), "verification_status").forEach((tier, counts) -> {
        long passed = counts.getOrDefault("passed", 0L);
        long gaps = counts.getOrDefault("gaps_found", 0L);
        long human = counts.getOrDefault("human_needed", 0L);
        long total = VERIFICATION_COUNTED.stream().mapToLong(v -> counts.getOrDefault(v, 0L)).sum();
        verificationByTier.add(new JsonObject()
            .put("model_tier", tier)
            .put("total_verified", total)
            .put("passed", passed)
            .put("gaps_found", gaps)
            .put("human_needed", human)
            .put("pass_rate", rate(passed, total)));
      });
      return new JsonObject().put("by_tier", byTier).put("verification_by_tier", verificationByTier);
    });
  }

  /**
   * Verify-then-escalate, all time: per tier, the judged attempts, how many passed ({@code enough_rate}:
   * the tier was enough) and found gaps, and what they cost; and the tasks that climbed a tier: how
   * many, how many then passed, their whole cost and the part spent on the attempts that fell short.
   */
  public Future<JsonObject> escalation() {
    var client = db.client();
    Future<RowSet<Row>> tiers = client.query(ATTEMPTS_BY_TIER).execute();
    Future<RowSet<Row>> escalated = client.query(ESCALATED).execute();
    return Future.all(tiers, escalated).map(all -> {
      JsonArray byTier = new JsonArray();
      tiers.result().forEach(row -> {
        long attempts = row.getLong("attempts");
        long passed = row.getLong("passed");
        byTier.add(new JsonObject().put("model_tier", row.getString("model_tier")).put("attempts", attempts)
            .put("passed", passed).put("gaps_found", row.getLong("gaps")).put("enough_rate", rate(passed, attempts))
            .put("cost_usd", Money.round(row.getDouble("cost"), 6)));
      });
      Row e = escalated.result().iterator().next();
      return new JsonObject().put("by_tier", byTier)
          .put("escalated_tasks", e.getLong("tasks"))
          .put("escalated_passed", e.getLong("passed"))
          .put("escalated_cost_usd", Money.round(e.getDouble("cost"), 6))
          .put("cost_before_escalation_usd", Money.round(e.getDouble("below"), 6));
    });
  }

  /** {@code AnalyticsEfficiency}, all time. */
  public Future<JsonObject> efficiency() {
    var client = db.client();
    Future<RowSet<Row>> retries = client.query(RETRIES).execute();
    Future<RowSet<Row>> checkpoints = client.query(CHECKPOINTS).execute();
    Future<RowSet<Row>> waves = client.query(WAVES).execute();
    Future<RowSet<Row>> costs = client.query(COST_EFFICIENCY).execute();
    return Future.all(retries, checkpoints, waves, costs).map(all -> {
      JsonArray retriesByTier = new JsonArray();
      retries.result().forEach(row -> {
        long total = row.getLong("total");
        long withRetries = row.getLong("with_retries");
        retriesByTier.add(new JsonObject()
            .put("model_tier", row.getString("model_tier"))
            .put("total_tasks", total)
            .put("tasks_with_retries", withRetries)
            .put("total_retries", row.getLong("retries"))
            .put("retry_rate", rate(withRetries, total)));
      });
      Row cp = checkpoints.result().iterator().next();
      JsonArray waveThroughput = new JsonArray();
      waves.result().forEach(row -> {
        Double avg = row.getDouble("avg_duration");
        waveThroughput.add(new JsonObject()
            .put("project_id", row.getString("project_id"))
            .put("project_name", nameOrDeleted(row))
            .put("wave", row.getLong("wave"))
            .put("task_count", row.getLong("task_count"))
            .put("avg_duration_seconds", avg == null || avg == 0 ? null : Money.round(avg, 2)));
      });
      JsonArray costEfficiency = new JsonArray();
      costs.result().forEach(row -> {
        double cost = row.getDouble("cost");
        long passed = row.getLong("passed");
        costEfficiency.add(new JsonObject()
            .put("model_tier", row.getString("model_tier"))
            .put("cost_usd", Money.round(cost, 6))
            .put("tasks_completed", row.getLong("completed"))
            .put("verification_pass_count", passed)
            .put("cost_per_pass", passed == 0 ? null : Money.round(cost / passed, 6)));
      });
      return new JsonObject()
          .put("retries_by_tier", retriesByTier)
          .put("checkpoint_count", cp.getLong("total"))
          .put("unresolved_checkpoint_count", cp.getLong("unresolved"))
          .put("wave_throughput", waveThroughput)
          .put("cost_efficiency", costEfficiency);
    });
  }

  /** {@code AnalyticsUsageOverview}: every usage row of the last {@code days} days. */
  public Future<JsonObject> usageOverview(int days) {
    Tuple since = Tuple.of(windowStart(days));
    var client = db.client();
    Future<RowSet<Row>> overview = client.preparedQuery(OVERVIEW).execute(since);
    Future<RowSet<Row>> purposes = client.preparedQuery(BY_PURPOSE).execute(since);
    Future<RowSet<Row>> providers = client.preparedQuery(BY_PROVIDER).execute(since);
    Future<RowSet<Row>> models = client.preparedQuery(TOP_MODELS).execute(since);
    return Future.all(overview, purposes, providers, models).map(all -> {
      Row o = overview.result().iterator().next();
      double total = o.getDouble("cost");
      JsonArray byPurpose = new JsonArray();
      purposes.result().forEach(row -> {
        String purpose = row.getString("purpose");
        byPurpose.add(new JsonObject()
            .put("purpose", purpose == null || purpose.isEmpty() ? "(unset)" : purpose)
            .put("cost_usd", Money.round(row.getDouble("cost"), 6))
            .put("api_calls", row.getLong("calls"))
            .put("pct_of_total", Money.pct(row.getDouble("cost"), total)));
      });
      JsonArray byProvider = new JsonArray();
      providers.result().forEach(row -> byProvider.add(new JsonObject()
          .put("provider", row.getString("provider"))
          .put("cost_usd", Money.round(row.getDouble("cost"), 6))
          .put("api_calls", row.getLong("calls"))
          .put("prompt_tokens", row.getLong("pt"))
          .put("completion_tokens", row.getLong("ct"))
          .put("pct_of_total", Money.pct(row.getDouble("cost"), total))));
      JsonArray byModel = new JsonArray();
      models.result().forEach(row -> byModel.add(new JsonObject()
          .put("model", row.getString("model"))
          .put("provider", row.getString("provider"))
          .put("cost_usd", Money.round(row.getDouble("cost"), 6))
          .put("api_calls", row.getLong("calls"))
          .put("pct_of_total", Money.pct(row.getDouble("cost"), total))));
      JsonObject summary = new JsonObject()
          .put("total_cost_usd", Money.round(total, 6))
          .put("total_api_calls", o.getLong("calls"))
          .put("total_tokens", o.getLong("pt") + o.getLong("ct"))
          .put("active_projects", o.getLong("projects"));
      return new JsonObject()
          .put("summary", summary)
          .put("by_purpose", byPurpose)
          .put("by_provider", byProvider)
          .put("by_model", byModel);
    });
  }

  /** The window's start: {@code now − days·86400}. */
  private double windowStart(int days) {
    return Times.now(clock) - days * 86400.0;
  }

  /** Tier → (value of {@code column} → count), tiers sorted by name. */
  private static Map<String, Map<String, Long>> pivot(RowSet<Row> rows, String column) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    rows.forEach(row -> out.computeIfAbsent(row.getString("model_tier"), tier -> new TreeMap<>())
        .put(row.getString(column), row.getLong("n")));
    return out;
  }

  private static double rate(long part, long whole) {
    return whole == 0 ? 0.0 : Money.round((double) part / whole, 4);
  }

  private static String nameOrDeleted(Row row) {
    String name = row.getString("project_name");
    return name == null ? "(deleted)" : name;
  }
}
