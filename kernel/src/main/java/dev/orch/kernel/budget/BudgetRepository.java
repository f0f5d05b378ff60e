package dev.orch.kernel.budget;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * SQL of the tables the budget component owns: {@code budget_reservations}, {@code budget_periods}
 * and the writes to {@code usage_log}. Methods take the client to run on, so the ledger decides what
 * shares a transaction.
 */
final class BudgetRepository {
  /** The table whose lock serialises every check-then-write on the budget. */
  static final String LOCK_TABLE = "budget_reservations";

  private static final String DELETE_EXPIRED = "DELETE FROM budget_reservations WHERE expires_at <= ?";
  private static final String PERIOD_COSTS =
      "SELECT period_key, total_cost_usd FROM budget_periods WHERE period_key IN (?, ?)";
  private static final String RESERVED =
      "SELECT COALESCE(SUM(amount_usd), 0) AS total FROM budget_reservations WHERE expires_at > ?";
  private static final String RESERVED_FOR_PROJECT = "SELECT COALESCE(SUM(amount_usd), 0) AS total"
      + " FROM budget_reservations WHERE project_id = ? AND expires_at > ?";
  private static final String PROJECT_SPENT =
      "SELECT COALESCE(SUM(cost_usd), 0) AS total FROM usage_log WHERE project_id = ?";
  private static final String INSERT_RESERVATION = "INSERT INTO budget_reservations"
      + " (id, project_id, task_id, amount_usd, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String RESERVATION_PROJECT = "SELECT project_id FROM budget_reservations WHERE id = ?";
  private static final String DELETE_RESERVATION = "DELETE FROM budget_reservations WHERE id = ?";
  private static final String USAGE_BY_CALL = "SELECT id FROM usage_log WHERE call_id = ?";
  // A project or task deleted while its call ran is stored as NULL rather than failing the foreign
  // key: the money was spent either way (API.md §18.4).
  private static final String INSERT_USAGE = "INSERT INTO usage_log (project_id, task_id, provider, model,"
      + " prompt_tokens, completion_tokens, cost_usd, purpose, timestamp, call_id)"
      + " VALUES ((SELECT id FROM projects WHERE id = ?), (SELECT id FROM tasks WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String ADD_TO_PERIOD = "INSERT INTO budget_periods (period_key, period_type,"
      + " total_cost_usd, total_prompt_tokens, total_completion_tokens, api_call_count) VALUES (?, ?, ?, ?, ?, 1)"
      + " ON CONFLICT (period_key) DO UPDATE SET"
      + " total_cost_usd = budget_periods.total_cost_usd + excluded.total_cost_usd,"
      + " total_prompt_tokens = budget_periods.total_prompt_tokens + excluded.total_prompt_tokens,"
      + " total_completion_tokens = budget_periods.total_completion_tokens + excluded.total_completion_tokens,"
      + " api_call_count = budget_periods.api_call_count + 1";

  /** Spend and holds at one moment; the project fields are 0 without a project. */
  record Totals(double dailySpent, double monthlySpent, double reserved, double projectSpent, double projectReserved) {}

  /** Deletes reservations whose expiry has passed; returns how many. */
  Future<Integer> deleteExpired(SqlClient client, double now) {
    return client.preparedQuery(DELETE_EXPIRED).execute(Tuple.of(now)).map(rows -> rows.rowCount());
  }

  /** Spent today and this month (the period totals) and the live reservations, globally and for a project. */
  Future<Totals> totals(SqlClient client, String dayKey, String monthKey, String projectId, double now) {
    Future<double[]> periods = client.preparedQuery(PERIOD_COSTS).execute(Tuple.of(dayKey, monthKey)).map(rows -> {
      double[] spent = new double[2];
      for (Row row : rows) {
        spent[row.getString("period_key").equals(dayKey) ? 0 : 1] = row.getDouble("total_cost_usd");
      }
      return spent;
    });
    return periods.compose(spent -> total(client, RESERVED, Tuple.of(now)).compose(reserved -> {
      if (projectId == null) {
        return Future.succeededFuture(new Totals(spent[0], spent[1], reserved, 0, 0));
      }
      return total(client, PROJECT_SPENT, Tuple.of(projectId)).compose(projectSpent ->
          total(client, RESERVED_FOR_PROJECT, Tuple.of(projectId, now)).map(projectReserved ->
              new Totals(spent[0], spent[1], reserved, projectSpent, projectReserved)));
    }));
  }

  Future<Void> insertReservation(SqlClient client, String id, ReserveRequest req, double now, double expiresAt) {
    return client.preparedQuery(INSERT_RESERVATION)
        .execute(Tuple.of(id, req.projectId(), req.taskId(), req.amountUsd(), req.purpose(), now, expiresAt))
        .mapEmpty();
  }

  /** The reservation's row ({@code project_id}), or null when there is none. */
  Future<Row> reservation(SqlClient client, String id) {
    return client.preparedQuery(RESERVATION_PROJECT).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Deletes a reservation; true when it existed. */
  Future<Boolean> deleteReservation(SqlClient client, String id) {
    return client.preparedQuery(DELETE_RESERVATION).execute(Tuple.of(id)).map(rows -> rows.rowCount() > 0);
  }

  /** The {@code usage_log} id stored for a call id, or null. */
  Future<Long> usageIdByCall(SqlClient client, String callId) {
    return client.preparedQuery(USAGE_BY_CALL).execute(Tuple.of(callId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getLong("id"));
  }

  Future<Void> insertUsage(SqlClient client, UsageRecord usage, String callId, double timestamp) {
    return client.preparedQuery(INSERT_USAGE).execute(Tuple.wrap(new Object[] {usage.projectId(), usage.taskId(),
        usage.provider(), usage.model(), usage.promptTokens(), usage.completionTokens(), usage.costUsd(),
        usage.purpose(), timestamp, callId})).mapEmpty();
  }

  /** Adds one call to a period's totals, creating the period on its first call. */
  Future<Void> addToPeriod(SqlClient client, String key, String type, UsageRecord usage) {
    return client.preparedQuery(ADD_TO_PERIOD)
        .execute(Tuple.of(key, type, usage.costUsd(), usage.promptTokens(), usage.completionTokens()))
        .mapEmpty();
  }

  private static Future<Double> total(SqlClient client, String sql, Tuple params) {
    return client.preparedQuery(sql).execute(params).map(rows -> {
      Double total = rows.iterator().next().getDouble("total");
      return total == null ? 0.0 : total;
    });
  }
}
