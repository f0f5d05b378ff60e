package dev.orch.kernel.executor;

import dev.orch.kernel.agents.CliAgent;
import dev.orch.kernel.agents.CliAgentRunner;
import dev.orch.kernel.agents.ToolProfile;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.executor.TaskStore.ExecutingProject;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Tier;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.store.Times;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts this node runs, each under a lease it keeps by heartbeat. A worker stops before its
 * lease could expire unrenewed, whatever failed its heartbeats (a lost lease, a database that does not
 * answer), and its outcome is then dropped: another node may run the task by now. The spend of a
 * dropped attempt is still recorded.
 */
final class Workers {
  private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

  /** A task this node runs: its attempt, the watch on its lease, and the timers that keep the lease. */
  static final class Worker {
    final Claimed task;
    final Attempt run;
    final LeaseWatch lease;
    long heartbeat = -1;
    long stopTimer = -1;

    Worker(Claimed task, Attempt run, LeaseWatch lease) {
      this.task = task;
      this.run = run;
      this.lease = lease;
    }
  }

  private final Vertx vertx;
  private final TaskStore store;
  private final MeteredModel metered;
  private final Progress progress;
  private final ModelRouter router;
  private final CliAgentRunner cliAgents;
  private final ExecutorConfig config;
  private final Path dataDir;
  private final Clock clock;
  private final String node;
  private final GitSteps git;
  private final java.util.function.Predicate<Claimed> integrateAtOnce;
  private final Map<String, Worker> running = new ConcurrentHashMap<>();

  Workers(Vertx vertx, TaskStore store, MeteredModel metered, Progress progress, ModelRouter router,
      CliAgentRunner cliAgents, ExecutorConfig config, Path dataDir, Clock clock, String node, GitSteps git,
      java.util.function.Predicate<Claimed> integrateAtOnce) {
    this.git = git;
    this.integrateAtOnce = integrateAtOnce;
    this.vertx = vertx;
    this.store = store;
    this.metered = metered;
    this.progress = progress;
    this.router = router;
    this.cliAgents = cliAgents;
    this.config = config;
    this.dataDir = dataDir;
    this.clock = clock;
    this.node = node;
  }

  private double now() {
    return Times.now(clock);
  }

  /** Whether this node runs the task (thread-safe: the dispatcher asks from the group's thread). */
  boolean runs(String taskId) {
    return running.containsKey(taskId);
  }

  boolean isEmpty() {
    return running.isEmpty();
  }

  /**
   * Starts a claimed task's attempt; {@code ended} hears its outcome while the lease still holds. An
   * attempt that ended after its lease lapsed is dropped here.
   */
  void start(TaskStore.Started started, BiConsumer<Worker, AsyncResult<TaskRun.Result>> ended) {
    Claimed task = started.task();
    Attempt run = attempt(task, started.project(), started.reservationId());
    Worker worker = new Worker(task, run, new LeaseWatch(task.leaseExpiresAt(), config.leaseSeconds()));
    worker.heartbeat = vertx.setPeriodic(Math.max(100, (long) (config.leaseSeconds() * 1000 / 3)),
        id -> heartbeat(worker));
    armStop(worker);
    running.put(task.id(), worker);
    LOG.debug("task dispatched [project: {}, task: {}, tier: {}, node: {}]", task.projectId(), task.id(), task.tier(),
        node);
    progress.emit(task.projectId(), task.id(), dev.orch.kernel.progress.EventTypes.TASK_START, task.title());
    run.run(started.knowledge()).onComplete(ar -> {
      if (worker.lease.lapsedAt(now())) {
        lapsed(worker, ar.succeeded() ? ar.result() : null);
        return;
      }
      ended.accept(worker, ar);
    });
  }

  /** The attempt for a task: the project's CLI agent, or the model and tool loop of its tier. */
  private Attempt attempt(Claimed task, ExecutingProject project, String reservationId) {
    Tier tier = Dispatcher.tierOrNull(task.tier());
    if (tier == null) {
      metered.release(reservationId);
      return Attempt.failing(new IllegalArgumentException("Unknown model tier '" + task.tier() + "'"));
    }
    String model = router.model(tier);
    return new GitAttempt(git, metered, task, reservationId, integrateAtOnce.test(task),
        project.onRepository(), worktree -> attempt(task, project, reservationId, tier, model, worktree));
  }

  /** The attempt itself; {@code worktree} is the task's git worktree, or null for a project without a repository. */
  private Attempt attempt(Claimed task, ExecutingProject project, String reservationId, Tier tier, String model,
      Path worktree) {
    String agentName = project.settings().cliAgent();
    // An economy project's Claude tasks run their rounds through the Message Batches API (docs/cost.md).
    MeteredModel caller = agentName == null && project.settings().economy() && tier != Tier.OLLAMA
        && metered.batchable(model) ? metered.batched().orElse(metered) : metered;
    TaskRun modelRun = new TaskRun(vertx.eventBus(), caller, progress, config, task, model, tier == Tier.OLLAMA,
        reservationId);
    if (agentName == null) {
      return modelRun;
    }
    var agent = Arrays.stream(CliAgent.values()).filter(a -> a.wire().equals(agentName)).findFirst();
    if (agent.isEmpty()) {
      return Attempt.failing(new IllegalArgumentException("Unknown CLI agent '" + agentName + "'"));
    }
    return new CliTaskRun(vertx, cliAgents, metered.pricing(), progress, task, agent.get(),
        ToolProfile.fromWire(project.settings().cliProfile()).orElse(null), model, modelRun.systemPrompt(List.of()),
        worktree != null ? worktree : dataDir.resolve("projects").resolve(task.projectId()));
  }

  /** Renews the lease; a lost lease, or one about to lapse unrenewed, stops the attempt. */
  private void heartbeat(Worker w) {
    double until = now() + config.leaseSeconds();
    store.heartbeat(w.task, until).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        w.lease.renewed(until);
        armStop(w);
      } else if (ar.succeeded()) {
        LOG.warn("lease lost, stopping task [task: {}, node: {}]", w.task.id(), node);
        w.lease.lost();
        w.run.cancel();
      } else {
        // The lease may still hold: the stop timer ends the attempt before it could expire.
        LOG.warn("heartbeat failed [task: {}, node: {}, reason: {}]", w.task.id(), node, ar.cause().getMessage());
      }
    });
  }

  /** (Re)arms the timer that stops the attempt before its lease could expire unrenewed. */
  private void armStop(Worker w) {
    if (w.stopTimer >= 0) {
      vertx.cancelTimer(w.stopTimer);
    }
    w.stopTimer = vertx.setTimer(Math.max(1, w.lease.msUntilStop(now())), id -> {
      if (w.lease.lapsedAt(now())) {
        LOG.warn("lease not renewed in time, stopping task [task: {}, node: {}]", w.task.id(), node);
        w.run.cancel();
      } else if (running.get(w.task.id()) == w) {
        // A timer may fire a moment early; a renewal would have re-armed it already. Not yet: wait the rest.
        armStop(w);
      }
    });
  }

  /** The worker's outcome is stored: it leaves this node. */
  void done(Worker w) {
    if (running.remove(w.task.id()) != null) {
      stopTimers(w);
    }
  }

  private void stopTimers(Worker w) {
    vertx.cancelTimer(w.heartbeat);
    if (w.stopTimer >= 0) {
      vertx.cancelTimer(w.stopTimer);
    }
  }

  private void lapsed(Worker w, TaskRun.Result result) {
    done(w);
    LOG.warn("outcome dropped, lease lapsed [task: {}, node: {}]", w.task.id(), node);
    if (result != null && result.unrecorded() != null) {
      metered.record(result.unrecorded()).onFailure(err -> LOG.error("spend of a lapsed attempt not recorded [task: {},"
          + " reason: {}]", w.task.id(), err.getMessage()));
    }
  }

  /** Stops the attempts of a project ({@code taskId} null) or of one task: cancellation wins. */
  void cancel(String projectId, String taskId) {
    running.values().stream()
        .filter(w -> taskId != null ? w.task.id().equals(taskId) : projectId != null && w.task.projectId().equals(projectId))
        .forEach(w -> {
          LOG.info("task cancelled in flight [project: {}, task: {}]", w.task.projectId(), w.task.id());
          w.run.cancel();
        });
  }

  /**
   * Lets the running attempts finish within {@code graceSeconds}, then stops the rest and hands their
   * tasks back to the queue for the next start or another node.
   */
  Future<?> drain(double graceSeconds) {
    if (running.isEmpty()) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
    long deadline = System.currentTimeMillis() + (long) (graceSeconds * 1000);
    vertx.setPeriodic(100, id -> {
      if (running.isEmpty() || System.currentTimeMillis() >= deadline) {
        vertx.cancelTimer(id);
        drained.tryComplete();
      }
    });
    return drained.future().compose(v -> {
      List<Future<?>> interrupted = new ArrayList<>();
      running.values().forEach(w -> {
        w.run.cancel();
        stopTimers(w);
        interrupted.add(store.end(w.task, dev.orch.kernel.state.TaskStatus.PENDING, "Interrupted by shutdown", null,
            TaskRun.Result.none(null), now()));
      });
      running.clear();
      return Future.all(interrupted);
    });
  }
}
