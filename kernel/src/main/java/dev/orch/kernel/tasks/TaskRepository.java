package dev.orch.kernel.tasks;

import dev.orch.kernel.state.Lifecycle;
import dev.orch.kernel.state.TaskContexts;
import dev.orch.kernel.state.TaskView;
import dev.orch.kernel.state.TaskStatus;

import dev.orch.kernel.projects.JsonDocument;
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
  /** Appended to a change whose answer is the task as that change wrote it (SQLite 3.35+ and PostgreSQL). */
  static final String WRITTEN = " RETURNING " + TaskView.COLUMNS;


  static final String PROJECT_STATUS = "SELECT status FROM projects WHERE id = ?";

  /** The wave rule of API.md §3.7: the lowest wave with a task that is not terminal. */
  static final String CURRENT_WAVE = TaskStatus.LOWEST_OPEN_WAVE;
  static final String CLAIMABLE = "SELECT t.id, t.title, t.description, t.model_tier, t.wave, t.priority, t.phase,"
      + " t.task_type FROM tasks t WHERE t.project_id = ? AND t.status = 'pending' AND t.wave = ?%s"
      + " AND NOT EXISTS (SELECT 1 FROM task_deps d JOIN tasks dep ON dep.id = d.depends_on"
      + " WHERE d.task_id = t.id AND dep.status <> 'completed')"
      + " ORDER BY t.priority, t.created_at, t.id";
  static final String NOT_OLLAMA = " AND t.model_tier <> 'ollama'";
  static final String CLAIMED = "SELECT id, project_id, title, description, task_type, model_tier, wave, priority, phase,"
      + " system_prompt, " + TaskContexts.COLUMN + ", tools_json, max_tokens, requirement_ids_json"
      + " FROM tasks" + TaskContexts.JOIN + " WHERE id = ?";

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

  /** A task's judged attempts, oldest first (V010, issue 15): number, tier, model, tokens, cost, verdict. */
  Future<JsonArray> attempts(SqlClient client, String taskId) {
    return client.preparedQuery("SELECT attempt, model_tier, model, prompt_tokens, completion_tokens, cost_usd, verdict,"
        + " created_at FROM task_attempts WHERE task_id = ? ORDER BY attempt").execute(Tuple.of(taskId)).map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(r -> out.add(new JsonObject().put("attempt", r.getInteger("attempt"))
              .put("model_tier", r.getString("model_tier")).put("model", r.getString("model"))
              .put("prompt_tokens", r.getLong("prompt_tokens")).put("completion_tokens", r.getLong("completion_tokens"))
              .put("cost_usd", r.getDouble("cost_usd")).put("verdict", r.getString("verdict"))
              .put("created_at", r.getDouble("created_at"))));
          return out;
        });
  }

  Future<JsonArray> dependsOn(SqlClient client, String taskId) {
    return client.preparedQuery(DEPS_OF_TASK).execute(Tuple.of(taskId)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(r.getString("depends_on")));
      return out;
    });
  }

  /**
   * A page of a project's tasks, filtered and sorted, each with {@code depends_on}, read in pages of
   * {@link JsonDocument#PAGE} rows while it is written, so that large outputs never sit in memory
   * all at once.
   */
  JsonDocument.Pages list(SqlClient client, String projectId, TaskService.TaskQuery q) {
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
    // Outputs can be large; a list without them does not read them at all.
    String columns = q.excludeOutput() ? TaskView.COLUMNS.replace(" output_text,", " NULL AS output_text,")
        : TaskView.COLUMNS;
    String sql = "SELECT " + columns + " FROM tasks" + where + order + " LIMIT ? OFFSET ?";
    Future<Map<String, JsonArray>> deps = TaskView.dependencies(client, projectId);
    return JsonDocument.Pages.byOffset(q.offset(), q.limit(), (limit, offset) -> deps.compose(d -> {
      List<Object> page = new ArrayList<>(params);
      page.add(limit);
      page.add(offset);
      return client.preparedQuery(sql).execute(Tuple.wrap(page)).map(rows -> {
        JsonArray out = new JsonArray();
        rows.forEach(row -> out.add(TaskView.taskOut(row, d.getOrDefault(row.getString("id"), new JsonArray()))));
        return out;
      });
    }));
  }

  /** Applies the given columns unless the task is running or completed; false when it was. */
  Future<Boolean> patch(SqlClient client, String taskId, List<String> columns, List<Object> values, double now) {
    List<Object> params = new ArrayList<>(values);
    params.add(now);
    params.add(taskId);
    String sets = String.join(", ", columns.stream().map(c -> c + " = ?").toList());
    return update(client, "UPDATE tasks SET " + sets + ", updated_at = ?" + EDITABLE, Tuple.wrap(params));
  }

  /**
   * {@code failed} → {@code pending}; the row as this statement wrote it, or null when it matched
   * none. The answer is built from it, not from a read afterwards, which could already see the
   * executor's claim.
   */
  Future<Row> retry(SqlClient client, String taskId, int maxRetries, double now) {
    return written(client, Lifecycle.RETRY.sql() + WRITTEN, Tuple.of(now, taskId, maxRetries));
  }

  Future<Boolean> cancel(SqlClient client, String taskId, double now) {
    return update(client, Lifecycle.CANCEL.sql(), Tuple.of(now, taskId));
  }

  Future<Boolean> approveReview(SqlClient client, String taskId, double now) {
    return update(client, Lifecycle.REVIEW_APPROVE.sql(), Tuple.of(now, taskId));
  }

  /**
   * Within {@code tx}: back to pending, with {@code feedback} added to its context when not null; the
   * row as the change wrote it, or null when it matched none.
   */
  Future<Row> retryReview(SqlClient tx, TaskState task, JsonObject feedback, int maxRetries, double now) {
    return written(tx, Lifecycle.REVIEW_RETRY.sql() + WRITTEN, Tuple.of(now, task.id(), maxRetries)).compose(row ->
        row == null || feedback == null ? Future.succeededFuture(row)
            : update(tx, TaskContexts.APPEND, Tuple.of(task.id(), feedback.encode())).map(row));
  }

  /** {@code TaskOut} of a row read or written with {@link TaskView#COLUMNS}, with its dependencies. */
  Future<JsonObject> taskOut(SqlClient client, Row row) {
    return dependsOn(client, row.getString("id")).map(deps -> TaskView.taskOut(row, deps));
  }

  /** Within {@code tx}: back to pending, with {@code guidance} added to its context when not null. */
  Future<Boolean> retryFromCheckpoint(SqlClient tx, TaskState task, JsonObject guidance, double now) {
    return moveAndAppend(tx, Lifecycle.CHECKPOINT_RETRY.sql(), Tuple.of(now, task.id(), task.status()), task.id(), guidance);
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

  /**
   * A checkpoint's skip or fail, from the status read in the caller's transaction; fails with 409
   * when the task cannot move from there.
   */
  Future<Boolean> endFromCheckpoint(SqlClient client, String taskId, String from, TaskStatus to, double now) {
    TaskStatus target;
    try {
      target = Lifecycle.require(TaskStatus.of(from), to);
    } catch (IllegalStateException refused) {
      return Future.failedFuture(dev.orch.kernel.bus.OrchestratorException.conflict(refused.getMessage()));
    }
    return update(client, Lifecycle.CHECKPOINT_END.sql(), Tuple.of(Lifecycle.CHECKPOINT_END.target(target), now, taskId,
        from));
  }

  /** The project's status, or null when it is gone. */
  Future<String> projectStatus(SqlClient client, String projectId) {
    return client.preparedQuery(PROJECT_STATUS).execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("status"));
  }

  Future<Boolean> execute(SqlClient client, String projectId, double now) {
    return update(client, Lifecycle.EXECUTE.sql(), Tuple.of(now, projectId));
  }

  Future<Boolean> pause(SqlClient client, String projectId, double now) {
    return update(client, Lifecycle.PAUSE.sql(), Tuple.of(now, projectId));
  }

  /** Cancels the project's unfinished tasks; returns how many. */
  Future<Integer> cancelProjectTasks(SqlClient client, String projectId, double now) {
    return client.preparedQuery(Lifecycle.CANCEL_PROJECT_TASKS.sql()).execute(Tuple.of(now, projectId)).map(rows -> rows.rowCount());
  }

  Future<Boolean> cancelProject(SqlClient client, String projectId, double now) {
    return update(client, Lifecycle.CANCEL_PROJECT.sql(), Tuple.of(now, projectId));
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
    return update(client, Lifecycle.EXTERNAL_CLAIM.sql(), Tuple.of(userId, now, now, now, taskId));
  }

  Future<Row> claimed(SqlClient client, String taskId) {
    return client.preparedQuery(CLAIMED).execute(Tuple.of(taskId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  Future<Boolean> completeExternal(SqlClient client, String taskId, String claimant, String output, String model,
      long promptTokens, long completionTokens, double cost, double now) {
    return update(client, Lifecycle.EXTERNAL_COMPLETE.sql(), Tuple.wrap(Arrays.asList(output, model, promptTokens, completionTokens,
        cost, now, now, taskId, claimant)));
  }

  Future<Boolean> release(SqlClient client, String taskId, String claimant, double now) {
    return update(client, Lifecycle.EXTERNAL_RELEASE.sql(), Tuple.of(now, taskId, claimant));
  }

  /**
   * The one row a {@code ... RETURNING} change wrote, or null. Through JDBC it arrives as the result
   * rows (SQLite) or as the generated keys (PostgreSQL's driver).
   */
  private static Future<Row> written(SqlClient client, String sql, Tuple params) {
    return client.preparedQuery(sql).execute(params).map(rows -> {
      if (rows.size() > 0) {
        return rows.iterator().next();
      }
      return rows.rowCount() > 0 ? rows.property(io.vertx.jdbcclient.JDBCPool.GENERATED_KEYS) : null;
    });
  }

  private static Future<Boolean> update(SqlClient client, String sql, Tuple params) {
    return client.preparedQuery(sql).execute(params).map(rows -> rows.rowCount() > 0);
  }

  /** {@code text} matched literally inside a {@code LIKE ... ESCAPE '\'} pattern. */
  static String likeEscape(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
