package dev.orch.kernel.admin;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.auth.User;
import dev.orch.kernel.auth.UserRepository;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** User administration and installation statistics (API.md §3.12). */
public final class AdminService {
  private static final Logger LOG = LoggerFactory.getLogger(AdminService.class);
  private static final String USER_COUNTS = "SELECT COUNT(*) AS total, COALESCE(SUM(is_active), 0) AS active FROM users";
  private static final String PROJECTS_BY_STATUS = "SELECT status, COUNT(*) AS n FROM projects GROUP BY status";
  private static final String TASKS_BY_STATUS = "SELECT status, COUNT(*) AS n FROM tasks GROUP BY status";
  private static final String SPEND_BY_MODEL = "SELECT model, SUM(cost_usd) AS cost FROM usage_log GROUP BY model";

  private final Db db;
  private final UserRepository users;

  public AdminService(Db db, UserRepository users) {
    this.db = db;
    this.users = users;
  }

  /** {@code AdminUserOut[]}, newest first. */
  public Future<JsonArray> listUsers(int limit, int offset) {
    return users.listWithProjects(limit, offset).map(list -> {
      JsonArray out = new JsonArray();
      list.forEach(u -> out.add(adminUserOut(u.user(), u.projectCount())));
      return out;
    });
  }

  /**
   * Changes a user's role and/or active flag, in the contract's check order; an admin cannot lock
   * themselves out and the last active admin cannot be removed.
   */
  public Future<JsonObject> updateUser(Principal caller, String userId, String role, Boolean active) {
    return db.serialized("users", tx -> users.byId(tx, userId).compose(target -> {
      if (target == null) {
        return Future.failedFuture(OrchestratorException.notFound("User not found"));
      }
      if (target.id().equals(caller.id())) {
        if (Boolean.FALSE.equals(active)) {
          return Future.failedFuture(OrchestratorException.badRequest("Cannot deactivate your own account"));
        }
        if (role != null && !role.equals(User.ADMIN)) {
          return Future.failedFuture(OrchestratorException.badRequest("Cannot change your own role"));
        }
      }
      boolean removesAdmin = target.admin() && target.active()
          && (User.USER.equals(role) || Boolean.FALSE.equals(active));
      Future<Void> guard = removesAdmin
          ? users.activeAdmins(tx).compose(n -> n <= 1
              ? Future.failedFuture(OrchestratorException.badRequest("Cannot remove the last active admin"))
              : Future.succeededFuture())
          : Future.succeededFuture();
      return guard.compose(ignored -> {
        if (role == null && active == null) {
          return Future.failedFuture(OrchestratorException.badRequest("No fields to update"));
        }
        Future<Void> write = Future.succeededFuture();
        if (role != null) {
          write = write.compose(v -> users.setRole(tx, userId, role));
        }
        if (active != null) {
          write = write.compose(v -> users.setActive(tx, userId, active));
        }
        return write.compose(v -> users.byId(tx, userId))
            .compose(updated -> users.projectCount(tx, userId).map(n -> {
              LOG.info("user updated [user: {}, by: {}, role: {}, active: {}]", userId, caller.id(),
                  updated.role(), updated.active());
              return adminUserOut(updated, n);
            }));
      });
    }));
  }

  /** {@code AdminStats}. */
  public Future<JsonObject> stats() {
    var client = db.client();
    Future<RowSet<Row>> userCounts = client.query(USER_COUNTS).execute();
    Future<RowSet<Row>> projects = client.query(PROJECTS_BY_STATUS).execute();
    Future<RowSet<Row>> tasks = client.query(TASKS_BY_STATUS).execute();
    Future<RowSet<Row>> spend = client.query(SPEND_BY_MODEL).execute();
    return Future.all(userCounts, projects, tasks, spend).map(all -> {
      Row u = userCounts.result().iterator().next();
      Map<String, Long> projectsByStatus = counts(projects.result());
      Map<String, Long> tasksByStatus = counts(tasks.result());
      JsonObject spendByModel = new JsonObject();
      BigDecimal total = BigDecimal.ZERO;
      Map<String, Double> sorted = new TreeMap<>();
      spend.result().forEach(row -> sorted.put(row.getString("model"), row.getDouble("cost")));
      for (var e : sorted.entrySet()) {
        BigDecimal rounded = round(e.getValue() == null ? 0 : e.getValue(), 6);
        spendByModel.put(e.getKey(), rounded.doubleValue());
        total = total.add(rounded);
      }
      long completed = tasksByStatus.getOrDefault("completed", 0L);
      long failed = tasksByStatus.getOrDefault("failed", 0L);
      double rate = completed + failed == 0 ? 0.0 : round((double) completed / (completed + failed), 4).doubleValue();
      return new JsonObject()
          .put("total_users", u.getLong("total"))
          .put("active_users", u.getLong("active"))
          .put("total_projects", projectsByStatus.values().stream().mapToLong(Long::longValue).sum())
          .put("projects_by_status", new JsonObject(Map.copyOf(projectsByStatus)))
          .put("total_tasks", tasksByStatus.values().stream().mapToLong(Long::longValue).sum())
          .put("tasks_by_status", new JsonObject(Map.copyOf(tasksByStatus)))
          .put("total_spend_usd", total.setScale(6, RoundingMode.HALF_EVEN).doubleValue())
          .put("spend_by_model", spendByModel)
          .put("task_completion_rate", rate);
    });
  }

  static JsonObject adminUserOut(User user, long projectCount) {
    return new JsonObject()
        .put("id", user.id())
        .put("email", user.email())
        .put("display_name", user.displayName() == null ? "" : user.displayName())
        .put("role", user.role())
        .put("is_active", user.active())
        .put("created_at", user.createdAt())
        .put("last_login_at", user.lastLoginAt())
        .put("project_count", projectCount);
  }

  private static Map<String, Long> counts(RowSet<Row> rows) {
    Map<String, Long> out = new TreeMap<>();
    rows.forEach(row -> out.put(row.getString("status"), row.getLong("n")));
    return out;
  }

  /** Python's round(): half-even on the exact binary value. */
  static BigDecimal round(double value, int places) {
    return new BigDecimal(value).setScale(places, RoundingMode.HALF_EVEN);
  }
}
