package dev.orch.kernel.planner;

import dev.orch.kernel.state.Lifecycle;

import dev.orch.kernel.planner.Decomposition.TaskDraft;
import dev.orch.kernel.projects.Project;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/** SQL of the planner: plan versions, decomposition writes and project status moves. */
final class PlanRepository {
  private static final String PROJECT = "SELECT " + Project.COLUMNS + " FROM projects WHERE id = ?";
  private static final String SUPERSEDE = "UPDATE plans SET status = 'superseded' WHERE project_id = ? AND status = 'draft'";
  private static final String NEXT_VERSION = "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM plans WHERE project_id = ?";
  private static final String INSERT_PLAN = "INSERT INTO plans (id, project_id, version, model_used, prompt_tokens,"
      + " completion_tokens, cost_usd, plan_json, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?)";
  private static final String PLAN = "SELECT id, project_id, plan_json, status FROM plans WHERE id = ? AND project_id = ?";
  private static final String APPROVE = "UPDATE plans SET status = 'approved' WHERE id = ? AND status = 'draft'";
  private static final String INSERT_TASK = "INSERT INTO tasks (id, project_id, plan_id, title, description, task_type,"
      + " priority, status, model_tier, tools_json, system_prompt, max_tokens, max_retries, wave, phase,"
      + " requirement_ids_json, critical_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
      + "'" + Lifecycle.initial(false) + "', ?, ?, '', ?, 2, ?, ?, ?, ?, ?, ?)";
  private static final String INSERT_EDGE = "INSERT INTO task_deps (task_id, depends_on) VALUES (?, ?)";

  record PlanRow(String id, JsonObject plan, String status) {}

  Future<Project> project(SqlClient client, String id) {
    return client.preparedQuery(PROJECT).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : Project.from(rows.iterator().next()));
  }

  /** True when the project moved to {@code planning}; a compare-and-set, so a concurrent execute is not overwritten. */
  Future<Boolean> startPlanning(SqlClient client, String projectId, double now) {
    return moved(client, Lifecycle.START_PLANNING, now, projectId);
  }

  /** Back to draft after the planning call, unless the project was cancelled meanwhile. */
  Future<Boolean> endPlanning(SqlClient client, String projectId, double now) {
    return moved(client, Lifecycle.END_PLANNING, now, projectId);
  }

  /** A plan was approved: the project is ready; false when it is in a status no approval may leave. */
  Future<Boolean> approved(SqlClient tx, String projectId, double now) {
    return moved(tx, Lifecycle.APPROVED, now, projectId);
  }

  private static Future<Boolean> moved(SqlClient client, Lifecycle.ProjectMove move, double now, String projectId) {
    return client.preparedQuery(move.sql()).execute(Tuple.of(now, projectId)).map(rows -> rows.rowCount() == 1);
  }

  /** Supersedes earlier drafts and stores the new plan as the next version; returns the version. */
  Future<Integer> insertPlan(SqlClient tx, String planId, String projectId, String model, long promptTokens,
      long completionTokens, double cost, JsonObject plan, double now) {
    return tx.preparedQuery(SUPERSEDE).execute(Tuple.of(projectId))
        .compose(v -> tx.preparedQuery(NEXT_VERSION).execute(Tuple.of(projectId)))
        .compose(rows -> {
          int version = rows.iterator().next().getInteger("v");
          return tx.preparedQuery(INSERT_PLAN).execute(Tuple.wrap(List.of(planId, projectId, version, model,
              promptTokens, completionTokens, cost, plan.encode(), now))).map(version);
        });
  }

  Future<PlanRow> plan(SqlClient client, String planId, String projectId) {
    return client.preparedQuery(PLAN).execute(Tuple.of(planId, projectId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      JsonObject plan;
      try {
        plan = new JsonObject(r.getString("plan_json"));
      } catch (RuntimeException e) {
        plan = new JsonObject();
      }
      return new PlanRow(r.getString("id"), plan, r.getString("status"));
    });
  }

  /** Draft → approved; false when another approval got there first. */
  Future<Boolean> markApproved(SqlClient tx, String planId) {
    return tx.preparedQuery(APPROVE).execute(Tuple.of(planId)).map(rows -> rows.rowCount() == 1);
  }

  /** Writes the tasks and edges; returns the new task ids in draft order. */
  Future<List<String>> insertTasks(SqlClient tx, String projectId, String planId, Decomposition d, double now) {
    List<String> ids = new ArrayList<>();
    List<Tuple> tasks = new ArrayList<>();
    List<Tuple> contexts = new ArrayList<>();
    for (TaskDraft t : d.tasks()) {
      String id = Ids.short12();
      ids.add(id);
      tasks.add(Tuple.wrap(java.util.Arrays.asList(id, projectId, planId, t.title(), t.description(), t.taskType(),
          t.priority(), t.modelTier(), new JsonArray(t.tools()).encode(), t.maxTokens(), t.wave(),
          t.phase(), new JsonArray(t.requirementIds()).encode(), t.criticalPath(), now, now)));
      contexts.add(Tuple.of(id, t.context().encode()));
    }
    List<Tuple> edges = d.edges().stream().map(e -> Tuple.of(ids.get(e[0]), ids.get(e[1]))).toList();
    return tx.preparedQuery(INSERT_TASK).executeBatch(tasks)
        .compose(v -> tx.preparedQuery(dev.orch.kernel.state.TaskContexts.INSERT).executeBatch(contexts))
        .compose(v -> edges.isEmpty() ? Future.succeededFuture() : tx.preparedQuery(INSERT_EDGE).executeBatch(edges))
        .map(ids);
  }

  Future<Void> blockWaiting(SqlClient tx, String projectId, double now) {
    return tx.preparedQuery(Lifecycle.BLOCK_WAITING.sql()).execute(Tuple.of(now, projectId)).mapEmpty();
  }
}
