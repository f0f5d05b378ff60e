package dev.orch.kernel.executor;

import dev.orch.kernel.projects.Project;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.tasks.TaskView;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The executor's SQL. Every transition of a claimed task is a compare-and-set on its lease number
 * and status, so a stale worker (its lease expired and the task ran elsewhere, or the task was
 * cancelled) changes nothing (ARCHITECTURE.md "Execution model"; API.md §18.8).
 */
final class TaskStore {
  /** Tasks waiting on a dependency that is not completed. */
  private static final String UNFINISHED_DEP = "EXISTS (SELECT 1 FROM task_deps d JOIN tasks dep ON dep.id = d.depends_on"
      + " WHERE d.task_id = tasks.id AND dep.status <> 'completed')";
  private static final String EXECUTING = "SELECT " + Project.COLUMNS + ", wave_released FROM projects"
      + " WHERE status = 'executing'";
  private static final String UNBLOCK_PROJECT = "UPDATE tasks SET status = 'pending', updated_at = ? WHERE project_id = ?"
      + " AND status = 'blocked' AND NOT " + UNFINISHED_DEP;
  private static final String UNBLOCK_DEPENDANTS = "UPDATE tasks SET status = 'pending', updated_at = ? WHERE status = 'blocked'"
      + " AND id IN (SELECT task_id FROM task_deps WHERE depends_on = ?) AND NOT " + UNFINISHED_DEP;
  private static final String READY = "SELECT id, project_id, model_tier, wave FROM tasks WHERE status = 'pending'"
      + " AND project_id IN (SELECT id FROM projects WHERE status = 'executing')"
      + " AND (retry_after IS NULL OR retry_after <= ?) AND NOT " + UNFINISHED_DEP
      + " ORDER BY critical_path DESC, priority, created_at, id LIMIT ?";
  private static final String NEXT_BACKOFF = "SELECT MIN(retry_after) AS at FROM tasks WHERE status = 'pending'"
      + " AND retry_after > ? AND project_id IN (SELECT id FROM projects WHERE status = 'executing')";
  private static final String ACTIVE = "SELECT project_id, model_tier, COUNT(*) AS n FROM tasks"
      + " WHERE status IN ('queued', 'running') AND lease_owner IS NOT NULL GROUP BY project_id, model_tier";
  private static final String CLAIM = "UPDATE tasks SET status = 'queued', lease_owner = ?, lease_expires_at = ?,"
      + " lease_number = lease_number + 1, updated_at = ? WHERE id = ? AND status = 'pending'";
  private static final String TASK = "SELECT id, project_id, title, description, task_type, model_tier, context_json,"
      + " tools_json, system_prompt, max_tokens, retry_count, max_retries, wave, lease_number, status FROM tasks WHERE id = ?";
  private static final String START = "UPDATE tasks SET status = 'running', started_at = ?, updated_at = ?"
      + " WHERE id = ? AND lease_number = ? AND status = 'queued'";
  private static final String HEARTBEAT = "UPDATE tasks SET lease_expires_at = ? WHERE id = ? AND lease_number = ?"
      + " AND status IN ('queued', 'running')";
  private static final String LEASED = " WHERE id = ? AND lease_number = ? AND status IN ('queued', 'running')";
  private static final String CLEAR_LEASE = "lease_owner = NULL, lease_expires_at = NULL";
  private static final String COMPLETE = "UPDATE tasks SET status = 'completed', output_text = ?, prompt_tokens = ?,"
      + " completion_tokens = ?, cost_usd = ?, model_used = ?, completed_at = ?, updated_at = ?, error = NULL, "
      + CLEAR_LEASE + LEASED;
  private static final String RETRY = "UPDATE tasks SET status = 'pending', retry_count = retry_count + 1, retry_after = ?,"
      + " error = ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,"
      + " cost_usd = cost_usd + ?, updated_at = ?, " + CLEAR_LEASE + LEASED;
  private static final String END = "UPDATE tasks SET status = ?, error = ?, output_text = COALESCE(?, output_text),"
      + " prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, cost_usd = cost_usd + ?,"
      + " model_used = COALESCE(?, model_used), updated_at = ?, " + CLEAR_LEASE + LEASED;
  private static final String GIVE_BACK = "UPDATE tasks SET status = 'pending', updated_at = ?, " + CLEAR_LEASE + LEASED;
  private static final String STATUS_COUNTS = "SELECT status, COUNT(*) AS n FROM tasks WHERE project_id = ? GROUP BY status";
  private static final String FINISH_PROJECT = "UPDATE projects SET status = ?, completed_at = ?, updated_at = ?"
      + " WHERE id = ? AND status = 'executing'";
  private static final String PAUSE_PROJECT = "UPDATE projects SET status = 'paused', updated_at = ? WHERE id = ?"
      + " AND status = 'executing'";
  private static final String PAUSE_AT_WAVE = "UPDATE projects SET status = 'paused', wave_released = ?, updated_at = ?"
      + " WHERE id = ? AND status = 'executing' AND wave_released < ?";
  private static final String WAVE_RELEASED = "SELECT wave_released FROM projects WHERE id = ?";
  private static final String DEPENDANTS = "SELECT t.id, t.context_json FROM task_deps d JOIN tasks t ON t.id = d.task_id"
      + " WHERE d.depends_on = ?";
  private static final String SET_CONTEXT = "UPDATE tasks SET context_json = ?, updated_at = ? WHERE id = ?";
  private static final String STALE_LEASES = "SELECT id, status FROM tasks WHERE status IN ('queued', 'running')"
      + " AND claimed_by IS NULL AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner <> ?)";
  private static final String STALE_LEASES_CLUSTER = "SELECT id, status FROM tasks WHERE status IN ('queued', 'running')"
      + " AND claimed_by IS NULL AND (lease_owner IS NULL OR lease_expires_at < ?)";
  private static final String RECOVER = "UPDATE tasks SET status = CASE WHEN " + UNFINISHED_DEP + " THEN 'blocked'"
      + " ELSE 'pending' END, retry_count = retry_count + ?, error = ?, updated_at = ?, " + CLEAR_LEASE
      + " WHERE id = ? AND status = ? AND claimed_by IS NULL";
  private static final String STALE_CLAIMS = "SELECT id, project_id, title, retry_count FROM tasks WHERE status = 'running'"
      + " AND claimed_by IS NOT NULL AND claimed_at < ?";
  private static final String RELEASE_CLAIM = "UPDATE tasks SET status = 'pending', claimed_by = NULL, claimed_at = NULL,"
      + " retry_count = retry_count + 1, error = ?, updated_at = ? WHERE id = ? AND status = 'running'"
      + " AND claimed_by IS NOT NULL AND claimed_at < ?";
  private static final String LOWEST_OPEN_WAVE = "SELECT MIN(wave) AS w FROM tasks WHERE project_id = ?"
      + " AND status NOT IN ('completed', 'failed', 'cancelled', 'needs_review')";
  private static final String HAS_LATER_WAVE = "SELECT COUNT(*) AS n FROM tasks WHERE project_id = ? AND wave > ?"
      + " AND status NOT IN ('completed', 'failed', 'cancelled', 'needs_review')";
  private static final String KNOWLEDGE = "SELECT category, content, source_task_title FROM project_knowledge"
      + " WHERE project_id = ? ORDER BY created_at DESC, id LIMIT 200";
  private static final String TASK_EVENTS = "SELECT message, timestamp FROM task_events WHERE task_id = ?"
      + " AND event_type IN ('task_retry', 'task_failed') ORDER BY id";
  private static final String INSERT_CHECKPOINT = "INSERT INTO checkpoints (id, project_id, task_id, checkpoint_type,"
      + " summary, attempts_json, question, created_at) VALUES (?, ?, ?, 'retry_exhausted', ?, ?, ?, ?)";
  private static final String INSERT_FINDING = "INSERT INTO project_knowledge (id, project_id, task_id, category, content,"
      + " content_hash, source_task_title, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (project_id, content_hash) DO NOTHING";
  private static final String SET_VERIFICATION = "UPDATE tasks SET verification_status = ?, verification_notes = ?,"
      + " updated_at = ? WHERE id = ?";
  private static final String VERIFICATION_RETRY = "UPDATE tasks SET status = 'pending', retry_count = retry_count + 1,"
      + " completed_at = NULL, context_json = ?, verification_status = ?, verification_notes = ?, updated_at = ?"
      + " WHERE id = ? AND status = 'completed'";
  private static final String NEEDS_REVIEW = "UPDATE tasks SET status = 'needs_review', verification_status = ?,"
      + " verification_notes = ?, updated_at = ? WHERE id = ? AND status = 'completed'";

  private final Db db;

  TaskStore(Db db) {
    this.db = db;
  }

  SqlClient client() {
    return db.client();
  }

  /**
   * An executing project: its id, name, execution mode (API.md §12.1), and the CLI agent that runs
   * its tasks ({@code config.cli_agent}: claude_code, codex, gemini) with its tool profile, or null.
   */
  record ExecutingProject(String id, String name, String mode, String cliAgent, String cliProfile, int waveReleased) {}

  /** A ready task as the dispatcher sees it. */
  record Ready(String id, String projectId, String tier, int wave) {}

  /** A claimed task with everything its worker needs. */
  record Claimed(String id, String projectId, String title, String description, String taskType, String tier,
      JsonArray context, JsonArray tools, String systemPrompt, int maxTokens, int retryCount, int maxRetries, int wave,
      int lease) {}

  Future<Map<String, ExecutingProject>> executingProjects() {
    return db.client().query(EXECUTING).execute().map(rows -> {
      Map<String, ExecutingProject> out = new HashMap<>();
      for (Row r : rows) {
        JsonObject config = Project.from(r).config();
        Object m = config.getValue("execution_mode");
        String mode = "hybrid".equals(m) || "external".equals(m) ? (String) m : "auto";
        String agent = config.getValue("cli_agent") instanceof String a && !a.isBlank() ? a : null;
        String profile = config.getValue("cli_profile") instanceof String p ? p : null;
        out.put(r.getString("id"), new ExecutingProject(r.getString("id"), r.getString("name"), mode, agent, profile,
            r.getInteger("wave_released")));
      }
      return out;
    });
  }

  Future<Integer> unblockProject(String projectId, double now) {
    return db.client().preparedQuery(UNBLOCK_PROJECT).execute(Tuple.of(now, projectId)).map(rows -> rows.rowCount());
  }

  Future<Integer> unblockDependants(String taskId, double now) {
    return db.client().preparedQuery(UNBLOCK_DEPENDANTS).execute(Tuple.of(now, taskId)).map(rows -> rows.rowCount());
  }

  Future<List<Ready>> ready(double now, int limit) {
    return db.client().preparedQuery(READY).execute(Tuple.of(now, limit)).map(rows -> {
      List<Ready> out = new ArrayList<>();
      rows.forEach(r -> out.add(new Ready(r.getString("id"), r.getString("project_id"), r.getString("model_tier"),
          r.getInteger("wave"))));
      return out;
    });
  }

  /** The earliest backoff still ahead, or null. */
  Future<Double> nextBackoff(double now) {
    return db.client().preparedQuery(NEXT_BACKOFF).execute(Tuple.of(now))
        .map(rows -> rows.iterator().next().getDouble("at"));
  }

  /** Leased tasks in flight: project → tier → count, cluster-wide. */
  Future<Map<String, Map<String, Integer>>> active() {
    return db.client().query(ACTIVE).execute().map(rows -> {
      Map<String, Map<String, Integer>> out = new HashMap<>();
      rows.forEach(r -> out.computeIfAbsent(r.getString("project_id"), k -> new HashMap<>())
          .merge(r.getString("model_tier"), r.getInteger("n"), Integer::sum));
      return out;
    });
  }

  /** pending → queued under our lease; null when another dispatcher got it first. */
  Future<Claimed> claim(String taskId, String node, double now, double leaseUntil) {
    return db.pool().withTransaction(tx -> tx.preparedQuery(CLAIM).execute(Tuple.of(node, leaseUntil, now, taskId))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(null)
            : tx.preparedQuery(TASK).execute(Tuple.of(taskId)).map(r -> claimed(r.iterator().next()))));
  }

  private static Claimed claimed(Row r) {
    return new Claimed(r.getString("id"), r.getString("project_id"), r.getString("title"), r.getString("description"),
        r.getString("task_type"), r.getString("model_tier"), TaskView.jsonArray(r.getString("context_json")),
        TaskView.jsonArray(r.getString("tools_json")), r.getString("system_prompt"), r.getInteger("max_tokens"),
        r.getInteger("retry_count"), r.getInteger("max_retries"), r.getInteger("wave"), r.getInteger("lease_number"));
  }

  Future<Boolean> start(Claimed t, double now) {
    return cas(START, Tuple.of(now, now, t.id(), t.lease()));
  }

  Future<Boolean> heartbeat(Claimed t, double leaseUntil) {
    return cas(HEARTBEAT, Tuple.of(leaseUntil, t.id(), t.lease()));
  }

  Future<Boolean> complete(Claimed t, TaskRun.Result r, double now) {
    return cas(COMPLETE, Tuple.wrap(java.util.Arrays.asList(r.output(), r.promptTokens(), r.completionTokens(),
        r.costUsd(), r.model(), now, now, t.id(), t.lease())));
  }

  /**
   * Completes the task, forwards its output to its dependants and unblocks the ready ones, in one
   * transaction (one commit instead of 2 + dependants). False when the lease was stale or the task
   * cancelled: then nothing is written.
   */
  Future<Boolean> completeAndRelease(Claimed t, TaskRun.Result r, int maxChars, double now) {
    return db.pool().withTransaction(tx -> tx.preparedQuery(COMPLETE).execute(Tuple.wrap(java.util.Arrays.asList(
            r.output(), r.promptTokens(), r.completionTokens(), r.costUsd(), r.model(), now, now, t.id(), t.lease())))
        .compose(done -> done.rowCount() != 1 ? Future.succeededFuture(false)
            : forward(tx, t.id(), t.title(), r.output(), maxChars, now)
                .compose(v -> tx.preparedQuery(UNBLOCK_DEPENDANTS).execute(Tuple.of(now, t.id())))
                .map(true)));
  }

  /** Back to pending with a backoff; the attempt's tokens and cost are added to the task's totals. */
  Future<Boolean> retryLater(Claimed t, double retryAt, String error, TaskRun.Result spent, double now) {
    return cas(RETRY, Tuple.wrap(java.util.Arrays.asList(retryAt, error, spent.promptTokens(), spent.completionTokens(),
        spent.costUsd(), now, t.id(), t.lease())));
  }

  /** Ends the attempt in {@code status} (failed, needs_review) with the error and what was spent. */
  Future<Boolean> end(Claimed t, String status, String error, String output, TaskRun.Result spent, double now) {
    return cas(END, Tuple.wrap(java.util.Arrays.asList(status, error, output, spent.promptTokens(),
        spent.completionTokens(), spent.costUsd(), spent.model(), now, t.id(), t.lease())));
  }

  /** Gives a claimed task back untouched (it could not start: budget refused, resource down). */
  Future<Boolean> giveBack(Claimed t, double now) {
    return cas(GIVE_BACK, Tuple.of(now, t.id(), t.lease()));
  }

  private Future<Boolean> cas(String sql, Tuple params) {
    return db.client().preparedQuery(sql).execute(params).map(rows -> rows.rowCount() == 1);
  }

  Future<Map<String, Integer>> statusCounts(String projectId) {
    return db.client().preparedQuery(STATUS_COUNTS).execute(Tuple.of(projectId)).map(rows -> {
      Map<String, Integer> out = new HashMap<>();
      rows.forEach(r -> out.put(r.getString("status"), r.getInteger("n")));
      return out;
    });
  }

  Future<Boolean> finishProject(String projectId, String status, Double completedAt, double now) {
    return db.client().preparedQuery(FINISH_PROJECT).execute(Tuple.wrap(java.util.Arrays.asList(status, completedAt, now,
        projectId))).map(rows -> rows.rowCount() == 1);
  }

  Future<Boolean> pauseProject(String projectId, double now) {
    return cas(PAUSE_PROJECT, Tuple.of(now, projectId));
  }

  /** Adds a {@code dependency_output} entry to each dependant's context, each in its own transaction. */
  Future<Void> forward(String taskId, String title, String output, int maxChars, double now) {
    return db.pool().withTransaction(tx -> forward(tx, taskId, title, output, maxChars, now));
  }

  private Future<Void> forward(SqlClient client, String taskId, String title, String output, int maxChars, double now) {
    String cut = output == null ? "" : output.substring(0, Math.min(maxChars, output.length()));
    JsonObject entry = new JsonObject().put("type", "dependency_output").put("source_task_id", taskId)
        .put("source_task_title", title).put("content", cut);
    return client.preparedQuery(DEPENDANTS).execute(Tuple.of(taskId)).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      for (Row r : rows) {
        JsonArray context = TaskView.jsonArray(r.getString("context_json"));
        context.add(entry);
        updates.add(Tuple.of(context.encode(), now, r.getString("id")));
      }
      return updates.isEmpty() ? Future.succeededFuture()
          : client.preparedQuery(SET_CONTEXT).executeBatch(updates).mapEmpty();
    });
  }

  /**
   * Stale tasks (API.md §11.7): queued or running internal work whose lease is gone. Without a
   * cluster every lease of another node id is stale (that node is this process's dead predecessor);
   * in a cluster, only expired leases are.
   */
  Future<List<String[]>> staleLeases(String node, double now, boolean clustered) {
    var query = clustered
        ? db.client().preparedQuery(STALE_LEASES_CLUSTER).execute(Tuple.of(now))
        : db.client().preparedQuery(STALE_LEASES).execute(Tuple.of(now, node));
    return query.map(rows -> {
      List<String[]> out = new ArrayList<>();
      rows.forEach(r -> out.add(new String[] {r.getString("id"), r.getString("status")}));
      return out;
    });
  }

  Future<Boolean> recover(String taskId, String status, boolean wasRunning, double now) {
    return db.pool().withTransaction(tx -> tx.preparedQuery("SELECT retry_count FROM tasks WHERE id = ?")
        .execute(Tuple.of(taskId)).compose(rows -> {
          int retries = rows.size() == 0 ? 0 : rows.iterator().next().getInteger("retry_count");
          String error = wasRunning ? "Recovered from stale state (retry " + (retries + 1) + ")"
              : "Recovered from queued state after restart";
          return tx.preparedQuery(RECOVER).execute(Tuple.of(wasRunning ? 1 : 0, error, now, taskId, status))
              .map(r -> r.rowCount() == 1);
        }));
  }

  /** External claims older than the timeout (API.md §11.8): id, project, title, new retry number. */
  Future<List<String[]>> releaseStaleClaims(double now, double timeoutSeconds) {
    double before = now - timeoutSeconds;
    return db.client().preparedQuery(STALE_CLAIMS).execute(Tuple.of(before)).compose(rows -> {
      List<Future<String[]>> released = new ArrayList<>();
      for (Row r : rows) {
        int n = r.getInteger("retry_count") + 1;
        String error = "External claim timed out after " + (long) timeoutSeconds + "s (retry " + n + ")";
        released.add(db.client().preparedQuery(RELEASE_CLAIM).execute(Tuple.of(error, now, r.getString("id"), before))
            .map(u -> u.rowCount() == 1 ? new String[] {r.getString("id"), r.getString("project_id"), r.getString("title")}
                : null));
      }
      return Future.all(released).map(all -> {
        List<String[]> out = new ArrayList<>();
        released.forEach(f -> {
          if (f.result() != null) {
            out.add(f.result());
          }
        });
        return out;
      });
    });
  }

  /** Pauses at a wave checkpoint and releases {@code nextWave} for the resume, in one statement. */
  Future<Boolean> pauseAtWave(String projectId, int nextWave, double now) {
    return cas(PAUSE_AT_WAVE, Tuple.of(nextWave, now, projectId, nextWave));
  }

  Future<Integer> waveReleased(String projectId) {
    return db.client().preparedQuery(WAVE_RELEASED).execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? 0 : rows.iterator().next().getInteger("wave_released"));
  }

  Future<Integer> lowestOpenWave(String projectId) {
    return db.client().preparedQuery(LOWEST_OPEN_WAVE).execute(Tuple.of(projectId))
        .map(rows -> rows.iterator().next().getInteger("w"));
  }

  Future<Boolean> hasLaterWave(String projectId, int wave) {
    return db.client().preparedQuery(HAS_LATER_WAVE).execute(Tuple.of(projectId, wave))
        .map(rows -> rows.iterator().next().getLong("n") > 0);
  }

  /** Findings newest first, as {@code [category] content (from: title)} lines. */
  Future<List<String>> knowledge(String projectId) {
    return db.client().preparedQuery(KNOWLEDGE).execute(Tuple.of(projectId)).map(rows -> {
      List<String> out = new ArrayList<>();
      rows.forEach(r -> out.add("[" + r.getString("category") + "] " + r.getString("content")
          + (r.getString("source_task_title") == null ? "" : " (from: " + r.getString("source_task_title") + ")")));
      return out;
    });
  }

  /** Creates the retry-exhausted checkpoint (API.md §14.2) and returns its id. */
  Future<Void> checkpoint(String id, Claimed t, double now) {
    return db.client().preparedQuery(TASK_EVENTS).execute(Tuple.of(t.id())).compose(rows -> {
      JsonArray attempts = new JsonArray();
      rows.forEach(r -> attempts.add(new JsonObject().put("message", r.getString("message"))
          .put("timestamp", r.getDouble("timestamp"))));
      return db.client().preparedQuery(INSERT_CHECKPOINT).execute(Tuple.of(id, t.projectId(), t.id(),
          "Task '" + t.title() + "' failed after " + t.maxRetries() + " attempts", attempts.encode(),
          "How should we proceed? Options: retry with modified approach, skip this task, or fail it.", now)).mapEmpty();
    });
  }

  Future<Void> insertFinding(String id, String projectId, String taskId, String category, String content, String hash,
      String title, double now) {
    return db.client().preparedQuery(INSERT_FINDING).execute(Tuple.of(id, projectId, taskId, category, content, hash,
        title, now)).mapEmpty();
  }

  Future<Void> setVerification(String taskId, String status, String notes, double now) {
    return db.client().preparedQuery(SET_VERIFICATION).execute(Tuple.of(status, notes, now, taskId)).mapEmpty();
  }

  Future<Boolean> verificationRetry(String taskId, JsonArray context, String status, String notes, double now) {
    return cas(VERIFICATION_RETRY, Tuple.of(context.encode(), status, notes, now, taskId));
  }

  Future<Boolean> needsReview(String taskId, String status, String notes, double now) {
    return cas(NEEDS_REVIEW, Tuple.of(status, notes, now, taskId));
  }
}
