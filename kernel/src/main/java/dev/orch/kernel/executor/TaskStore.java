package dev.orch.kernel.executor;

import dev.orch.kernel.budget.BudgetLedger;
import dev.orch.kernel.budget.BudgetLimit;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.projects.Project;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.state.ExecutionSettings;
import dev.orch.kernel.state.Lifecycle;
import dev.orch.kernel.state.TaskContexts;
import dev.orch.kernel.state.TaskStatus;
import dev.orch.kernel.state.TaskView;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.orch.kernel.store.GroupCommit;
import dev.orch.kernel.store.Sql;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The executor's SQL. Every transition of a claimed task is a compare-and-set on its lease number
 * and status, so a stale worker (its lease expired and the task ran elsewhere, or the task was
 * cancelled) changes nothing (ARCHITECTURE.md "Execution model"; API.md §18.8).
 */
final class TaskStore {
  private static final String EXECUTING = "SELECT id, name, config_json, wave_released, repo_path FROM projects"
      + " WHERE status = 'executing'";
  /**
   * Pending tasks in dispatch order, from the covering index alone. A pending task's dependencies are
   * done (a task waiting for one is blocked, and released when it completes), so the check is left to
   * the claim: checking each candidate here was the most expensive statement of a pass.
   */
  private static final String READY = "SELECT id, project_id, model_tier, wave FROM tasks WHERE status = 'pending'"
      + " AND project_id IN (SELECT id FROM projects WHERE status = 'executing')"
      + " AND (retry_after IS NULL OR retry_after <= ?)"
      + " ORDER BY critical_path DESC, priority, created_at, id LIMIT ?";
  private static final String NEXT_BACKOFF = "SELECT MIN(retry_after) AS at FROM tasks WHERE status = 'pending'"
      + " AND retry_after > ? AND project_id IN (SELECT id FROM projects WHERE status = 'executing')";
  private static final String ACTIVE = "SELECT project_id, model_tier, COUNT(*) AS n FROM tasks"
      + " WHERE status IN ('queued', 'running') AND lease_owner IS NOT NULL GROUP BY project_id, model_tier";
  /** Whether a project still has work that is ready, waiting for its backoff, or in flight. */
  private static final String OPEN_WORK = "SELECT 1 AS open FROM tasks WHERE project_id = ?"
      + " AND status IN ('pending', 'queued', 'running') LIMIT 1";
  private static final String TASK = "SELECT id, project_id, title, description, task_type, model_tier,"
      + " " + TaskContexts.COLUMN + ", tools_json, system_prompt, max_tokens, retry_count, max_retries,"
      + " wave, lease_number, lease_expires_at, status FROM tasks" + TaskContexts.JOIN + " WHERE id = ?";
  private static final String STATUS_COUNTS = "SELECT status, COUNT(*) AS n FROM tasks WHERE project_id = ? GROUP BY status";
  private static final String WAVE_RELEASED = "SELECT wave_released FROM projects WHERE id = ?";
  /** The dependants that waited only for this task: blocked → pending. */
  private static final String DEPENDANT_IDS = "SELECT task_id FROM task_deps WHERE depends_on = ?";
  private static final String STALE_LEASES = "SELECT id, status FROM tasks WHERE status IN ('queued', 'running')"
      + " AND claimed_by IS NULL AND (lease_owner IS NULL OR lease_expires_at < ? OR lease_owner <> ?)";
  private static final String STALE_LEASES_CLUSTER = "SELECT id, status FROM tasks WHERE status IN ('queued', 'running')"
      + " AND claimed_by IS NULL AND (lease_owner IS NULL OR lease_expires_at < ?)";
  private static final String STALE_CLAIMS = "SELECT id, project_id, title, retry_count FROM tasks WHERE status = 'running'"
      + " AND claimed_by IS NOT NULL AND claimed_at < ?";
  private static final String KNOWLEDGE = "SELECT category, content, source_task_title FROM project_knowledge"
      + " WHERE project_id = ? ORDER BY created_at DESC, id LIMIT 200";
  private static final String LAST_RETRY_EVENT = "SELECT message FROM task_events WHERE task_id = ?"
      + " AND event_type IN ('task_retry', 'task_failed') ORDER BY id DESC LIMIT 1";
  private static final String TASK_EVENTS = "SELECT message, timestamp FROM task_events WHERE task_id = ?"
      + " AND event_type IN ('task_retry', 'task_failed') ORDER BY id";
  private static final String INSERT_CHECKPOINT = "INSERT INTO checkpoints (id, project_id, task_id, checkpoint_type,"
      + " summary, attempts_json, question, created_at) VALUES (?, ?, ?, 'retry_exhausted', ?, ?, ?, ?)";
  private static final String INSERT_GIT_CHECKPOINT = "INSERT INTO checkpoints (id, project_id, task_id,"
      + " checkpoint_type, summary, attempts_json, question, created_at) VALUES (?, ?, ?, 'git_conflict', ?, ?, ?, ?)";
  private static final String INSERT_FINDING = "INSERT INTO project_knowledge (id, project_id, task_id, category, content,"
      + " content_hash, source_task_title, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
      + " ON CONFLICT (project_id, content_hash) DO NOTHING";
  private static final String SET_VERIFICATION = "UPDATE tasks SET verification_status = ?, verification_notes = ?,"
      + " updated_at = ? WHERE id = ?";

  private final Db db;
  private final java.time.Clock clock;
  private final BudgetLedger budget;
  /**
   * Executing projects as last read, by id: a pass reads them every time, and parsing a project's
   * configuration again when it has not changed was a tenth of a pass. Used on the group's thread.
   */
  private final Map<String, Seen> projectsSeen = new java.util.concurrent.ConcurrentHashMap<>();

  /** An executing project and the configuration text it was read from. */
  private record Seen(String configText, ExecutingProject project) {}

  TaskStore(Db db, java.time.Clock clock, BudgetLedger budget) {
    this.db = db;
    this.clock = clock;
    this.budget = budget;
  }

  /** A unit of work in the next group commit (see {@link dev.orch.kernel.store.GroupCommit}), completed once durable. */
  private <T> Future<T> unit(GroupCommit.Work<T> work) {
    return db.group().submit(work);
  }

  /** A read, or a write that a crash may lose at no cost: completed once run, before the commit. */
  private <T> Future<T> visible(GroupCommit.Work<T> work) {
    return db.group().submitVisible(work);
  }

  /**
   * An executing project: its id, name, execution mode (API.md §12.1), and the CLI agent that runs
   * its tasks ({@code config.cli_agent}: claude_code, codex, gemini) with its tool profile, or null.
   */
  /** @param onRepository whether the project works on a git repository (its tasks get worktrees) */
  record ExecutingProject(String id, String name, ExecutionSettings settings, int waveReleased, boolean onRepository) {
    ExecutingProject(String id, String name, ExecutionSettings settings, int waveReleased) {
      this(id, name, settings, waveReleased, false);
    }
  }

  /** A ready task as the dispatcher sees it. */
  record Ready(String id, String projectId, String tier, int wave) {}

  /**
   * A claimed task with everything its worker needs. The context stays text until the worker reads
   * it: it carries every sibling's line and the forwarded outputs, and parsing it inside the dispatch
   * unit would hold the group commit's one thread for it.
   */
  record Claimed(String id, String projectId, String title, String description, String taskType, String tier,
      String contextJson, JsonArray tools, String systemPrompt, int maxTokens, int retryCount, int maxRetries, int wave,
      int lease, double leaseExpiresAt) {
    JsonArray context() {
      return TaskView.jsonArray(contextJson);
    }
  }

  /** What one dispatch pass sees: executing projects, leased tasks in flight, and the ready tasks in order. */
  record Snapshot(Map<String, ExecutingProject> projects, Map<String, Map<String, Integer>> active, List<Ready> ready) {}

  /**
   * A task claimed and started by a dispatch pass, with its project, the project's knowledge, and
   * the reservation held for its first model call (null when that call holds none).
   */
  record Started(Claimed task, ExecutingProject project, List<String> knowledge, String reservationId) {}

  /** A task left pending because a limit refused its first call while the budget gate stayed open. */
  record Waiting(String taskId, String projectId, BudgetLimit limit) {}

  /**
   * What a pass started; the projects it left alone because the budget gate closed (the daily or
   * monthly spend cannot take another $0.001); and the tasks a limit refused while the gate stayed
   * open, which wait while their project's other work goes on (API.md §11.2). Refused tasks stay
   * pending.
   */
  record Pass(List<Started> started, Set<String> refused, List<Waiting> waiting) {
    static final Pass NONE = new Pass(List.of(), Set.of(), List.of());
  }

  /**
   * A completion and the pass that followed it in the same unit. Counts are the project's tasks by
   * status, {@link #OPEN} when the project still has work ready or in flight (nothing to check then,
   * and counting every task of a large project at each completion was a pass's second-largest cost),
   * or null when nothing was stored.
   */
  record Completion(Map<String, Integer> counts, Pass pass) {
    static final Map<String, Integer> OPEN = java.util.Collections.unmodifiableMap(new HashMap<>());
  }

  /** The dispatcher's choices inside a pass. Both run on the group's worker thread. */
  interface PassPolicy {
    /** The ready tasks to claim, from the pass's snapshot. */
    List<Ready> pick(Snapshot snapshot);

    /** The budget a claimed task's first model call holds, or null when it holds none. */
    ReserveRequest firstCall(Claimed task, ExecutingProject project, List<String> knowledge);
  }

  /** How a pass claims: under a lease of this long, for this node, up to this many tasks running cluster-wide. */
  record Lease(double seconds, String node, int maxConcurrent) {}

  /**
   * One dispatch pass as one unit. {@code reading} runs first, as the pass starts to read. Completes
   * once the claims and their budget holds are durable: a model request for a claimed task must not
   * leave before then, or a crash would forget a call the provider may bill.
   */
  Future<Pass> dispatch(Lease lease, Runnable reading, PassPolicy policy) {
    return unit(sql -> {
      reading.run();
      return pass(sql, lease, policy);
    });
  }

  /**
   * Reads what is executing, in flight and ready, lets {@code policy} choose within the caps, then
   * claims each chosen task (a compare-and-set from pending, under a new lease number) and holds the
   * budget of its first model call. A task another dispatcher took first is skipped; a task whose
   * budget is refused goes back to pending, and its project is reported.
   */
  private Pass pass(Sql sql, Lease lease, PassPolicy policy) throws SQLException {
    // Read here, not when the pass was queued: started_at is the moment of the claim.
    double now = dev.orch.kernel.store.Times.now(clock);
    double leaseUntil = now + lease.seconds();
    Map<String, ExecutingProject> projects = executingProjects(sql);
    if (projects.isEmpty()) {
      return Pass.NONE;
    }
    List<Started> out = new ArrayList<>();
    Set<String> refused = new HashSet<>();
    List<Waiting> waiting = new ArrayList<>();
    Set<String> passedOver = new HashSet<>();
    Map<String, List<String>> knowledge = new HashMap<>();
    // A task whose budget is refused frees its slot for the next candidate: another round picks again,
    // without the tasks refused so far. Without refusals a pass is one round.
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Map<String, Map<String, Integer>> active = active(sql);
      int free = lease.maxConcurrent() - active.values().stream().flatMap(m -> m.values().stream())
          .mapToInt(Integer::intValue).sum();
      if (free <= 0) {
        break;
      }
      List<Ready> picked = pick(sql, now, free, passedOver, refused, new Snapshot(projects, active, List.of()), policy);
      boolean anyRefused = false;
      for (Ready r : picked) {
        if (refused.contains(r.projectId())) {
          continue;
        }
        if (sql.update(Lifecycle.CLAIM.sql(), now, lease.node(), leaseUntil, now, r.id()) == 0) {
          sql.update(Lifecycle.DEMOTE.sql(), now, r.id()); // or another dispatcher took it: then this changes nothing
          continue;
        }
        Claimed claimed = claimed(sql.first(TASK, r.id()));
        ExecutingProject project = projects.get(r.projectId());
        List<String> found = "ollama".equals(claimed.tier()) ? List.of()
            : knowledge.computeIfAbsent(claimed.projectId(), id -> knowledge(sql, id));
        ReserveRequest firstCall = policy.firstCall(claimed, project, found);
        BudgetLedger.Hold held = firstCall == null ? null : budget.hold(sql, firstCall);
        if (held != null && held.refused() != null) {
          sql.update(Lifecycle.GIVE_BACK.sql(), now, claimed.id(), claimed.lease());
          passedOver.add(claimed.id());
          anyRefused = true;
          if (held.exhausted()) {
            refused.add(r.projectId());
          } else {
            waiting.add(new Waiting(claimed.id(), claimed.projectId(), held.refused()));
          }
          continue;
        }
        out.add(new Started(claimed, project, found, held == null ? null : held.reservation().id()));
      }
      if (!anyRefused) {
        break;
      }
    }
    return new Pass(out, refused, waiting);
  }

  /** Rounds of picking in one pass: enough to get past a few budget refusals, few enough to stay short. */
  private static final int MAX_ROUNDS = 4;

  /**
   * The policy's choice among the ready tasks, less those this pass already passed over. Reads enough
   * candidates for the free slots and a few the caps pass over; all of them only when the caps passed
   * over every one read (a project at its own cap holding the front of the queue).
   */
  private static List<Ready> pick(Sql sql, double now, int free, Set<String> passedOver, Set<String> refused,
      Snapshot seen, PassPolicy policy) throws SQLException {
    int limit = free * 2 + 8 + passedOver.size();
    List<Ready> ready = eligible(ready(sql, now, limit), passedOver, refused);
    List<Ready> picked = policy.pick(new Snapshot(seen.projects(), seen.active(), ready));
    if (picked.size() < free && ready.size() + passedOver.size() >= limit) {
      picked = policy.pick(new Snapshot(seen.projects(), seen.active(),
          eligible(ready(sql, now, Integer.MAX_VALUE), passedOver, refused)));
    }
    return picked;
  }

  private static List<Ready> eligible(List<Ready> ready, Set<String> passedOver, Set<String> refused) {
    if (passedOver.isEmpty()) {
      return ready;
    }
    return ready.stream().filter(r -> !passedOver.contains(r.id()) && !refused.contains(r.projectId())).toList();
  }

  private static List<Ready> ready(Sql sql, double now, int limit) throws SQLException {
    List<Ready> ready = new ArrayList<>();
    for (Sql.Rec r : sql.query(READY, now, limit)) {
      ready.add(new Ready(r.getString("id"), r.getString("project_id"), r.getString("model_tier"),
          r.getInteger("wave")));
    }
    return ready;
  }

  /** Adds {@code entry} at the end of the task's context. */
  Future<Void> appendContext(String taskId, JsonObject entry) {
    return unit(sql -> {
      sql.update(TaskContexts.APPEND, taskId, entry.encode());
      return null;
    });
  }

  /** The message of the task's latest retry or failure event, or null. */
  Future<String> lastRetryMessage(String taskId) {
    return visible(sql -> {
      Sql.Rec r = sql.first(LAST_RETRY_EVENT, taskId);
      return r == null ? null : r.getString("message");
    });
  }

  Future<Map<String, ExecutingProject>> executingProjects() {
    return visible(this::executingProjects);
  }

  private Map<String, ExecutingProject> executingProjects(Sql sql) throws SQLException {
    Map<String, ExecutingProject> out = new HashMap<>();
    for (Sql.Rec r : sql.query(EXECUTING)) {
      String id = r.getString("id");
      String configText = r.getString("config_json");
      Seen seen = projectsSeen.get(id);
      int waveReleased = r.intOr("wave_released", 0);
      boolean onRepository = r.getString("repo_path") != null;
      if (seen == null || seen.project().waveReleased() != waveReleased || seen.project().onRepository() != onRepository
          || !seen.project().name().equals(r.getString("name")) || !java.util.Objects.equals(seen.configText(), configText)) {
        seen = new Seen(configText, new ExecutingProject(id, r.getString("name"),
            ExecutionSettings.of(Project.json(configText)), waveReleased, onRepository));
        projectsSeen.put(id, seen);
      }
      out.put(id, seen.project());
    }
    projectsSeen.keySet().retainAll(out.keySet());
    return out;
  }

  /** Leased tasks in flight: project → tier → count, cluster-wide. */
  private static Map<String, Map<String, Integer>> active(Sql sql) throws SQLException {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    for (Sql.Rec r : sql.query(ACTIVE)) {
      out.computeIfAbsent(r.getString("project_id"), k -> new HashMap<>())
          .merge(r.getString("model_tier"), r.getInteger("n"), Integer::sum);
    }
    return out;
  }

  Future<Integer> unblockProject(String projectId, double now) {
    return unit(sql -> sql.update(Lifecycle.UNBLOCK_PROJECT.sql(), now, projectId));
  }

  /** The earliest backoff still ahead, or null. */
  Future<Double> nextBackoff(double now) {
    return visible(sql -> sql.first(NEXT_BACKOFF, now).getDouble("at"));
  }

  private static Claimed claimed(Sql.Rec r) {
    return new Claimed(r.getString("id"), r.getString("project_id"), r.getString("title"), r.getString("description"),
        r.getString("task_type"), r.getString("model_tier"), r.getString("context_json"),
        TaskView.jsonArray(r.getString("tools_json")), r.getString("system_prompt"), r.getInteger("max_tokens"),
        r.getInteger("retry_count"), r.getInteger("max_retries"), r.getInteger("wave"), r.getInteger("lease_number"),
        r.getDouble("lease_expires_at"));
  }

  Future<Boolean> heartbeat(Claimed t, double leaseUntil) {
    return cas(Lifecycle.HEARTBEAT, leaseUntil, t.id(), t.lease());
  }

  /** Completes a task whose verdict is still out: its dependants wait for it (see {@link Lifecycle#VERIFYING}). */
  Future<Boolean> completeUnverified(Claimed t, TaskRun.Result r, double now) {
    return cas(Lifecycle.COMPLETE_UNVERIFIED.sql(), r.output(), r.promptTokens(), r.completionTokens(), r.costUsd(), r.model(), now, now, t.id(),
        t.lease());
  }

  /**
   * Records the last model call's spend (when it is still unrecorded), completes the task, forwards
   * its output to its dependants and releases the ready ones, counts the project's tasks by status,
   * then runs a dispatch pass: one unit, so a dependant is claimed in the transaction that completed
   * its last dependency (no pass when {@code policy} is null). Counts are null when the lease was
   * stale or the task cancelled: then only the spend is written, and the pass still runs.
   */
  Future<Completion> completeAndDispatch(Claimed t, TaskRun.Result r, int maxChars, double now, Lease lease,
      PassPolicy policy) {
    // Completed once durable: a crash after a dependant's request left must not run this task again
    // (billing it twice) nor lose its last call's spend. The fsync runs off the connection, so the
    // next group runs meanwhile; the caller's task_complete event is queued before the task_start
    // events of the dependants dispatched in the same unit.
    return unit(sql -> {
      if (r.unrecorded() != null) {
        budget.record(sql, r.unrecorded());
      }
      Map<String, Integer> counts = null;
      if (sql.update(Lifecycle.COMPLETE.sql(), r.output(), r.promptTokens(), r.completionTokens(), r.costUsd(), r.model(), now, now,
          t.id(), t.lease()) == 1) {
        forward(sql, t.id(), t.title(), r.output(), maxChars, now);
        // With wave checkpoints (no pass here) the project check needs the counts after every task.
        counts = policy != null && sql.first(OPEN_WORK, t.projectId()) != null ? Completion.OPEN
            : statusCounts(sql, t.projectId());
      }
      return new Completion(counts, policy == null ? Pass.NONE : pass(sql, lease, policy));
    });
  }

  /** Back to pending with a backoff; the attempt's tokens and cost are added to the task's totals. */
  Future<Boolean> retryLater(Claimed t, double retryAt, String error, TaskRun.Result spent, double now) {
    return cas(Lifecycle.RETRY_LATER.sql(), retryAt, error, spent.promptTokens(), spent.completionTokens(), spent.costUsd(), now, t.id(),
        t.lease());
  }

  /** Ends the attempt in {@code status} (failed, needs_review, pending) with the error and what was spent. */
  Future<Boolean> end(Claimed t, TaskStatus status, String error, String output, TaskRun.Result spent, double now) {
    return unit(sql -> ended(sql, t, status, error, output, spent, now));
  }

  private static boolean ended(Sql sql, Claimed t, TaskStatus status, String error, String output, TaskRun.Result spent,
      double now) throws SQLException {
    return sql.update(Lifecycle.END.sql(), Lifecycle.END.target(status), error, output, spent.promptTokens(),
        spent.completionTokens(), spent.costUsd(), spent.model(), now, t.id(), t.lease()) == 1;
  }

  /**
   * Ends the attempt in {@code needs_review} because its work conflicts with the project branch and,
   * if that moved the task, opens the {@code git_conflict} checkpoint, in one transaction.
   */
  Future<Boolean> endAtConflict(String checkpointId, Claimed t, String error, TaskRun.Result spent, List<String> files,
      String keptOn, double now) {
    return unit(sql -> {
      if (!ended(sql, t, TaskStatus.NEEDS_REVIEW, error, spent.output(), spent, now)) {
        return false;
      }
      insertConflictCheckpoint(sql, checkpointId, t, files, keptOn, now);
      return true;
    });
  }

  /**
   * Moves a completed task whose verdict accepted it, but whose work conflicts with the project
   * branch, to review and opens the {@code git_conflict} checkpoint, in one transaction.
   */
  Future<Boolean> reviewAtConflict(String checkpointId, Claimed t, String status, String notes, List<String> files,
      String keptOn, double now) {
    return unit(sql -> {
      if (sql.update(Lifecycle.VERIFICATION_REVIEW.sql(), status, notes, now, t.id()) != 1) {
        return false;
      }
      insertConflictCheckpoint(sql, checkpointId, t, files, keptOn, now);
      return true;
    });
  }

  /** Gives a claimed task back untouched (it could not start: budget refused, resource down). */
  Future<Boolean> giveBack(Claimed t, double now) {
    return cas(Lifecycle.GIVE_BACK.sql(), now, t.id(), t.lease());
  }

  private Future<Boolean> cas(String statement, Object... params) {
    return unit(sql -> sql.update(statement, params) == 1);
  }

  Future<Map<String, Integer>> statusCounts(String projectId) {
    return visible(sql -> statusCounts(sql, projectId));
  }

  private static Map<String, Integer> statusCounts(Sql sql, String projectId) throws SQLException {
    Map<String, Integer> out = new HashMap<>();
    for (Sql.Rec r : sql.query(STATUS_COUNTS, projectId)) {
      out.put(r.getString("status"), r.getInteger("n"));
    }
    return out;
  }

  Future<Boolean> finishProject(String projectId, dev.orch.kernel.state.ProjectStatus status, Double completedAt,
      double now) {
    return cas(Lifecycle.FINISH.sql(), Lifecycle.FINISH.target(status), completedAt, now, projectId);
  }

  Future<Boolean> pauseProject(String projectId, double now) {
    return cas(Lifecycle.PAUSE.sql(), now, projectId);
  }

  /**
   * Adds a {@code dependency_output} entry to each dependant's context and releases the dependants
   * it no longer waits for (the task must be completed already).
   */
  Future<Void> forward(String taskId, String title, String output, int maxChars, double now) {
    return unit(sql -> {
      forward(sql, taskId, title, output, maxChars, now);
      return null;
    });
  }

  private static void forward(Sql sql, String taskId, String title, String output, int maxChars, double now)
      throws SQLException {
    String cut = output == null ? "" : output.substring(0, Math.min(maxChars, output.length()));
    JsonObject entry = new JsonObject().put("type", "dependency_output").put("source_task_id", taskId)
        .put("source_task_title", title).put("content", cut);
    String encoded = entry.encode();
    sql.update(TaskContexts.APPEND_TO_DEPENDANTS, encoded, taskId);
    List<Object[]> dependants = new ArrayList<>();
    for (Sql.Rec r : sql.query(DEPENDANT_IDS, taskId)) {
      dependants.add(new Object[] {now, r.getString("task_id")});
    }
    if (!dependants.isEmpty()) {
      sql.batch(Lifecycle.RELEASE_DEPENDANT.sql(), dependants);
    }
  }

  /**
   * Stale tasks (API.md §11.7): queued or running internal work whose lease is gone. Without a
   * cluster every lease of another node id is stale (that node is this process's dead predecessor);
   * in a cluster, only expired leases are.
   */
  /** An internally run task whose lease is stale, and the status it was left in. */
  record Stale(String id, TaskStatus status) {}

  Future<List<Stale>> staleLeases(String node, double now, boolean clustered) {
    return unit(sql -> {
      List<Stale> out = new ArrayList<>();
      for (Sql.Rec r : clustered ? sql.query(STALE_LEASES_CLUSTER, now) : sql.query(STALE_LEASES, now, node)) {
        out.add(new Stale(r.getString("id"), TaskStatus.of(r.getString("status"))));
      }
      return out;
    });
  }

  /** Puts a stale task back to the queue, or to wait as blocked; false when it moved meanwhile. */
  Future<Boolean> recover(Stale stale, double now) {
    boolean wasRunning = stale.status() == TaskStatus.RUNNING;
    return unit(sql -> {
      Sql.Rec row = sql.first("SELECT retry_count FROM tasks WHERE id = ?", stale.id());
      int retries = row == null ? 0 : row.intOr("retry_count", 0);
      String error = wasRunning ? "Recovered from stale state (retry " + (retries + 1) + ")"
          : "Recovered from queued state after restart";
      return sql.update(Lifecycle.RECOVER.sql(), wasRunning ? 1 : 0, error, now, stale.id(), stale.status().wire())
          == 1;
    });
  }

  private static final String STALE_VERIFICATIONS = "UPDATE tasks SET verification_status = 'skipped',"
      + " verification_notes = 'Verification interrupted', updated_at = ? WHERE status = 'completed'"
      + " AND verification_status = '" + Lifecycle.VERIFYING + "' AND updated_at < ?";

  /**
   * A verification that no node finished (its node died mid-verdict): the task counts as verified
   * with the verdict skipped, so its dependants are released. Changes no status.
   */
  Future<Integer> staleVerifications(double startedBefore, double now) {
    return unit(sql -> sql.update(STALE_VERIFICATIONS, now, startedBefore));
  }

  /** An external claim that timed out and went back to the queue. */
  record ReleasedClaim(String taskId, String projectId, String title) {}

  /** External claims older than the timeout go back to the queue (API.md §11.8). */
  Future<List<ReleasedClaim>> releaseStaleClaims(double now, double timeoutSeconds) {
    double before = now - timeoutSeconds;
    return unit(sql -> {
      List<ReleasedClaim> out = new ArrayList<>();
      for (Sql.Rec r : sql.query(STALE_CLAIMS, before)) {
        int n = r.intOr("retry_count", 0) + 1;
        String error = "External claim timed out after " + (long) timeoutSeconds + "s (retry " + n + ")";
        if (sql.update(Lifecycle.RELEASE_STALE_CLAIM.sql(), error, now, r.getString("id"), before) == 1) {
          out.add(new ReleasedClaim(r.getString("id"), r.getString("project_id"), r.getString("title")));
        }
      }
      return out;
    });
  }

  /** Pauses at a wave checkpoint and releases {@code nextWave} for the resume, in one statement. */
  Future<Boolean> pauseAtWave(String projectId, int nextWave, double now) {
    return cas(Lifecycle.PAUSE_AT_WAVE.sql(), nextWave, now, projectId, nextWave);
  }

  Future<Integer> waveReleased(String projectId) {
    return visible(sql -> {
      Sql.Rec row = sql.first(WAVE_RELEASED, projectId);
      return row == null ? 0 : row.intOr("wave_released", 0);
    });
  }

  Future<Integer> lowestOpenWave(String projectId) {
    return visible(sql -> sql.first(TaskStatus.LOWEST_OPEN_WAVE, projectId).getInteger("wave"));
  }

  /** Findings newest first, as {@code [category] content (from: title)} lines. */
  Future<List<String>> knowledge(String projectId) {
    return visible(sql -> knowledge(sql, projectId));
  }

  private static List<String> knowledge(Sql sql, String projectId) {
    try {
      List<String> out = new ArrayList<>();
      for (Sql.Rec r : sql.query(KNOWLEDGE, projectId)) {
        out.add("[" + r.getString("category") + "] " + r.getString("content")
            + (r.getString("source_task_title") == null ? "" : " (from: " + r.getString("source_task_title") + ")"));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("knowledge not read for project " + projectId, e);
    }
  }

  /** Creates the retry-exhausted checkpoint (API.md §14.2). */
  /**
   * Ends the attempt in {@code needs_review} and, if that moved the task, opens its retry-exhausted
   * checkpoint, in one transaction: no one reads the status without the checkpoint. False when the
   * lease was stale or the task cancelled (then nothing is written).
   */
  Future<Boolean> endAtCheckpoint(String checkpointId, Claimed t, String error, TaskRun.Result spent, double now) {
    return unit(sql -> {
      if (!ended(sql, t, TaskStatus.NEEDS_REVIEW, error, null, spent, now)) {
        return false;
      }
      JsonArray attempts = new JsonArray();
      for (Sql.Rec r : sql.query(TASK_EVENTS, t.id())) {
        attempts.add(new JsonObject().put("message", r.getString("message")).put("timestamp", r.getDouble("timestamp")));
      }
      sql.update(INSERT_CHECKPOINT, checkpointId, t.projectId(), t.id(),
          "Task '" + t.title() + "' failed after " + t.maxRetries() + " attempts", attempts.encode(),
          "How should we proceed? Options: retry with modified approach, skip this task, or fail it.", now);
      return true;
    });
  }

  Future<Void> insertFinding(String id, String projectId, String taskId, String category, String content, String hash,
      String title, double now) {
    return unit(sql -> {
      sql.update(INSERT_FINDING, id, projectId, taskId, category, content, hash, title, now);
      return null;
    });
  }

  Future<Void> setVerification(String taskId, String status, String notes, double now) {
    return unit(sql -> {
      sql.update(SET_VERIFICATION, status, notes, now, taskId);
      return null;
    });
  }

  Future<Boolean> verificationRetry(String taskId, JsonArray context, String status, String notes, String tier,
      double now) {
    return unit(sql -> {
      if (sql.update(Lifecycle.VERIFICATION_RETRY.sql(), status, notes, tier, now, taskId) != 1) {
        return false;
      }
      sql.update(TaskContexts.SET, taskId, context.encode());
      sql.update(TaskContexts.CLEAR_ADDITIONS, taskId);
      return true;
    });
  }

  Future<Boolean> needsReview(String taskId, String status, String notes, double now) {
    return cas(Lifecycle.VERIFICATION_REVIEW.sql(), status, notes, now, taskId);
  }

  // ---- git projects (docs/git.md) ----

  /** What a git project's task needs: the project's repository and branches, the task's requirements. */
  record GitTask(String projectId, String projectName, String repoPath, String baseBranch, String projectBranch,
      List<String> requirementIds) {}

  /** The task's git facts; {@code repoPath} null for a project without a repository; null when the task is gone. */
  Future<GitTask> gitTask(String taskId) {
    return visible(sql -> {
      Sql.Rec r = sql.first("SELECT p.id, p.name, p.repo_path, p.git_base_branch, p.git_project_branch,"
          + " t.requirement_ids_json FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = ?", taskId);
      if (r == null) {
        return null;
      }
      List<String> reqs = new ArrayList<>();
      TaskView.jsonArray(r.getString("requirement_ids_json")).forEach(o -> reqs.add(String.valueOf(o)));
      return new GitTask(r.getString("id"), r.getString("name"), r.getString("repo_path"),
          r.getString("git_base_branch"), r.getString("git_project_branch"), reqs);
    });
  }

  /** A task in review and its output, for landing its work when a person approves it; null when gone. */
  record InReview(Claimed task, String status, String output) {}

  Future<InReview> inReview(String taskId) {
    return visible(sql -> {
      Sql.Rec r = sql.first(TASK, taskId);
      if (r == null) {
        return null;
      }
      Sql.Rec out = sql.first("SELECT output_text FROM tasks WHERE id = ?", taskId);
      // Not claimed: no lease; only its identity, title and context are used.
      Claimed task = new Claimed(r.getString("id"), r.getString("project_id"), r.getString("title"),
          r.getString("description"), r.getString("task_type"), r.getString("model_tier"), r.getString("context_json"),
          TaskView.jsonArray(r.getString("tools_json")), r.getString("system_prompt"), r.getInteger("max_tokens"),
          r.getInteger("retry_count"), r.getInteger("max_retries"), r.getInteger("wave"), 0, 0);
      return new InReview(task, r.getString("status"), out == null ? null : out.getString("output_text"));
    });
  }

  /** Records the project's branch, base and worktree once they exist (the first task of a run makes them). */
  Future<Void> gitProjectReady(String projectId, String baseBranch, String branch, String worktree) {
    return unit(sql -> {
      sql.update("UPDATE projects SET git_base_branch = ?, git_project_branch = ?, git_worktree_path = ?"
          + " WHERE id = ?", baseBranch, branch, worktree, projectId);
      return null;
    });
  }

  /** Records where the task's work landed and the project branch's new state. */
  Future<Void> gitLanded(String taskId, String branch, String sha, String projectId, JsonObject state) {
    return unit(sql -> {
      sql.update("UPDATE tasks SET git_branch = ?, git_commit_sha = ? WHERE id = ?", branch, sha, taskId);
      sql.update("UPDATE projects SET git_state_json = ? WHERE id = ?", state.encode(), projectId);
      return null;
    });
  }

  /** A completed git project, for its push and pull request: the project row and its tasks in order. */
  record GitFinish(String name, String repoPath, String baseBranch, String projectBranch, JsonObject state,
      List<Sql.Rec> tasks) {}

  /** The project's git facts and tasks; null when it has no repository or no branch yet. */
  Future<GitFinish> gitFinish(String projectId) {
    return visible(sql -> {
      Sql.Rec p = sql.first("SELECT name, repo_path, git_base_branch, git_project_branch, git_state_json"
          + " FROM projects WHERE id = ?", projectId);
      if (p == null || p.getString("repo_path") == null || p.getString("git_project_branch") == null) {
        return null;
      }
      return new GitFinish(p.getString("name"), p.getString("repo_path"), p.getString("git_base_branch"),
          p.getString("git_project_branch"), Project.json(p.getString("git_state_json")),
          sql.query("SELECT id, title, status, git_commit_sha, requirement_ids_json, cost_usd FROM tasks"
              + " WHERE project_id = ? ORDER BY wave, priority DESC, created_at, id", projectId));
    });
  }

  /** Replaces the project's git state (a conflict, a push, a pull request). */
  Future<Void> gitState(String projectId, JsonObject state) {
    return unit(sql -> {
      sql.update("UPDATE projects SET git_state_json = ? WHERE id = ?", state.encode(), projectId);
      return null;
    });
  }

  /** The project's git state as stored. */
  Future<JsonObject> gitStateOf(String projectId) {
    return visible(sql -> {
      Sql.Rec r = sql.first("SELECT git_state_json FROM projects WHERE id = ?", projectId);
      return r == null ? new JsonObject() : Project.json(r.getString("git_state_json"));
    });
  }

  /**
   * A checkpoint for a task whose work conflicts with the project branch: it names the files and
   * offers retry (on top of the current branch, the conflict in the task's context), skip or fail.
   */
  Future<Void> conflictCheckpoint(String id, Claimed t, List<String> files, String keptOn, double now) {
    return unit(sql -> {
      insertConflictCheckpoint(sql, id, t, files, keptOn, now);
      return null;
    });
  }

  private static void insertConflictCheckpoint(Sql sql, String id, Claimed t, List<String> files, String keptOn,
      double now) throws SQLException {
    sql.update(INSERT_GIT_CHECKPOINT, id, t.projectId(), t.id(),
        "Task '" + t.title() + "' conflicts with the project branch in " + String.join(", ", files)
            + ". Its work is kept on branch " + keptOn + ".",
        new JsonArray().add(new JsonObject().put("message", "Merge conflict in " + String.join(", ", files))
            .put("timestamp", now)).encode(),
        "How should we proceed? Options: retry (the task runs again on top of the current project branch, with"
            + " the conflict as context), skip this task, or fail it.", now);
    sql.update(TaskContexts.APPEND, t.id(), new JsonObject().put("type", "git_conflict")
        .put("content", "Your previous attempt conflicted with work other tasks merged meanwhile, in: "
            + String.join(", ", files) + ". The files now hold the merged version; build on it instead of"
            + " overwriting it. Your earlier work is on branch " + keptOn + ".").encode());
  }

  /** The task's open {@code git_conflict} checkpoint, or null. */
  Future<String> openConflictCheckpoint(String taskId) {
    return visible(sql -> {
      Sql.Rec r = sql.first("SELECT id FROM checkpoints WHERE task_id = ? AND checkpoint_type = 'git_conflict'"
          + " AND resolved_at IS NULL", taskId);
      return r == null ? null : r.getString("id");
    });
  }

  /** Closes the task's open {@code git_conflict} checkpoints: its work landed another way. */
  Future<Void> resolveConflictCheckpoints(String taskId, String response, double now) {
    return unit(sql -> {
      sql.update("UPDATE checkpoints SET response = ?, resolved_at = ? WHERE task_id = ?"
          + " AND checkpoint_type = 'git_conflict' AND resolved_at IS NULL", response, now, taskId);
      return null;
    });
  }

  /** The task's project, title and output, for forwarding an external agent's result; null when gone. */
  Future<Sql.Rec> outputOf(String taskId) {
    return visible(sql -> sql.first("SELECT project_id, title, output_text FROM tasks WHERE id = ?", taskId));
  }

  /**
   * Records one attempt of a task that verification judged: its number (the task's retry count when
   * it ran), tier, model, tokens, cost and verdict. Recording it twice keeps the first.
   */
  Future<Void> recordAttempt(Claimed task, TaskRun.Result result, String verdict, double now) {
    return unit(sql -> {
      sql.update("INSERT INTO task_attempts (task_id, attempt, model_tier, model, prompt_tokens, completion_tokens,"
          + " cost_usd, verdict, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, attempt) DO NOTHING",
          task.id(), task.retryCount(), task.tier(), result.model(), result.promptTokens(), result.completionTokens(),
          result.costUsd(), verdict, now);
      return null;
    });
  }
}
