package dev.orch.kernel.state;

import static dev.orch.kernel.state.ProjectStatus.CANCELLED;
import static dev.orch.kernel.state.ProjectStatus.COMPLETED;
import static dev.orch.kernel.state.ProjectStatus.DRAFT;
import static dev.orch.kernel.state.ProjectStatus.EXECUTING;
import static dev.orch.kernel.state.ProjectStatus.FAILED;
import static dev.orch.kernel.state.ProjectStatus.PAUSED;
import static dev.orch.kernel.state.ProjectStatus.PLANNING;
import static dev.orch.kernel.state.ProjectStatus.READY;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every write of a task's or a project's status, and nothing else writes one (an architecture test
 * holds every other main class to that). Each write is a compare-and-set: its {@code WHERE} names the
 * statuses it may leave, so zero rows changed means someone else moved the row first; and each is
 * declared with the transitions it makes, checked against {@link TaskStatus} and {@link ProjectStatus}
 * when this class loads. The statements are run by the component that owns the surrounding
 * transaction (the executor's group commit, an API service's transaction), with the parameters each
 * one's Javadoc lists.
 */
public final class Lifecycle {
  private Lifecycle() {}

  /** A status write of tasks: its statement, and every status it may leave and enter. */
  public record TaskMove(String sql, Set<TaskStatus> from, Set<TaskStatus> to) {
    public TaskMove {
      for (TaskStatus f : from) {
        for (TaskStatus t : to) {
          if (f != t && !f.canBecome(t)) {
            throw new IllegalStateException("task status write " + f + " -> " + t + " is not a transition: " + sql);
          }
        }
      }
      from = Set.copyOf(from);
      to = Set.copyOf(to);
    }

    /** The target status, which must be one this write may enter. */
    public String target(TaskStatus status) {
      if (!to.contains(status)) {
        throw new IllegalArgumentException("this write does not move a task to " + status + ": " + sql);
      }
      return status.wire();
    }
  }

  /** A status write of projects: its statement, and every status it may leave and enter. */
  public record ProjectMove(String sql, Set<ProjectStatus> from, Set<ProjectStatus> to) {
    public ProjectMove {
      for (ProjectStatus f : from) {
        for (ProjectStatus t : to) {
          if (f != t && !f.canBecome(t)) {
            throw new IllegalStateException("project status write " + f + " -> " + t + " is not a transition: "
                + sql);
          }
        }
      }
      from = Set.copyOf(from);
      to = Set.copyOf(to);
    }

    public String target(ProjectStatus status) {
      if (!to.contains(status)) {
        throw new IllegalArgumentException("this write does not move a project to " + status + ": " + sql);
      }
      return status.wire();
    }
  }

  /**
   * Checks a transition chosen at run time (a checkpoint resolution applies to a task in any status):
   * the target when {@code from} may become it, or the task stays; fails otherwise.
   */
  public static TaskStatus require(TaskStatus from, TaskStatus to) {
    if (from != to && !from.canBecome(to)) {
      throw new IllegalStateException("a task cannot move from " + from.wire() + " to " + to.wire());
    }
    return to;
  }

  private static String q(Enum<?> status) {
    return "'" + (status instanceof TaskStatus t ? t.wire() : ((ProjectStatus) status).wire()) + "'";
  }

  private static String in(Set<? extends Enum<?>> statuses) {
    return statuses.stream().sorted().map(Lifecycle::q).collect(Collectors.joining(", ", "(", ")"));
  }

  private static Set<TaskStatus> t(TaskStatus... s) {
    return s.length == 0 ? EnumSet.noneOf(TaskStatus.class) : EnumSet.copyOf(Arrays.asList(s));
  }

  private static Set<ProjectStatus> p(ProjectStatus... s) {
    return EnumSet.copyOf(Arrays.asList(s));
  }

  /** The verification status of a task stored completed whose verdict is still out. */
  public static final String VERIFYING = "verifying";
  /**
   * A task that waits on a dependency not yet completed, or completed and still being verified
   * (verification may send it back), with {@code tasks} the outer row.
   */
  public static final String UNFINISHED_DEP = "EXISTS (SELECT 1 FROM task_deps d JOIN tasks dep ON dep.id = d.depends_on"
      + " WHERE d.task_id = tasks.id AND (dep.status <> " + q(TaskStatus.COMPLETED)
      + " OR dep.verification_status = '" + VERIFYING + "'))";
  /** A leased task is running (this server never enters the original's {@code queued}). */
  private static final Set<TaskStatus> CLAIMED = t(TaskStatus.RUNNING);
  private static final String LEASED = " WHERE id = ? AND lease_number = ? AND status = " + q(TaskStatus.RUNNING);
  /** What a stale lease may be left in: running, or the original's queued after a restart. */
  private static final Set<TaskStatus> STALE = t(TaskStatus.QUEUED, TaskStatus.RUNNING);
  private static final String CLEAR_LEASE = "lease_owner = NULL, lease_expires_at = NULL";

  // ---- tasks: the executor ----

  /** Blocked tasks of a project whose dependencies are all completed → pending: (now, project). */
  public static final TaskMove UNBLOCK_PROJECT = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", updated_at = ? WHERE project_id = ? AND status = " + q(TaskStatus.BLOCKED) + " AND NOT " + UNFINISHED_DEP,
      t(TaskStatus.BLOCKED), t(TaskStatus.PENDING));
  /** One dependant, by key, released when it waits for nothing else: (now, task). */
  public static final TaskMove RELEASE_DEPENDANT = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.BLOCKED) + " AND NOT " + UNFINISHED_DEP,
      t(TaskStatus.BLOCKED), t(TaskStatus.PENDING));
  /** Pending → running under a new lease: (now, node, lease expiry, now, task). */
  public static final TaskMove CLAIM = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.RUNNING)
      + ", started_at = ?, lease_owner = ?, lease_expires_at = ?, lease_number = lease_number + 1, updated_at = ?"
      + " WHERE id = ? AND status = " + q(TaskStatus.PENDING) + " AND NOT " + UNFINISHED_DEP,
      t(TaskStatus.PENDING), t(TaskStatus.RUNNING));
  /**
   * A pending task whose dependency is not done after all (one was sent back to run again after this
   * task had been released) waits as blocked: (now, task).
   */
  public static final TaskMove DEMOTE = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.BLOCKED)
      + ", updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.PENDING) + " AND " + UNFINISHED_DEP,
      t(TaskStatus.PENDING), t(TaskStatus.BLOCKED));
  /** Renews a lease; moves nothing: (expiry, task, lease number). */
  public static final String HEARTBEAT = "UPDATE tasks SET lease_expires_at = ?" + LEASED;
  /**
   * A leased task completed: (output, prompt tokens, completion tokens, cost, model, completed at, now,
   * task, lease number).
   */
  public static final TaskMove COMPLETE = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.COMPLETED)
      + ", output_text = ?, prompt_tokens = ?, completion_tokens = ?, cost_usd = ?, model_used = ?, completed_at = ?,"
      + " updated_at = ?, error = NULL, " + CLEAR_LEASE + LEASED, CLAIMED, t(TaskStatus.COMPLETED));
  /**
   * A leased task completed and waiting for its verdict: its dependants wait until the verdict is
   * in: (output, prompt tokens, completion tokens, cost, model, completed at, now, task, lease number).
   */
  public static final TaskMove COMPLETE_UNVERIFIED = new TaskMove("UPDATE tasks SET status = "
      + q(TaskStatus.COMPLETED) + ", verification_status = '" + VERIFYING + "', output_text = ?, prompt_tokens = ?,"
      + " completion_tokens = ?, cost_usd = ?, model_used = ?, completed_at = ?, updated_at = ?, error = NULL, "
      + CLEAR_LEASE + LEASED, CLAIMED, t(TaskStatus.COMPLETED));
  /**
   * Back to pending with a backoff, the attempt's spend added: (retry at, error, prompt tokens,
   * completion tokens, cost, now, task, lease number).
   */
  public static final TaskMove RETRY_LATER = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", retry_count = retry_count + 1, retry_after = ?, error = ?, prompt_tokens = prompt_tokens + ?,"
      + " completion_tokens = completion_tokens + ?, cost_usd = cost_usd + ?, updated_at = ?, " + CLEAR_LEASE + LEASED,
      CLAIMED, t(TaskStatus.PENDING));
  /**
   * Ends an attempt (failed, to review, or back to pending on shutdown) with its error and spend:
   * (status, error, output or null, prompt tokens, completion tokens, cost, model or null, now, task,
   * lease number). The status through {@link TaskMove#target}.
   */
  public static final TaskMove END = new TaskMove("UPDATE tasks SET status = ?, error = ?,"
      + " output_text = COALESCE(?, output_text), prompt_tokens = prompt_tokens + ?,"
      + " completion_tokens = completion_tokens + ?, cost_usd = cost_usd + ?, model_used = COALESCE(?, model_used),"
      + " updated_at = ?, " + CLEAR_LEASE + LEASED, CLAIMED,
      t(TaskStatus.FAILED, TaskStatus.NEEDS_REVIEW, TaskStatus.PENDING));
  /** Gives a claimed task back untouched: (now, task, lease number). */
  public static final TaskMove GIVE_BACK = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", updated_at = ?, " + CLEAR_LEASE + LEASED, CLAIMED, t(TaskStatus.PENDING));
  /**
   * A task whose lease is stale goes back to the queue, or waits as blocked: (retries added, error, now,
   * task, its status as read).
   */
  public static final TaskMove RECOVER = new TaskMove("UPDATE tasks SET status = CASE WHEN " + UNFINISHED_DEP
      + " THEN " + q(TaskStatus.BLOCKED) + " ELSE " + q(TaskStatus.PENDING) + " END, retry_count = retry_count + ?,"
      + " error = ?, updated_at = ?, " + CLEAR_LEASE + " WHERE id = ? AND status = ? AND claimed_by IS NULL",
      STALE, t(TaskStatus.PENDING, TaskStatus.BLOCKED));
  /** An external claim that timed out goes back to pending: (error, now, task, claimed before). */
  public static final TaskMove RELEASE_STALE_CLAIM = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", claimed_by = NULL, claimed_at = NULL, retry_count = retry_count + 1, error = ?, updated_at = ? WHERE id = ?"
      + " AND status = " + q(TaskStatus.RUNNING) + " AND claimed_by IS NOT NULL AND claimed_at < ?",
      t(TaskStatus.RUNNING), t(TaskStatus.PENDING));
  /**
   * Verification found gaps: back to pending with the verdict, on the tier its next attempt runs on
   * (one up the escalation ladder, or its own): (verdict, notes, tier, now, task).
   */
  public static final TaskMove VERIFICATION_RETRY = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", retry_count = retry_count + 1, completed_at = NULL, verification_status = ?, verification_notes = ?,"
      + " model_tier = ?, updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.COMPLETED),
      t(TaskStatus.COMPLETED), t(TaskStatus.PENDING));
  /** Verification asks for a person: (verdict, notes, now, task). */
  public static final TaskMove VERIFICATION_REVIEW = new TaskMove("UPDATE tasks SET status = "
      + q(TaskStatus.NEEDS_REVIEW) + ", verification_status = ?, verification_notes = ?, updated_at = ? WHERE id = ?"
      + " AND status = " + q(TaskStatus.COMPLETED), t(TaskStatus.COMPLETED), t(TaskStatus.NEEDS_REVIEW));

  // ---- tasks: the API, external agents and the planner ----

  /** A failed task sent back by its owner: (now, task, max retries); answers the row with {@code RETURNING}. */
  public static final TaskMove RETRY = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", error = NULL, output_text = NULL, retry_count = retry_count + 1, updated_at = ? WHERE id = ?"
      + " AND status = " + q(TaskStatus.FAILED) + " AND retry_count < ?", t(TaskStatus.FAILED), t(TaskStatus.PENDING));
  /** The task cancels that leave waiting work only. */
  private static final Set<TaskStatus> CANCELLABLE = t(TaskStatus.PENDING, TaskStatus.BLOCKED, TaskStatus.QUEUED);
  /** Cancels a task that has not started: (now, task). */
  public static final TaskMove CANCEL = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.CANCELLED)
      + ", updated_at = ? WHERE id = ? AND status IN " + in(CANCELLABLE), CANCELLABLE, t(TaskStatus.CANCELLED));
  /** Review approve: (now, task). */
  public static final TaskMove REVIEW_APPROVE = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.COMPLETED)
      + ", updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.NEEDS_REVIEW),
      t(TaskStatus.NEEDS_REVIEW), t(TaskStatus.COMPLETED));
  /** Review retry: (now, task, max retries); answers the row with {@code RETURNING}. */
  public static final TaskMove REVIEW_RETRY = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", verification_status = NULL, verification_notes = NULL, output_text = NULL, completed_at = NULL,"
      + " retry_count = retry_count + 1, updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.NEEDS_REVIEW)
      + " AND retry_count < ?", t(TaskStatus.NEEDS_REVIEW), t(TaskStatus.PENDING));
  /**
   * A checkpoint's retry, from the status read in its transaction (any may be resolved, API.md §3.6):
   * (now, task, status as read).
   */
  public static final TaskMove CHECKPOINT_RETRY = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", error = NULL, retry_count = 0, output_text = NULL, completed_at = NULL, updated_at = ? WHERE id = ?"
      + " AND status = ?", t(TaskStatus.values()), t(TaskStatus.PENDING));
  /**
   * A checkpoint's skip or fail, from the status read in its transaction: (target, now, task, status as
   * read). The target through {@link #require}.
   */
  public static final TaskMove CHECKPOINT_END = new TaskMove("UPDATE tasks SET status = ?, updated_at = ? WHERE id = ?"
      + " AND status = ?", t(TaskStatus.NEEDS_REVIEW, TaskStatus.RUNNING, TaskStatus.FAILED),
      t(TaskStatus.CANCELLED, TaskStatus.FAILED));
  /** Every task of a cancelled project that is not finished: (now, project). */
  private static final Set<TaskStatus> PROJECT_CANCELLABLE = t(TaskStatus.PENDING, TaskStatus.BLOCKED,
      TaskStatus.QUEUED, TaskStatus.RUNNING);
  public static final TaskMove CANCEL_PROJECT_TASKS = new TaskMove("UPDATE tasks SET status = "
      + q(TaskStatus.CANCELLED) + ", updated_at = ? WHERE project_id = ? AND status IN " + in(PROJECT_CANCELLABLE),
      PROJECT_CANCELLABLE, t(TaskStatus.CANCELLED));
  /** An external agent's claim, only while the project executes: (agent, claimed at, started at, now, task). */
  public static final TaskMove EXTERNAL_CLAIM = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.RUNNING)
      + ", claimed_by = ?, claimed_at = ?, started_at = ?, updated_at = ? WHERE id = ? AND status = "
      + q(TaskStatus.PENDING) + " AND EXISTS (SELECT 1 FROM projects p WHERE p.id = tasks.project_id AND p.status = "
      + q(EXECUTING) + ")", t(TaskStatus.PENDING), t(TaskStatus.RUNNING));
  /**
   * An external agent's result; claim fields stay: (output, model, prompt tokens, completion tokens,
   * cost, completed at, now, task, agent).
   */
  public static final TaskMove EXTERNAL_COMPLETE = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.COMPLETED)
      + ", output_text = ?, model_used = ?, prompt_tokens = ?, completion_tokens = ?, cost_usd = ?, completed_at = ?,"
      + " updated_at = ? WHERE id = ? AND status = " + q(TaskStatus.RUNNING) + " AND claimed_by = ?",
      t(TaskStatus.RUNNING), t(TaskStatus.COMPLETED));
  /** An external agent gives its claim back: (now, task, agent). */
  public static final TaskMove EXTERNAL_RELEASE = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.PENDING)
      + ", claimed_by = NULL, claimed_at = NULL, started_at = NULL, output_text = NULL, updated_at = ? WHERE id = ?"
      + " AND status = " + q(TaskStatus.RUNNING) + " AND claimed_by = ?", t(TaskStatus.RUNNING), t(TaskStatus.PENDING));
  /** After decomposition: the project's new tasks that wait for a dependency: (now, project). */
  public static final TaskMove BLOCK_WAITING = new TaskMove("UPDATE tasks SET status = " + q(TaskStatus.BLOCKED)
      + ", updated_at = ? WHERE project_id = ? AND status = " + q(TaskStatus.PENDING) + " AND " + UNFINISHED_DEP,
      t(TaskStatus.PENDING), t(TaskStatus.BLOCKED));

  /** The status a new task is written with: blocked when it has dependencies, pending otherwise. */
  public static String initial(boolean hasDependencies) {
    return (hasDependencies ? TaskStatus.BLOCKED : TaskStatus.PENDING).wire();
  }

  // ---- projects ----

  /** The executor ends a project: (completed or failed, completed at or null, now, project). */
  public static final ProjectMove FINISH = new ProjectMove("UPDATE projects SET status = ?, completed_at = ?,"
      + " updated_at = ? WHERE id = ? AND status = " + q(EXECUTING), p(EXECUTING), p(COMPLETED, FAILED));
  /** Pause, by a person or the budget gate: (now, project). */
  public static final ProjectMove PAUSE = new ProjectMove("UPDATE projects SET status = " + q(PAUSED)
      + ", updated_at = ? WHERE id = ? AND status = " + q(EXECUTING), p(EXECUTING), p(PAUSED));
  /** Pause at a wave checkpoint, releasing the next wave for the resume: (wave, now, project, wave). */
  public static final ProjectMove PAUSE_AT_WAVE = new ProjectMove("UPDATE projects SET status = " + q(PAUSED)
      + ", wave_released = ?, updated_at = ? WHERE id = ? AND status = " + q(EXECUTING) + " AND wave_released < ?",
      p(EXECUTING), p(PAUSED));
  /**
   * Start or resume; also a finished project with pending work again (API.md §18.1 decision 7), whose
   * completion no longer holds: (now, project).
   */
  public static final ProjectMove EXECUTE = new ProjectMove("UPDATE projects SET status = " + q(EXECUTING)
      + ", completed_at = NULL, updated_at = ? WHERE id = ? AND (status IN " + in(p(READY, PAUSED))
      + " OR (status IN " + in(p(FAILED, COMPLETED)) + " AND EXISTS (SELECT 1 FROM tasks t WHERE t.project_id ="
      + " projects.id AND t.status = " + q(TaskStatus.PENDING) + ")))", p(READY, PAUSED, FAILED, COMPLETED),
      p(EXECUTING));
  /** Cancel, from any status: (now, project). */
  public static final ProjectMove CANCEL_PROJECT = new ProjectMove("UPDATE projects SET status = " + q(CANCELLED)
      + ", updated_at = ? WHERE id = ?", p(ProjectStatus.values()), p(CANCELLED));
  /** The statuses a plan may be asked for from. */
  private static final Set<ProjectStatus> PLANNABLE = p(DRAFT, PLANNING, READY, PAUSED, FAILED);
  /** Planning starts: (now, project). */
  public static final ProjectMove START_PLANNING = new ProjectMove("UPDATE projects SET status = " + q(PLANNING)
      + ", updated_at = ? WHERE id = ? AND status IN " + in(PLANNABLE), PLANNABLE, p(PLANNING));
  /** Planning ends, whatever its outcome; a project cancelled meanwhile stays cancelled: (now, project). */
  public static final ProjectMove END_PLANNING = new ProjectMove("UPDATE projects SET status = " + q(DRAFT)
      + ", updated_at = ? WHERE id = ? AND status = " + q(PLANNING), p(PLANNING), p(DRAFT));
  private static final Set<ProjectStatus> APPROVABLE = p(DRAFT, READY, PAUSED, FAILED, COMPLETED);
  /** A plan approved: (now, project). */
  public static final ProjectMove APPROVED = new ProjectMove("UPDATE projects SET status = " + q(READY)
      + ", updated_at = ? WHERE id = ? AND status IN " + in(APPROVABLE), APPROVABLE, p(READY));

  /** Every task write, for the tests that walk them. */
  public static List<TaskMove> taskMoves() {
    return List.of(UNBLOCK_PROJECT, RELEASE_DEPENDANT, CLAIM, DEMOTE, COMPLETE, COMPLETE_UNVERIFIED, RETRY_LATER, END, GIVE_BACK, RECOVER,
        RELEASE_STALE_CLAIM, VERIFICATION_RETRY, VERIFICATION_REVIEW, RETRY, CANCEL, REVIEW_APPROVE, REVIEW_RETRY,
        CHECKPOINT_RETRY, CHECKPOINT_END, CANCEL_PROJECT_TASKS, EXTERNAL_CLAIM, EXTERNAL_COMPLETE, EXTERNAL_RELEASE,
        BLOCK_WAITING);
  }

  /** Every project write. */
  public static List<ProjectMove> projectMoves() {
    return List.of(FINISH, PAUSE, PAUSE_AT_WAVE, EXECUTE, CANCEL_PROJECT, START_PLANNING, END_PLANNING, APPROVED);
  }
}
