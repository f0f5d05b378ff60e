package dev.orch.kernel.tasks;

import dev.orch.kernel.state.TaskStatus;

import dev.orch.kernel.rag.DiagnosticLog;
import dev.orch.kernel.executor.ExecutorSignals;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.tasks.TaskRepository.TaskState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints (API.md §3.6, §14.2): the human answer to a task that ran out of automatic retries.
 * A resolution and its effect on the task are stored in one transaction.
 */
public final class CheckpointService {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointService.class);
  /** Statuses in which the executor may be working on the task, which a resolution must stop. */
  private static final List<String> IN_FLIGHT = List.of("queued", "running");

  private final Db db;
  private final ProjectAccess access;
  private final ExecutorSignals signals;
  private final DiagnosticLog diagnostics;
  private final Clock clock;
  private final CheckpointRepository repo = new CheckpointRepository();
  private final TaskRepository tasks = new TaskRepository();

  CheckpointService(Db db, ProjectAccess access, ExecutorSignals signals, DiagnosticLog diagnostics,
      Clock clock) {
    this.db = db;
    this.access = access;
    this.signals = signals;
    this.diagnostics = diagnostics;
    this.clock = clock;
  }

  /** What a resolution did, for the work that follows its commit. */
  private record Resolution(String projectId, String taskId, String taskWas, String summary) {}

  /** Unresolved checkpoints of the project, newest first; with {@code all}, every checkpoint. */
  public Future<JsonArray> list(Principal caller, String projectId, boolean all, int limit, int offset) {
    return access.project(caller, projectId).compose(p -> repo.ofProject(db.client(), projectId, all, limit, offset));
  }

  /** {@code CheckpointOut}; 404/403 through the parent project. */
  public Future<JsonObject> get(Principal caller, String checkpointId) {
    return access.checkpointProject(caller, checkpointId).compose(p -> checkpointOut(db.client(), checkpointId));
  }

  /**
   * Resolves the checkpoint once and applies {@code action} to its task, whatever the task's status:
   * {@code retry} → pending with a fresh retry budget and the guidance in its context, {@code skip}
   * → cancelled, {@code fail} → failed. 400 {@code Checkpoint already resolved} the second time.
   */
  public Future<JsonObject> resolve(Principal caller, String checkpointId, String action, String guidance,
      String gotcha) {
    String response = "Action: " + action + (guidance.isEmpty() ? "" : " | Guidance: " + guidance);
    return access.checkpointProject(caller, checkpointId)
        .compose(p -> db.pool().<Resolution>withTransaction(tx -> repo.row(tx, checkpointId).compose(row -> {
          if (row == null) {
            return Future.failedFuture(OrchestratorException.notFound("Checkpoint " + checkpointId + " not found"));
          }
          if (row.getDouble("resolved_at") != null) {
            return Future.failedFuture(OrchestratorException.badRequest("Checkpoint already resolved"));
          }
          String projectId = row.getString("project_id");
          String taskId = row.getString("task_id");
          String summary = row.getString("summary");
          double now = now();
          return repo.resolve(tx, checkpointId, response, now).compose(won -> {
            if (!won) {
              return Future.failedFuture(OrchestratorException.badRequest("Checkpoint already resolved"));
            }
            if (taskId == null) {
              return Future.succeededFuture(new Resolution(projectId, null, null, summary));
            }
            return applyToTask(tx, taskId, action, guidance, now)
                .map(was -> new Resolution(projectId, was == null ? null : taskId, was, summary));
          });
        })))
        .compose(r -> {
          LOG.info("checkpoint resolved [project: {}, checkpoint: {}, task: {}, action: {}, by: {}]", r.projectId(),
              checkpointId, r.taskId(), action, caller.id());
          if (r.taskId() != null && IN_FLIGHT.contains(r.taskWas())) {
            signals.cancel(r.projectId(), r.taskId());
          }
          Future<Void> recorded = Future.succeededFuture();
          if (r.taskId() != null && action.equals("retry")) {
            signals.wake(r.projectId());
            if (!guidance.isEmpty()) {
              recorded = diagnostics.append(new JsonObject()
                  .put("error_pattern", r.summary())
                  .put("error_context", "Checkpoint for task " + r.taskId())
                  .put("resolution", guidance)
                  .put("tags", new JsonArray().add("checkpoint").add("human-resolved"))
                  .put("gotcha", gotcha));
            }
          }
          return recorded.compose(v -> checkpointOut(db.client(), checkpointId));
        });
  }

  /**
   * The action's effect on the task, compared against the status and context just read (the status
   * itself is not restricted); returns the status it had, or null when the task is gone.
   */
  private Future<String> applyToTask(SqlClient tx, String taskId, String action, String guidance, double now) {
    // Cas treats null as "lost the race", so a missing task is an empty Optional instead.
    return Cas.<Optional<String>>run("Task " + taskId, () -> tasks.state(tx, taskId).compose(task -> {
      if (task == null) {
        return Future.succeededFuture(Optional.empty());
      }
      Future<Boolean> write = switch (action) {
        case "retry" -> tasks.retryFromCheckpoint(tx, task, guidanceEntry(guidance), now);
        case "skip" -> tasks.endFromCheckpoint(tx, taskId, task.status(), TaskStatus.CANCELLED, now);
        default -> tasks.endFromCheckpoint(tx, taskId, task.status(), TaskStatus.FAILED, now);
      };
      return write.map(won -> won ? Optional.of(task.status()) : null);
    })).map(was -> was.orElse(null));
  }

  private static JsonObject guidanceEntry(String guidance) {
    return guidance.isEmpty() ? null : new JsonObject().put("type", "checkpoint_guidance").put("content", guidance);
  }

  private Future<JsonObject> checkpointOut(SqlClient client, String checkpointId) {
    return repo.row(client, checkpointId).compose(row -> row != null
        ? Future.succeededFuture(CheckpointRepository.checkpointOut(row))
        : Future.failedFuture(OrchestratorException.notFound("Checkpoint " + checkpointId + " not found")));
  }

  private double now() {
    return Times.now(clock);
  }
}
