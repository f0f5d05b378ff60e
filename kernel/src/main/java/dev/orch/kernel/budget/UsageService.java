package dev.orch.kernel.budget;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The reads behind {@code /api/usage} (API.md §3.9). Spend and tokens come straight from
 * {@code usage_log} and {@code budget_periods}; the budget status is asked of the budget component,
 * so that it is computed in one place.
 */
public final class UsageService {
  private static final long BUS_TIMEOUT_MS = 5_000;
  private static final List<String> BUDGET_STATUS_FIELDS = List.of("daily_spent_usd", "daily_limit_usd", "daily_pct",
      "monthly_spent_usd", "monthly_limit_usd", "monthly_pct");

  private static final String TOTALS = "SELECT COALESCE(SUM(cost_usd), 0) AS cost, COALESCE(SUM(prompt_tokens), 0) AS pt,"
      + " COALESCE(SUM(completion_tokens), 0) AS ct, COUNT(*) AS calls FROM usage_log";
  private static final String BY_MODEL = "SELECT model, SUM(cost_usd) AS cost, SUM(prompt_tokens) AS pt,"
      + " SUM(completion_tokens) AS ct, COUNT(*) AS calls FROM usage_log";
  private static final String BY_PROVIDER = "SELECT provider, SUM(cost_usd) AS cost, COUNT(*) AS calls FROM usage_log";
  private static final String OF_PROJECT = " WHERE project_id = ?";
  private static final String DAILY = "SELECT period_key, total_cost_usd, total_prompt_tokens, total_completion_tokens,"
      + " api_call_count FROM budget_periods WHERE period_type = 'daily' ORDER BY period_key DESC LIMIT ?";
  private static final String BY_PROJECT = "SELECT u.project_id, p.name, SUM(u.cost_usd) AS cost,"
      + " SUM(u.prompt_tokens) AS pt, SUM(u.completion_tokens) AS ct, COUNT(*) AS calls"
      + " FROM usage_log u LEFT JOIN projects p ON p.id = u.project_id WHERE u.project_id IS NOT NULL";
  private static final String OWNED = " AND p.owner_id = ?";
  private static final String BY_PROJECT_PAGE = " GROUP BY u.project_id, p.name ORDER BY cost DESC, u.project_id"
      + " LIMIT ? OFFSET ?";

  private final Vertx vertx;
  private final Db db;
  private final ProjectAccess access;

  public UsageService(Vertx vertx, Db db) {
    this.vertx = vertx;
    this.db = db;
    this.access = new ProjectAccess(db);
  }

  /**
   * {@code UsageSummary} over all time: one project's rows when {@code projectId} is set (404/403 by
   * the ownership rule), else every row, which only an admin may see (403
   * {@code Admin access required for system-wide usage}). An empty id counts as none, as in the
   * original.
   */
  public Future<JsonObject> summary(Principal caller, String projectId) {
    if (projectId == null || projectId.isEmpty()) {
      if (!caller.admin()) {
        return Future.failedFuture(OrchestratorException.forbidden("Admin access required for system-wide usage"));
      }
      return summary(TOTALS, BY_MODEL + " GROUP BY model ORDER BY model",
          BY_PROVIDER + " GROUP BY provider ORDER BY provider", Tuple.tuple());
    }
    return access.project(caller, projectId).compose(project -> summary(TOTALS + OF_PROJECT,
        BY_MODEL + OF_PROJECT + " GROUP BY model ORDER BY model",
        BY_PROVIDER + OF_PROJECT + " GROUP BY provider ORDER BY provider", Tuple.of(projectId)));
  }

  /** {@code BudgetStatus} (API.md §4), from {@link BudgetAddresses#STATUS}. */
  public Future<JsonObject> budget() {
    return vertx.eventBus().<JsonObject>request(BudgetAddresses.STATUS, new JsonObject(),
            new DeliveryOptions().setSendTimeout(BUS_TIMEOUT_MS))
        .map(Message::body)
        .map(status -> {
          JsonObject out = new JsonObject();
          BUDGET_STATUS_FIELDS.forEach(field -> out.put(field, status.getValue(field)));
          return out;
        });
  }

  /** The latest {@code days} daily periods, oldest first; days without spend have no period. */
  public Future<JsonArray> daily(int days) {
    return db.client().preparedQuery(DAILY).execute(Tuple.of(days)).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(row -> out.add(new JsonObject()
          .put("date", row.getString("period_key"))
          .put("cost_usd", Money.round(row.getDouble("total_cost_usd"), 4))
          .put("prompt_tokens", row.getLong("total_prompt_tokens"))
          .put("completion_tokens", row.getLong("total_completion_tokens"))
          .put("api_calls", row.getLong("api_call_count"))));
      Collections.reverse(out);
      return new JsonArray(out);
    });
  }

  /**
   * Spend per project, highest cost first: the caller's own projects, or every project for an admin.
   * Rows without a project are left out.
   */
  public Future<JsonArray> byProject(Principal caller, int limit, int offset) {
    var query = caller.admin()
        ? db.client().preparedQuery(BY_PROJECT + BY_PROJECT_PAGE).execute(Tuple.of(limit, offset))
        : db.client().preparedQuery(BY_PROJECT + OWNED + BY_PROJECT_PAGE).execute(Tuple.of(caller.id(), limit, offset));
    return query.map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(new JsonObject()
          .put("project_id", row.getString("project_id"))
          .put("project_name", row.getString("name") == null ? "Unknown" : row.getString("name"))
          .put("cost_usd", Money.round(row.getDouble("cost"), 4))
          .put("prompt_tokens", row.getLong("pt"))
          .put("completion_tokens", row.getLong("ct"))
          .put("api_calls", row.getLong("calls"))));
      return out;
    });
  }

  private Future<JsonObject> summary(String totalsSql, String byModelSql, String byProviderSql, Tuple params) {
    var client = db.client();
    Future<RowSet<Row>> totals = client.preparedQuery(totalsSql).execute(params);
    Future<RowSet<Row>> byModel = client.preparedQuery(byModelSql).execute(params);
    Future<RowSet<Row>> byProvider = client.preparedQuery(byProviderSql).execute(params);
    return Future.all(totals, byModel, byProvider).map(all -> {
      Row t = totals.result().iterator().next();
      JsonObject models = new JsonObject();
      byModel.result().forEach(row -> models.put(row.getString("model"), new JsonObject()
          .put("cost_usd", Money.round(row.getDouble("cost"), 4))
          .put("prompt_tokens", row.getLong("pt"))
          .put("completion_tokens", row.getLong("ct"))
          .put("calls", row.getLong("calls"))));
      JsonObject providers = new JsonObject();
      byProvider.result().forEach(row -> providers.put(row.getString("provider"), new JsonObject()
          .put("cost_usd", Money.round(row.getDouble("cost"), 4))
          .put("calls", row.getLong("calls"))));
      return new JsonObject()
          .put("total_cost_usd", Money.round(t.getDouble("cost"), 4))
          .put("total_prompt_tokens", t.getLong("pt"))
          .put("total_completion_tokens", t.getLong("ct"))
          .put("api_call_count", t.getLong("calls"))
          .put("by_model", models)
          .put("by_provider", providers);
    });
  }
}
