package dev.orch.kernel.tasks;

import dev.orch.kernel.rag.DiagnosticLog;
import dev.orch.kernel.executor.ExecutorSignals;

import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * The services behind the task, checkpoint, external-execution and execution-control endpoints,
 * built once per process and shared by every HTTP instance (they keep no per-instance state).
 */
public record TaskServices(TaskService tasks, CheckpointService checkpoints, ExternalService external,
    ExecutionService execution) {

  /**
   * @param external what an external agent's claim holds and its result may cost
   * @param diagnostics where a resolved checkpoint's lesson is recorded for the diagnostic RAG
   */
  public static TaskServices create(Vertx vertx, Db db, ProjectAccess access, Pricing pricing, TasksConfig config,
      ExternalSpend external, DiagnosticLog diagnostics, Clock clock) {
    ExecutorSignals signals = new ExecutorSignals(vertx.eventBus());
    return new TaskServices(
        new TaskService(db, access, signals, config, clock),
        new CheckpointService(db, access, signals, diagnostics, clock),
        new ExternalService(db, access, signals, vertx.eventBus(), pricing, external, clock),
        new ExecutionService(db, access, signals, clock));
  }
}
