package dev.orch.kernel.tasks;

import dev.orch.kernel.executor.ExecutorSignals;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Start, resume, pause and cancel a project's execution (API.md §3.4, §8.2, §11.6). */
public final class ExecutionService {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutionService.class);

  private final Db db;
  private final ProjectAccess access;
  private final ExecutorSignals signals;
  private final Clock clock;
  private final TaskRepository repo = new TaskRepository();

  ExecutionService(Db db, ProjectAccess access, ExecutorSignals signals, Clock clock) {
    this.db = db;
    this.access = access;
    this.signals = signals;
    this.clock = clock;
  }

  /**
   * {@code ready}/{@code paused} → {@code executing}; also {@code failed}/{@code completed} when a
   * task is pending again (API.md §18.1 decision 7). Wakes the executor. 400 otherwise, with the
   * status found.
   */
  public Future<JsonObject> execute(Principal caller, String projectId) {
    return access.project(caller, projectId)
        .compose(project -> repo.execute(db.client(), projectId, now()).compose(won -> {
          if (won) {
            LOG.info("project executing [project: {}, was: {}, by: {}]", projectId, project.status(), caller.id());
            signals.wake(projectId);
            return Future.succeededFuture(reply("executing", projectId));
          }
          return repo.projectStatus(db.client(), projectId).compose(status -> Future.failedFuture(
              OrchestratorException.badRequest("Project must be in 'ready' or 'paused' state, got '"
                  + (status == null ? project.status() : status) + "'")));
        }));
  }

  /** {@code executing} → {@code paused}: no new dispatches; work already started finishes (API.md §11.6). */
  public Future<JsonObject> pause(Principal caller, String projectId) {
    return access.project(caller, projectId)
        .compose(project -> repo.pause(db.client(), projectId, now()))
        .compose(won -> {
          if (!won) {
            return Future.failedFuture(OrchestratorException.badRequest("Project is not executing"));
          }
          LOG.info("project paused [project: {}, by: {}]", projectId, caller.id());
          return Future.succeededFuture(reply("paused", projectId));
        });
  }

  /**
   * Every unfinished task and the project → {@code cancelled}, in one transaction, from any status;
   * then tells the executor to stop work in flight, since cancellation wins (API.md §18.8).
   */
  public Future<JsonObject> cancel(Principal caller, String projectId) {
    return access.project(caller, projectId)
        .compose(project -> db.pool().withTransaction(tx -> {
          double now = now();
          return repo.cancelProjectTasks(tx, projectId, now).compose(tasks -> repo.cancelProject(tx, projectId, now)
              .compose(found -> found ? Future.succeededFuture(tasks)
                  : Future.failedFuture(OrchestratorException.notFound("Project " + projectId + " not found"))));
        }))
        .map(tasks -> {
          LOG.info("project cancelled [project: {}, tasks cancelled: {}, by: {}]", projectId, tasks, caller.id());
          signals.cancel(projectId, null);
          return reply("cancelled", projectId);
        });
  }

  private static JsonObject reply(String status, String projectId) {
    return new JsonObject().put("status", status).put("project_id", projectId);
  }

  private double now() {
    return Times.now(clock);
  }
}
