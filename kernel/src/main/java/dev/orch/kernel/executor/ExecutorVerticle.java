package dev.orch.kernel.executor;

import dev.orch.kernel.agents.CliAgentRunner;
import dev.orch.kernel.budget.BudgetAddresses;
import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.git.GitWorkspaces;
import dev.orch.kernel.git.PullRequests;
import dev.orch.kernel.budget.BudgetLedger;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.OllamaProvider;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.monitor.MonitorAddresses;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.rag.DiagnosticLog;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs approved DAGs (docs/architecture.md, "Execution model"), wiring its parts to the bus. Dispatch
 * is event-driven: a pass runs when a task completes, a project is executed or resumed, budget is
 * freed, a backoff comes due or a provider recovers; a slow safety tick only catches leftovers. The
 * {@link Dispatcher} picks what a pass claims, {@link Workers} run and keep the claimed tasks,
 * {@link Outcomes} store what became of them as {@link OutcomePolicy} decides.
 */
public final class ExecutorVerticle extends VerticleBase implements Outcomes.Loop {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorVerticle.class);

  /** What the executor is built from. */
  public record Parts(Db db, ModelProviders models, Pricing pricing, BudgetLedger budget, DiagnosticLog diagnostics,
      DiagnosticAdvisor advisor, ModelRouter router, ExecutorConfig config, CliAgentRunner cliAgents, Path dataDir,
      GitWorkspaces git) {}

  private final Parts parts;
  private final Clock clock;
  private final boolean clustered;
  private final String node;
  private final TaskStore store;
  private MeteredModel metered;
  private Progress progress;
  /** A dispatch pass is queued in the group commit and has not yet read its snapshot. */
  private final AtomicBoolean passQueued = new AtomicBoolean();
  private Workers workers;
  private Dispatcher dispatcher;
  private ResourceGate gate;
  private Outcomes outcomes;
  private boolean stopping;
  private long backoffTimer = -1;
  private double backoffAt = Double.MAX_VALUE;

  /**
   * @param clustered whether other nodes run executors on the same database: then only an expired
   *     lease is stale, otherwise every lease of another node id is (a dead predecessor's)
   */
  public ExecutorVerticle(Parts parts, Clock clock, boolean clustered) {
    this(parts, clock, clustered, "node-" + Ids.hex(6));
  }

  /** @param node the name this node's leases carry: its cluster member id in a cluster */
  public ExecutorVerticle(Parts parts, Clock clock, boolean clustered, String node) {
    this.node = node;
    this.parts = parts;
    this.clock = clock;
    this.clustered = clustered;
    this.store = new TaskStore(parts.db(), clock, parts.budget());
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    metered = new MeteredModel(bus, parts.models(), parts.pricing());
    progress = new Progress(bus);
    ExecutorConfig config = parts.config();
    GitSteps git = new GitSteps(vertx, parts.git(), new PullRequests(vertx, parts.git().config().forge(),
        System.getenv()), store, progress, clock);
    workers = new Workers(vertx, store, metered, progress, parts.router(), parts.cliAgents(), config, parts.dataDir(),
        clock, node, git, task -> outcomes.completesAtOnce(task));
    gate = new ResourceGate(parts.router(), parts.models().ollama().map(OllamaProvider::resource).orElse(null));
    dispatcher = new Dispatcher(config, parts.router(), parts.pricing(), workers::runs, gate);
    outcomes = new Outcomes(store, metered, progress, new Reviewer(metered, store, config), parts.diagnostics(),
        parts.advisor(), new OutcomePolicy(config, new TaskRetries(config, () -> ThreadLocalRandom.current()
            .nextDouble())), dispatcher, config, clock, this, git);
    List<Future<?>> ready = List.of(
        bus.<JsonObject>consumer(ExecutorAddresses.WAKE, msg -> onWake(msg.body())).completion(),
        bus.<JsonObject>consumer(ExecutorAddresses.CANCEL, msg -> onCancel(msg.body())).completion(),
        bus.<JsonObject>consumer(ExecutorAddresses.COMPLETED, msg -> onExternalCompleted(msg.body())).completion(),
        bus.<JsonObject>consumer(ExecutorAddresses.LAND, msg -> {
          String taskId = msg.body() == null ? null : msg.body().getString("task_id");
          (taskId == null ? Future.<JsonObject>failedFuture(OrchestratorException.badRequest("task_id is required"))
              : outcomes.landApproved(taskId)).onSuccess(msg::reply).onFailure(err -> Failures.reply(msg, err));
        }).completion(),
        // A recorded spend frees nothing a pass could use; a released or expired hold may.
        bus.<JsonObject>consumer(BudgetAddresses.CHANGED, msg -> {
          if (msg.body() == null || !"recorded".equals(msg.body().getString("reason"))) {
            dispatch();
          }
        }).completion(),
        bus.<JsonObject>consumer(MonitorAddresses.CHANGED, msg -> {
          gate.changed(msg.body());
          dispatch();
        }).completion());
    return Future.all(ready).compose(v -> readResources()).compose(v -> recover()).onSuccess(v -> {
      vertx.setPeriodic((long) (config.safetyTickSeconds() * 1000), id -> safetyTick());
      LOG.info("executor started [node: {}, maxConcurrent: {}, perProject: {}, lease: {}s]", node,
          config.maxConcurrent(), config.maxPerProject(), config.leaseSeconds());
      backoffAhead(now());
      dispatch();
    });
  }

  /** Stops dispatching, lets workers finish within the grace period, then hands the rest back. */
  @Override
  public Future<?> stop() {
    stopping = true;
    return workers.drain(parts.config().shutdownGraceSeconds());
  }

  private double now() {
    return Times.now(clock);
  }

  // ---- wake-ups ----

  private void onWake(JsonObject body) {
    String projectId = body == null ? null : body.getString("project_id");
    Future<?> unblocked = projectId == null ? Future.succeededFuture() : store.unblockProject(projectId, now());
    // Queued behind the unblock, the pass sees what it released without waiting for its fsync. A pass
    // already queued ahead of it would not: the one after it completes catches that.
    dispatch();
    unblocked.onComplete(ar -> {
      if (projectId != null) {
        outcomes.checkProject(projectId, -1, null);
      }
      backoffAhead(now()); // a resumed project may hold tasks in backoff
      dispatch();
    });
  }

  private void onCancel(JsonObject body) {
    workers.cancel(body == null ? null : body.getString("project_id"), body == null ? null : body.getString("task_id"));
  }

  private void onExternalCompleted(JsonObject body) {
    String taskId = body == null ? null : body.getString("task_id");
    if (taskId != null) {
      outcomes.completedExternally(taskId);
    }
  }

  /**
   * The monitor's states, for the gate; changes arrive on {@link MonitorAddresses#CHANGED}. Read at
   * start and on the safety tick; without an answer (no monitor) the gate keeps what it has.
   */
  private Future<Void> readResources() {
    long mark = gate.mark();
    return vertx.eventBus().<JsonObject>request(MonitorAddresses.STATUS, new JsonObject(),
            new DeliveryOptions().setSendTimeout(MonitorAddresses.READ_TIMEOUT_MS))
        .onSuccess(reply -> gate.snapshot(reply.body(), mark))
        .onFailure(err -> LOG.debug("resource states not read [reason: {}]", err.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private void safetyTick() {
    if (stopping) {
      return;
    }
    double now = now();
    readResources().compose(read -> recover())
        .compose(v -> store.releaseStaleClaims(now, parts.config().externalClaimTimeoutSeconds()))
        .compose(released -> {
          released.forEach(c -> progress.emit(c.projectId(), c.taskId(), EventTypes.TASK_RETRY,
              c.title() + ": external claim timed out, returning to queue"));
          return store.staleVerifications(now - 2 * parts.config().leaseSeconds(), now);
        })
        .compose(v -> store.executingProjects())
        .compose(projects -> {
          gate.retainProjects(projects.keySet());
          List<Future<?>> checks = new ArrayList<>();
          projects.keySet().forEach(id -> checks.add(store.unblockProject(id, now)
              .onComplete(ar -> outcomes.checkProject(id, -1, null))));
          return Future.join(checks);
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("safety tick failed [reason: {}]", ar.cause().getMessage());
          }
          backoffAhead(now);
          dispatch();
        });
  }

  /** Stale running or queued internal tasks go back to the queue (API.md §11.7). */
  private Future<Void> recover() {
    return store.staleLeases(node, now(), clustered).compose(stale -> {
      List<Future<Boolean>> recovered = new ArrayList<>();
      stale.stream().filter(s -> !workers.runs(s.id())).forEach(s -> recovered.add(store.recover(s, now())));
      return Future.all(recovered).onSuccess(v -> {
        if (!recovered.isEmpty()) {
          LOG.info("stale tasks recovered [count: {}, node: {}]", recovered.size(), node);
        }
      }).mapEmpty();
    });
  }

  // ---- dispatch ----

  /**
   * Queues a dispatch pass behind the writes already submitted, so the pass sees them (a completion
   * and the pass it triggers share one group commit). Coalesced: while a pass is queued and has not
   * read its snapshot yet, a wake needs no other pass, since that one will see what woke it. Passes
   * run one after another inside the group commits, each counting the claims of the ones before, so
   * the caps hold.
   */
  @Override
  public void dispatch() {
    if (stopping || !passQueued.compareAndSet(false, true)) {
      return;
    }
    store.dispatch(lease(), () -> passQueued.set(false), dispatcher).onSuccess(this::started).onFailure(err -> {
      passQueued.set(false); // the pass may have failed before it started to read
      LOG.warn("dispatch failed [reason: {}]", err.getMessage(), err);
    });
  }

  @Override
  public TaskStore.Lease lease() {
    return new TaskStore.Lease(parts.config().leaseSeconds(), node, parts.config().maxConcurrent());
  }

  /** Starts what a pass claimed; pauses or announces the waits its budget refusals caused. */
  @Override
  public void started(TaskStore.Pass pass) {
    pass.started().forEach(s -> {
      if (stopping) {
        // Claimed while shutdown began: back to the queue untouched, for the next start.
        store.giveBack(s.task(), now());
        metered.release(s.reservationId());
      } else {
        outcomes.startedAfterWaiting(s.task().id());
        workers.start(s, this::ended);
      }
    });
    pass.refused().forEach(outcomes::pauseForBudget);
    pass.waiting().forEach(w -> outcomes.waitsForBudget(w.projectId(), w.taskId(), w.limit()));
    gate.newWaits().forEach(this::announce);
  }

  /** Once per project and outage: the project's tasks wait for a provider; the rest of its work goes on. */
  private void announce(ResourceGate.Wait wait) {
    var resource = wait.resource();
    LOG.info("tasks wait for a resource [project: {}, resource: {}, status: {}]", wait.projectId(), resource.id(),
        resource.status().wire());
    progress.emit(wait.projectId(), null, EventTypes.RESOURCE_WAITING, resource.name() + " is "
        + resource.status().wire() + ". Its tasks wait until it is back; other tasks go on.",
        new JsonObject().put("resource_id", resource.id()).put("resource_status", resource.status().wire()));
  }

  /** One timer for the earliest backoff ahead: retries wake the dispatcher, nothing polls for them. */
  @Override
  public void backoffAhead(double now) {
    store.nextBackoff(now).onSuccess(at -> {
      if (at == null || at >= backoffAt) {
        return;
      }
      if (backoffTimer >= 0) {
        vertx.cancelTimer(backoffTimer);
      }
      backoffAt = at;
      backoffTimer = vertx.setTimer(Math.max(1, (long) ((at - now()) * 1000) + 5), id -> {
        backoffTimer = -1;
        backoffAt = Double.MAX_VALUE;
        dispatch();
        backoffAhead(now()); // the next backoff still ahead, if any
      });
    });
  }

  /** An attempt ended with its lease held: its outcome is stored, then the project checked and a pass run. */
  private void ended(Workers.Worker worker, AsyncResult<TaskRun.Result> ar) {
    TaskStore.Claimed task = worker.task;
    // A completion without verification runs its own pass, in its own unit.
    boolean passInline = ar.succeeded() && outcomes.passesInline(task);
    Future<Map<String, Integer>> outcome = ar.succeeded() ? outcomes.succeeded(task, ar.result())
        : outcomes.failed(task, worker.run.cancelled(), ar.cause()).map(moved -> null);
    if (!parts.config().waveCheckpoints() && !passInline) {
      dispatch(); // queued right behind the outcome's unit: dependants it released start in the same commit
    }
    outcome.onComplete(done -> {
      if (done.failed()) {
        LOG.error("task outcome not stored [task: {}]", task.id(), done.cause());
      }
      workers.done(worker);
      // The check may end or pause the project (wave checkpoint): it must land before the next pass.
      Future<?> checked = done.succeeded() && done.result() == TaskStore.Completion.OPEN ? Future.succeededFuture()
          : outcomes.checkProject(task.projectId(), task.wave(), done.succeeded() ? done.result() : null);
      checked.onComplete(c -> {
        if (!passInline || done.failed()) {
          dispatch();
        }
      });
    });
  }
}
