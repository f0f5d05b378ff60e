package dev.orch.kernel.budget;

import dev.orch.kernel.store.Sql;
import java.sql.SQLException;

/**
 * SQL of the tables the budget component owns: {@code budget_reservations}, {@code budget_periods}
 * and the writes to {@code usage_log}. Methods run inside the ledger's group-commit units, so the ledger
 * decides what shares a transaction.
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
  private static final String OWNER = "(SELECT owner_id FROM projects WHERE id = ?)";
  private static final String INSERT_RESERVATION = "INSERT INTO budget_reservations"
      + " (id, project_id, task_id, amount_usd, purpose, created_at, expires_at, user_id)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, " + OWNER + ")";
  private static final String USER_SPENT = "SELECT COALESCE(SUM(cost_usd), 0) AS total FROM usage_log"
      + " WHERE user_id = " + OWNER + " AND timestamp >= ?";
  private static final String USER_RESERVED = "SELECT COALESCE(SUM(amount_usd), 0) AS total FROM budget_reservations"
      + " WHERE user_id = " + OWNER + " AND expires_at > ?";
  private static final String RESERVATION_PROJECT = "SELECT project_id FROM budget_reservations WHERE id = ?";
  private static final String HELD = "SELECT id, amount_usd FROM budget_reservations WHERE task_id = ? AND purpose = ?"
      + " AND expires_at > ? ORDER BY created_at DESC LIMIT 1";
  private static final String DELETE_RESERVATION = "DELETE FROM budget_reservations WHERE id = ?";
  private static final String USAGE_BY_CALL = "SELECT id FROM usage_log WHERE call_id = ?";
  // A project or task deleted while its call ran is stored as NULL rather than failing the foreign
  // key: the money was spent either way (API.md §18.4).
  private static final String INSERT_USAGE = "INSERT INTO usage_log (project_id, task_id, provider, model,"
      + " prompt_tokens, completion_tokens, cost_usd, purpose, timestamp, call_id, user_id)"
      + " VALUES ((SELECT id FROM projects WHERE id = ?), (SELECT id FROM tasks WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, "
      + OWNER + ")";
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
  int deleteExpired(Sql sql, double now) throws SQLException {
    return sql.update(DELETE_EXPIRED, now);
  }

  /** Spent today and this month (the period totals) and the live reservations, globally and for a project. */
  Totals totals(Sql sql, String dayKey, String monthKey, String projectId, double now) throws SQLException {
    double[] spent = new double[2];
    for (Sql.Rec row : sql.query(PERIOD_COSTS, dayKey, monthKey)) {
      spent[row.getString("period_key").equals(dayKey) ? 0 : 1] = row.getDouble("total_cost_usd");
    }
    double reserved = total(sql, RESERVED, now);
    if (projectId == null) {
      return new Totals(spent[0], spent[1], reserved, 0, 0);
    }
    return new Totals(spent[0], spent[1], reserved, total(sql, PROJECT_SPENT, projectId),
        total(sql, RESERVED_FOR_PROJECT, projectId, now));
  }

  void insertReservation(Sql sql, String id, ReserveRequest req, double now, double expiresAt) throws SQLException {
    sql.update(INSERT_RESERVATION, id, req.projectId(), req.taskId(), req.amountUsd(), req.purpose(), now, expiresAt,
        req.projectId());
  }

  /**
   * What the owner of {@code projectId} spent since {@code since} and holds now, over all their
   * projects (deleted ones included); zeros for a call without a project.
   */
  double[] userTotals(Sql sql, String projectId, double since, double now) throws SQLException {
    if (projectId == null) {
      return new double[2];
    }
    return new double[] {total(sql, USER_SPENT, projectId, since), total(sql, USER_RESERVED, projectId, now)};
  }

  /** The reservation's project id, or null when there is no such reservation (or it has no project). */
  Sql.Rec reservation(Sql sql, String id) throws SQLException {
    return sql.first(RESERVATION_PROJECT, id);
  }

  /** The newest live reservation of a task for a purpose (id, amount_usd), or null. */
  Sql.Rec held(Sql sql, String taskId, String purpose, double now) throws SQLException {
    return sql.first(HELD, taskId, purpose, now);
  }

  /** Deletes a reservation; true when it existed. */
  boolean deleteReservation(Sql sql, String id) throws SQLException {
    return sql.update(DELETE_RESERVATION, id) > 0;
  }

  /** The {@code usage_log} id stored for a call id, or null. */
  Long usageIdByCall(Sql sql, String callId) throws SQLException {
    Sql.Rec row = sql.first(USAGE_BY_CALL, callId);
    return row == null ? null : row.getLong("id");
  }

  void insertUsage(Sql sql, UsageRecord usage, String callId, double timestamp) throws SQLException {
    sql.update(INSERT_USAGE, usage.projectId(), usage.taskId(), usage.provider(), usage.model(), usage.promptTokens(),
        usage.completionTokens(), usage.costUsd(), usage.purpose(), timestamp, callId, usage.projectId());
  }

  /** Adds one call to a period's totals, creating the period on its first call. */
  void addToPeriod(Sql sql, String key, String type, UsageRecord usage) throws SQLException {
    sql.update(ADD_TO_PERIOD, key, type, usage.costUsd(), usage.promptTokens(), usage.completionTokens());
  }

  private static double total(Sql sql, String query, Object... params) throws SQLException {
    Double total = sql.first(query, params).getDouble("total");
    return total == null ? 0.0 : total;
  }
}
