package dev.orch.kernel.tasks;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SQL for {@code tasks} and the project status changes of execution. Every state change is a
 * compare-and-set: the {@code WHERE} clause names the statuses the change may leave, and zero rows
 * means someone else moved the row first.
 */
final class TaskRepository {
  /** What the transitions decide on. */
  static final String STATE = "SELECT id, project_id, title, status, model_tier, retry_count, claimed_by, claimed_at,"
      + " max_tokens FROM tasks WHERE id = ?";
  static final String ONE = "SELECT " + TaskView.COLUMNS + " FROM tasks WHERE id = ?";
  static final String DEPS_OF_TASK = "SELECT depends_on FROM task_deps WHERE task_id = ? ORDER BY depends_on";
  /** Editing is refused only while running and once completed (API.md §8.4). */
  static final String EDITABLE = " WHERE id = ? AND status NOT IN ('running', 'completed')";
  static final String RETRY = "UPDATE tasks SET status = 'pending', error = NULL, output_text = NULL,"
      + " retry_count = retry_count + 1, updated_at = ? WHERE id = ? AND status = 'failed' AND retry_count < ?";
  static final String CANCEL = "UPDATE tasks SET status = 'cancelled', updated_at = ? WHERE id = ?"
      + " AND status IN ('pending', 'blocked', 'queued')";
  static final String REVIEW_APPROVE = "UPDATE tasks SET status = 'completed', updated_at = ? WHERE id = ?"
      + " AND status = 'needs_review'";
  static final String REVIEW_RETRY = "UPDATE tasks SET status = 'pending', verification_status = NULL,"
      + " verification_notes = NULL, output_text = NULL, completed_at = NULL, retry_count = retry_count + 1,"
      + " updated_at = ? WHERE id = ? AND status = 'needs_review' AND retry_count < ?";
  /** Any status may be resolved (API.md §3.6); the one read is compared so that the change is still atomic. */
  static final String CHECKPOINT_RETRY = "UPDATE tasks SET status = 'pending', error = NULL, retry_count = 0,"
      + " output_text = NULL, completed_at = NULL, updated_at = ? WHERE id = ? AND status = ?";

  static final String SET_STATUS_FROM = "UPDATE tasks SET status = ?, updated_at = ? WHERE id = ? AND status = ?";

  static final String PROJECT_STATUS = "SELECT status FROM projects WHERE id = ?";
  /**
   * Start or resume; also from a finished project that has pending work again (API.md §18.1
   * decision 7), whose {@code completed_at} no longer holds.
   */
  static final String EXECUTE = "UPDATE projects SET status = 'executing', completed_at = NULL, updated_at = ?"
      + " WHERE id = ? AND (status IN ('ready', 'paused') OR (status IN ('failed', 'completed')"
      + " AND EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = projects.id AND t.status = 'pending')))";
  static final String PAUSE = "UPDATE projects SET status = 'paused', updated_at = ? WHERE id = ? AND status = 'executing'";
  static final String CANCEL_PROJECT_TASKS = "UPDATE tasks SET status = 'cancelled', updated_at = ? WHERE project_id = ?"
      + " AND status IN ('pending', 'blocked', 'queued', 'running')";
  static final String CANCEL_PROJECT = "UPDATE projects SET status = 'cancelled', updated_at = ? WHERE id = ?";

  /** The wave rule of API.md §3.7: the lowest wave with a task that is not terminal. */
  static final String CURRENT_WAVE = TaskStatus.LOWEST_OPEN_WAVE;
  static final String CLAIMABLE = "SELECT t.id, t.title, t.description, t.model_tier, t.wave, t.priority, t.phase,"
      + " t.task_type FROM tasks t WHERE t.project_id = ? AND t.status = 'pending' AND t.wave = ?%s"
      + " AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks dep ON dep.id = d.depends_on"
      + " WHERE d.task_id = t.id AND dep.status <> 'completed')"
      + " ORDER BY t.priority, t.created_at, t.id";
  static final String NOT_OLLAMA = " AND t.model_tier <> 'ollama'";
  /** Pending → running for an external agent, only while the project executes (a cancel in between wins). */
  static final String CLAIM = "UPDATE tasks SET status = 'running', claimed_by = ?, claimed_at = ?, started_at = ?,"
      + " updated_at = ? WHERE id = ? AND status = 'pending'"
      + " AND EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id AND p.status = 'executing')";
  static final String CLAIMED = "SELECT id, project_id, title, description, task_type, model_tier, wave, priority, phase,"
      + " system_prompt, " + TaskContexts.COLUMN + ", tools_json, max_tokens, requirement_ids_json"
      + " FROM tasks" + TaskContexts.JOIN + " WHERE id = ?";
  /** Claim fields stay as they are (API.md §3.7); a task cancelled or released meanwhile is not overwritten. */
  static final String COMPLETE_EXTERNAL = "UPDATE tasks SET status = 'completed', output_text = ?, model_used = ?,"
      + " prompt_tokens = ?, completion_tokens = ?, cost_usd = ?, completed_at = ?, updated_at = ?"
      + " WHERE id = ? AND status = 'running' AND claimed_by = ?";
  static final String RELEASE = "UPDATE tasks SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
      + " started_at = NULL, output_text = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND claimed_by = ?";

  private static final Map<String, String> SORT_COLUMNS =
      Map.of("priority", "priority", "created_at", "created_at", "wave", "wave", "status", "status");

  /** A task as the transitions see it. */
  record TaskState(String id, String projectId, String title, String status, String modelTier, int retryCount,
      String claimedBy, Double claimedAt, int maxTokens) {}

  Future<TaskState> state(SqlClient client, String taskId) {
    return client.preparedQuery(STATE).execute(Tuple.of(taskId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row r = rows.iterator().next();
      return new TaskState(r.getString("id"), r.getString("project_id"), r.getString("title"), r.getString("status"),
          r.getString("model_tier"), r.getInteger("retry_count"), r.getString("claimed_by"),
          r.getDouble("claimed_at"), r.getInteger("max_tokens") == null ? 4096 : r.getInteger("max_tokens"));
    });
  }

  /** {@code TaskOut} of one task, or null. */
  Future<JsonObject> taskOut(SqlClient client, String taskId) {
    return Future.all(client.preparedQuery(ONE).execute(Tuple.of(taskId)), dependsOn(client, taskId)).map(all -> {
      io.vertx.sqlclient.RowSet<Row> rows = all.resultAt(0);
      return rows.size() == 0 ? null : TaskView.taskOut(rows.iterator().next(), all.resultAt(1));
    });
  }

  Future<JsonArray> dependsOn(SqlClient client, String taskId) {
    return client.preparedQuery(DEPS_OF_TASK).execute(Tuple.of(taskId)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(r.getString("depends_on")));
      return out;
    });
  }

  /** One page of a project's tasks, filtered and sorted, each with {@code depends_on}. */
  Future<JsonArray> list(SqlClient client, String projectId, TaskService.TaskQuery q) {
    List<Object> params = new ArrayList<>();
    params.add(projectId);
    StringBuilder where = new StringBuilder(" WHERE project_id = ?");
    if (q.status() != null) {
      where.append(" AND status = ?");
      params.add(q.status());
    }
    if (q.wave() != null) {
      where.append(" AND wave = ?");
      params.add(q.wave());
    }
    if (q.phase() != null) {
      where.append(" AND phase = ?");
      params.add(q.phase());
    }
    if (q.modelTier() != null) {
      where.append(" AND model_tier = ?");
      params.add(q.modelTier());
    }
    if (q.search() != null) {
      where.append(" AND (LOWER(title) LIKE ? ESCAPE '\\' OR LOWER(description) LIKE ? ESCAPE '\\')");
      String pattern = "%" + likeEscape(q.search().toLowerCase(Locale.ROOT)) + "%";
      params.add(pattern);
      params.add(pattern);
    }
    String column = SORT_COLUMNS.get(q.sort());
    String direction = "desc".equals(q.sortDir()) ? "DESC" : "ASC";
    // Ties fall back to creation order (API.md §3.5), then the id so that pages never overlap.
    String order = " ORDER BY " + column + " " + direction + (column.equals("created_at") ? "" : ", created_at ASC")
        + ", id ASC";
    params.add(q.limit());
    params.add(q.offset());
    // Outputs can be large; a list without them does not read them at all.
    String columns = q.excludeOutput() ? TaskView.COLUMNS.replace(" output_text,", " NULL AS output_text,")
        : TaskView.COLUMNS;
    String sql = "SELECT " + columns + " FROM tasks" + where + order + " LIMIT ? OFFSET ?";
    return Future.all(client.preparedQuery(sql).execute(Tuple.wrap(params)), TaskView.dependencies(client, projectId))
        .map(all -> {
          io.vertx.sqlclient.RowSet<Row> rows = all.resultAt(0);
          Map<String, JsonArray> deps = all.resultAt(1);
          JsonArray out = new JsonArray();
          rows.forEach(row -> out.add(TaskView.taskOut(row, deps.getOrDefault(row.getString("id"), new JsonArray()))));
          return out;
        });
  }

  /** Applies the given columns unless the task is running or completed; false when it was. */
  Future<Boolean> patch(SqlClient client, String taskId, List<String> columns, List<Object> values, double now) {
    List<Object> params = new ArrayList<>(values);
    params.add(now);
    params.add(taskId);
    String sets = String.join(", ", columns.stream().map(c -> c + " = ?").toList());
    return update(client, "UPDATE tasks SET " + sets + ", updated_at = ?" + EDITABLE, Tuple.wrap(params));
  }

  Future<Boolean> retry(SqlClient client, String taskId, int maxRetries, double now) {
    return update(client, RETRY, Tuple.of(now, taskId, maxRetries));
  }

  Future<Boolean> cancel(SqlClient client, String taskId, double now) {
    return update(client, CANCEL, Tuple.of(now, taskId));
  }

  Future<Boolean> approveReview(SqlClient client, String taskId, double now) {
    return update(client, REVIEW_APPROVE, Tuple.of(now, taskId));
  }

  /** Within {@code tx}: back to pending, with {@code feedback} added to its context when not null. */
  Future<Boolean> retryReview(SqlClient tx, TaskState task, JsonObject feedback, int maxRetries, double now) {
    return moveAndAppend(tx, REVIEW_RETRY, Tuple.of(now, task.id(), maxRetries), task.id(), feedback);
  }

  /** Within {@code tx}: back to pending, with {@code guidance} added to its context when not null. */
  Future<Boolean> retryFromCheckpoint(SqlClient tx, TaskState task, JsonObject guidance, double now) {
    return moveAndAppend(tx, CHECKPOINT_RETRY, Tuple.of(now, task.id(), task.status()), task.id(), guidance);
  }

  /**
   * The status change {@code move} and, when it moved the task, the entry appended to its context:
   * both or neither, inside the caller's transaction. An append replaces nothing, so nothing another
   * writer appended meanwhile can be lost.
   */
  private static Future<Boolean> moveAndAppend(SqlClient tx, String move, Tuple moveParams, String taskId,
      JsonObject entry) {
    return update(tx, move, moveParams).compose(moved -> !moved || entry == null ? Future.succeededFuture(moved)
        : update(tx, TaskContexts.APPEND, Tuple.of(taskId, entry.encode())).map(true));
  }

  Future<Boolean> setStatusFrom(SqlClient client, String taskId, String from, String to, double now) {
    return update(client, SET_STATUS_FROM, Tuple.of(to, now, taskId, from));
  }

  /** The project's status, or null when it is gone. */
  Future<String> projectStatus(SqlClient client, String projectId) {
    return client.preparedQuery(PROJECT_STATUS).execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("status"));
  }

  Future<Boolean> execute(SqlClient client, String projectId, double now) {
    return update(client, EXECUTE, Tuple.of(now, projectId));
  }

  Future<Boolean> pause(SqlClient client, String projectId, double now) {
    return update(client, PAUSE, Tuple.of(now, projectId));
  }

  /** Cancels the project's unfinished tasks; returns how many. */
  Future<Integer> cancelProjectTasks(SqlClient client, String projectId, double now) {
    return client.preparedQuery(CANCEL_PROJECT_TASKS).execute(Tuple.of(now, projectId)).map(rows -> rows.rowCount());
  }

  Future<Boolean> cancelProject(SqlClient client, String projectId, double now) {
    return update(client, CANCEL_PROJECT, Tuple.of(now, projectId));
  }

  Future<Integer> currentWave(SqlClient client, String projectId) {
    return client.preparedQuery(CURRENT_WAVE).execute(Tuple.of(projectId)).map(rows -> {
      Integer wave = rows.size() == 0 ? null : rows.iterator().next().getInteger("wave");
      return wave == null ? 0 : wave;
    });
  }

  /** Pending tasks of {@code wave} whose dependencies are all completed, best first. */
  Future<List<Row>> claimable(SqlClient client, String projectId, int wave, boolean withoutOllama) {
    return client.preparedQuery(CLAIMABLE.formatted(withoutOllama ? NOT_OLLAMA : "")).execute(Tuple.of(projectId, wave))
        .map(rows -> {
          List<Row> out = new ArrayList<>();
          rows.forEach(out::add);
          return out;
        });
  }

  Future<Boolean> claim(SqlClient client, String taskId, String userId, double now) {
    return update(client, CLAIM, Tuple.of(userId, now, now, now, taskId));
  }

  Future<Row> claimed(SqlClient client, String taskId) {
    return client.preparedQuery(CLAIMED).execute(Tuple.of(taskId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  Future<Boolean> completeExternal(SqlClient client, String taskId, String claimant, String output, String model,
      long promptTokens, long completionTokens, double cost, double now) {
    return update(client, COMPLETE_EXTERNAL, Tuple.wrap(Arrays.asList(output, model, promptTokens, completionTokens,
        cost, now, now, taskId, claimant)));
  }

  Future<Boolean> release(SqlClient client, String taskId, String claimant, double now) {
    return update(client, RELEASE, Tuple.of(now, taskId, claimant));
  }

  private static Future<Boolean> update(SqlClient client, String sql, Tuple params) {
    return client.preparedQuery(sql).execute(params).map(rows -> rows.rowCount() > 0);
  }

  /** {@code text} matched literally inside a {@code LIKE ... ESCAPE '\'} pattern. */
  static String likeEscape(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
