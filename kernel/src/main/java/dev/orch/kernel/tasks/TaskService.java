package dev.orch.kernel.tasks;

import dev.orch.kernel.executor.ExecutorSignals;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.projects.JsonDocument;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.tasks.TaskRepository.TaskState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks (API.md §3.5): listing, reading, editing, retry, cancel, review and bulk actions. Every
 * change is a compare-and-set on the statuses it may leave; changes that make work ready wake the
 * executor after they are stored.
 */
public final class TaskService {
  private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);

  private final Db db;
  private final ProjectAccess access;
  private final ExecutorSignals signals;
  private final TasksConfig config;
  private final Clock clock;
  private final TaskRepository repo = new TaskRepository();

  TaskService(Db db, ProjectAccess access, ExecutorSignals signals, TasksConfig config, Clock clock) {
    this.db = db;
    this.access = access;
    this.signals = signals;
    this.config = config;
    this.clock = clock;
  }

  /** The filters, order and page of {@code GET /tasks/project/{id}}; null filters are absent. */
  public record TaskQuery(String status, Integer wave, String phase, String modelTier, String search, String sort,
      String sortDir, boolean excludeOutput, int limit, int offset) {}

  /** What a PATCH asks for; null fields are absent (API.md §1.8). */
  public record TaskFields(String title, String description, String modelTier, Integer priority, Integer maxTokens) {
    boolean empty() {
      return title == null && description == null && modelTier == null && priority == null && maxTokens == null;
    }
  }

  /**
   * {@code TaskOut[]} of the project, as pages to write one after the other; 404/403 for the project
   * as in API.md §1.6.
   */
  public Future<JsonDocument.Pages> list(Principal caller, String projectId, TaskQuery query) {
    return access.project(caller, projectId).map(p -> repo.list(db.client(), projectId, query));
  }

  /** {@code TaskOut}; 404 {@code Task {id} not found}, 403 {@code You do not own this task's project}. */
  public Future<JsonObject> get(Principal caller, String taskId) {
    return access.taskProject(caller, taskId).compose(p -> taskOut(taskId));
  }

  /** {@code {"attempts": [...]}}: the task's attempts that verification judged, with their tier and cost. */
  public Future<JsonObject> attempts(Principal caller, String taskId) {
    return access.taskProject(caller, taskId).compose(p -> repo.attempts(db.client(), taskId))
        .map(list -> new JsonObject().put("task_id", taskId).put("attempts", list));
  }

  /** Edits any task that is neither running nor completed; 400 otherwise, or when nothing is given. */
  public Future<JsonObject> patch(Principal caller, String taskId, TaskFields f) {
    List<String> columns = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    add(columns, values, "title", f.title());
    add(columns, values, "description", f.description());
    add(columns, values, "model_tier", f.modelTier());
    add(columns, values, "priority", f.priority());
    add(columns, values, "max_tokens", f.maxTokens());
    return access.taskProject(caller, taskId)
        .compose(p -> Cas.run("Task " + taskId, () -> state(taskId).compose(task -> {
          if (task.status().equals("running") || task.status().equals("completed")) {
            return Future.failedFuture(OrchestratorException.badRequest("Cannot edit a running or completed task"));
          }
          if (f.empty()) {
            return Future.failedFuture(OrchestratorException.badRequest("No fields to update"));
          }
          return repo.patch(db.client(), taskId, columns, values, now()).map(won -> won ? task : null);
        })))
        .compose(task -> {
          LOG.info("task edited [project: {}, task: {}, fields: {}]", task.projectId(), taskId, columns);
          return taskOut(taskId);
        });
  }

  /**
   * {@code failed} → {@code pending}, {@code retry_count} + 1, then wakes the executor. Answers the
   * task as the retry left it, even when the executor has claimed it since.
   */
  public Future<JsonObject> retry(Principal caller, String taskId) {
    return retryTask(caller, taskId).compose(retried -> repo.taskOut(db.client(), retried.written()));
  }

  /** A task before a change, and its row as the change wrote it. */
  private record Changed(TaskState before, Row written) {}

  /** {@code pending}/{@code blocked}/{@code queued} → {@code cancelled}. */
  public Future<JsonObject> cancel(Principal caller, String taskId) {
    return cancelTask(caller, taskId).compose(task -> taskOut(taskId));
  }

  /**
   * Answers a task in {@code needs_review}: {@code approve} completes it as it is; {@code retry}
   * sends it back to {@code pending} with the feedback in its context.
   */
  public Future<JsonObject> review(Principal caller, String taskId, String action, String feedback) {
    boolean approve = action.equals("approve");
    return access.taskProject(caller, taskId)
        .compose(p -> Cas.run("Task " + taskId, () -> state(taskId).compose(task -> {
          if (!task.status().equals("needs_review")) {
            return Future.failedFuture(OrchestratorException.badRequest("Task is not in needs_review status"));
          }
          if (approve) {
            // A git project's task lands its work before the approval is stored, as every completion does.
            return signals.land(taskId).compose(v -> repo.approveReview(db.client(), taskId, now()))
                .map(won -> won ? new Changed(task, null) : null);
          }
          if (task.retryCount() >= config.maxTaskRetries()) {
            return Future.failedFuture(maxRetries());
          }
          JsonObject entry = feedback.isEmpty() ? null
              : new JsonObject().put("type", "review_feedback").put("content", feedback);
          return db.pool().withTransaction(tx -> repo.retryReview(tx, task, entry, config.maxTaskRetries(), now()))
              .map(row -> row == null ? null : new Changed(task, row));
        })))
        .compose(changed -> {
          LOG.info("task reviewed [project: {}, task: {}, action: {}]", changed.before().projectId(), taskId, action);
          // Approval also makes work ready: the dependents of a task now completed.
          signals.wake(changed.before().projectId());
          // A retry answers the row it wrote: the executor may claim the task before a read.
          return changed.written() != null ? repo.taskOut(db.client(), changed.written()) : taskOut(taskId);
        });
  }

  /**
   * Retries or cancels each task in order, each on its own, as the single endpoints do; a refusal is
   * listed with the contract's reason and does not stop the others.
   */
  public Future<JsonObject> bulk(Principal caller, String action, List<String> taskIds) {
    JsonArray succeeded = new JsonArray();
    JsonArray failed = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (String taskId : taskIds) {
      chain = chain.compose(v -> (action.equals("retry") ? retryTask(caller, taskId).<Void>mapEmpty()
              : cancelTask(caller, taskId).<Void>mapEmpty())
          .<Void>map(task -> {
            succeeded.add(taskId);
            return null;
          })
          .recover(err -> {
            failed.add(new JsonObject().put("id", taskId).put("reason", bulkReason(taskId, err)));
            return Future.succeededFuture();
          }));
    }
    return chain.map(v -> {
      LOG.info("bulk task action [action: {}, succeeded: {}, failed: {}, by: {}]", action, succeeded.size(),
          failed.size(), caller.id());
      return new JsonObject().put("succeeded", succeeded).put("failed", failed);
    });
  }

  private Future<Changed> retryTask(Principal caller, String taskId) {
    int max = config.maxTaskRetries();
    return access.taskProject(caller, taskId)
        .compose(p -> Cas.run("Task " + taskId, () -> state(taskId).compose(task -> {
          if (!task.status().equals("failed")) {
            return Future.failedFuture(new TaskRefusal("Can only retry failed tasks", "Not in failed state"));
          }
          if (task.retryCount() >= max) {
            return Future.failedFuture(maxRetries());
          }
          return repo.retry(db.client(), taskId, max, now()).map(row -> row == null ? null : new Changed(task, row));
        })))
        .onSuccess(retried -> {
          TaskState task = retried.before();
          LOG.info("task retried [project: {}, task: {}, retry: {}]", task.projectId(), taskId, task.retryCount() + 1);
          signals.wake(task.projectId());
        });
  }

  private Future<TaskState> cancelTask(Principal caller, String taskId) {
    return access.taskProject(caller, taskId)
        .compose(p -> Cas.run("Task " + taskId, () -> state(taskId).compose(task -> {
          if (!TaskEnums.CANCELLABLE.contains(task.status())) {
            return Future.failedFuture(new TaskRefusal("Cannot cancel task in '" + task.status() + "' state",
                "Cannot cancel " + task.status() + " task"));
          }
          return repo.cancel(db.client(), taskId, now()).map(won -> won ? task : null);
        })))
        .onSuccess(task -> {
          LOG.info("task cancelled [project: {}, task: {}, was: {}]", task.projectId(), taskId, task.status());
          // A queued task may already be in the executor's hands; it must not start or finish it.
          signals.cancel(task.projectId(), taskId);
        });
  }

  private TaskRefusal maxRetries() {
    return new TaskRefusal("Maximum retry limit reached (" + config.maxTaskRetries() + ")", "Max retries reached");
  }

  /** The reason a bulk item failed: the contract's short text, or the 404/403 detail as it is. */
  private static String bulkReason(String taskId, Throwable err) {
    if (err instanceof TaskRefusal refusal) {
      return refusal.bulkReason();
    }
    if (err instanceof OrchestratorException oe && oe.status() < 500) {
      return oe.getMessage();
    }
    LOG.error("bulk task action failed [task: {}]", taskId, err);
    return Failures.INTERNAL;
  }

  /** The task's state; 404 when it was deleted after the ownership check. */
  private Future<TaskState> state(String taskId) {
    return repo.state(db.client(), taskId).compose(task -> task != null ? Future.succeededFuture(task)
        : Future.failedFuture(OrchestratorException.notFound("Task " + taskId + " not found")));
  }

  private Future<JsonObject> taskOut(String taskId) {
    return repo.taskOut(db.client(), taskId).compose(out -> out != null ? Future.succeededFuture(out)
        : Future.failedFuture(OrchestratorException.notFound("Task " + taskId + " not found")));
  }

  private static void add(List<String> columns, List<Object> values, String column, Object value) {
    if (value != null) {
      columns.add(column);
      values.add(value);
    }
  }

  private double now() {
    return Times.now(clock);
  }
}
