package dev.orch.kernel.executor;

import dev.orch.kernel.agents.CliAgent;
import dev.orch.kernel.agents.CliAgentRunner;
import dev.orch.kernel.agents.ToolProfile;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.executor.TaskStore.ExecutingProject;
import dev.orch.kernel.executor.TaskStore.Ready;
import dev.orch.kernel.model.ModelException;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Tier;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.tasks.DiagnosticLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs approved DAGs (ARCHITECTURE.md "Execution model", API.md §11). Dispatch is event-driven: a
 * task is claimed the moment its own dependencies are done, woken by task completion, execute or
 * resume, a budget release, a backoff coming due or a provider recovering; a slow safety tick only
 * catches leftovers. Among ready tasks the longest remaining critical path goes first. A claimed
 * task carries a lease renewed by heartbeat; every state change checks it.
 */
public final class ExecutorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorVerticle.class);
  static final String BUDGET_CHANGED = "orch.budget.changed";
  static final String MONITOR_CHANGED = "orch.monitor.changed";

  private final TaskStore store;
  private final MeteredModel metered;
  private final ModelRouter router;
  private final ExecutorConfig config;
  private final Clock clock;
  private final boolean clustered;
  private final CliAgentRunner cliAgents;
  private final java.nio.file.Path dataDir;
  private final String node = "node-" + Ids.hex(6);
  private final Map<String, Worker> workers = new ConcurrentHashMap<>();
  private Progress progress;
  private Reviewer reviewer;
  /** Where a success after retries is recorded for the diagnostic RAG (API.md §14.5). */
  private final DiagnosticLog diagnostics;
  /** Looks a transient error up in the diagnostic RAG before the retry (API.md §14.5); null looks nothing up. */
  private final DiagnosticAdvisor advisor;
  /** A dispatch pass is queued in the group commit and has not yet read its snapshot. */
  private final AtomicBoolean passQueued = new AtomicBoolean();
  /** Tasks whose wait for their project's or user's budget was announced (see {@link #waitsForBudget}). */
  private final java.util.Set<String> waitingForBudget = ConcurrentHashMap.newKeySet();
  private boolean stopping;
  private long backoffTimer = -1;
  private double backoffAt = Double.MAX_VALUE;

  /** A task this node runs: its attempt, the watch on its lease, and the timers that keep the lease. */
  private static final class Worker {
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

    Claimed task() {
      return task;
    }

    Attempt run() {
      return run;
    }
  }

  ExecutorVerticle(TaskStore store, MeteredModel metered, DiagnosticLog diagnostics, DiagnosticAdvisor advisor,
      ModelRouter router, ExecutorConfig config, Clock clock, boolean clustered, CliAgentRunner cliAgents,
      java.nio.file.Path dataDir) {
    this.diagnostics = diagnostics;
    this.advisor = advisor;
    this.cliAgents = cliAgents;
    this.dataDir = dataDir;
    this.store = store;
    this.metered = metered;
    this.router = router;
    this.config = config;
    this.clock = clock;
    this.clustered = clustered;
  }

  /** Builds the executor's collaborators from the kernel's. */
  public static ExecutorVerticle create(dev.orch.kernel.store.Db db, io.vertx.core.eventbus.EventBus bus,
      dev.orch.kernel.model.ModelProviders models, dev.orch.kernel.model.Pricing pricing,
      dev.orch.kernel.budget.BudgetLedger budget, DiagnosticLog diagnostics, DiagnosticAdvisor advisor,
      ModelRouter router, ExecutorConfig config, Clock clock, boolean clustered, CliAgentRunner cliAgents,
      java.nio.file.Path dataDir) {
    return new ExecutorVerticle(new TaskStore(db, clock, budget), new MeteredModel(bus, models, pricing), diagnostics,
        advisor, router, config, clock, clustered, cliAgents, dataDir);
  }

  @Override
  public Future<?> start() {
    progress = new Progress(vertx.eventBus());
    reviewer = new Reviewer(metered, store, config);
    var bus = vertx.eventBus();
    List<Future<?>> ready = List.of(
        bus.<JsonObject>consumer(ExecutorAddresses.WAKE, msg -> onWake(msg.body())).completion(),
        bus.<JsonObject>consumer(ExecutorAddresses.CANCEL, msg -> onCancel(msg.body())).completion(),
        bus.<JsonObject>consumer(ExecutorAddresses.COMPLETED, msg -> onExternalCompleted(msg.body())).completion(),
        // A recorded spend frees nothing a pass could use; a released or expired hold may.
        bus.<JsonObject>consumer(BUDGET_CHANGED, msg -> {
          if (msg.body() == null || !"recorded".equals(msg.body().getString("reason"))) {
            dispatch();
          }
        }).completion(),
        bus.consumer(MONITOR_CHANGED, msg -> dispatch()).completion());
    return Future.all(ready).compose(v -> recover()).onSuccess(v -> {
      vertx.setPeriodic((long) (config.safetyTickSeconds() * 1000), id -> safetyTick());
      LOG.info("executor started [node: {}, maxConcurrent: {}, perProject: {}, lease: {}s]", node,
          config.maxConcurrent(), config.maxPerProject(), config.leaseSeconds());
      scheduleBackoffWake(now());
      dispatch();
    });
  }

  /** Stops dispatching, lets workers finish within the grace period, then interrupts the rest. */
  @Override
  public Future<?> stop() {
    stopping = true;
    if (workers.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + (long) (config.shutdownGraceSeconds() * 1000);
    vertx.setPeriodic(100, id -> {
      if (workers.isEmpty() || System.currentTimeMillis() >= deadline) {
        vertx.cancelTimer(id);
        drained.tryComplete();
      }
    });
    return drained.future().compose(v -> {
      List<Future<?>> interrupted = new ArrayList<>();
      workers.values().forEach(w -> {
        w.run().cancel();
        stopTimers(w);
        interrupted.add(store.end(w.task(), "pending", "Interrupted by shutdown", null, TaskRun.Result.none(null), now()));
      });
      workers.clear();
      return Future.all(interrupted);
    });
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
        checkProject(projectId, -1);
      }
      // A resumed project may hold tasks in backoff: their timer must be armed.
      scheduleBackoffWake(now());
      dispatch();
    });
  }

  private void onCancel(JsonObject body) {
    String projectId = body == null ? null : body.getString("project_id");
    String taskId = body == null ? null : body.getString("task_id");
    workers.values().stream()
        .filter(w -> (taskId != null && w.task().id().equals(taskId))
            || (taskId == null && projectId != null && w.task().projectId().equals(projectId)))
        .forEach(w -> {
          LOG.info("task cancelled in flight [project: {}, task: {}]", w.task().projectId(), w.task().id());
          w.run().cancel();
        });
  }

  /** An external agent's result was stored: forward it, learn from it, and run what became ready. */
  private void onExternalCompleted(JsonObject body) {
    String taskId = body == null ? null : body.getString("task_id");
    if (taskId == null) {
      return;
    }
    store.outputOf(taskId).onSuccess(r -> {
      if (r == null) {
        return;
      }
      String projectId = r.getString("project_id");
      double now = now();
      // Forwarding also releases the dependants that waited only for this task.
      store.forward(taskId, r.getString("title"), r.getString("output_text"), config.contextForwardMaxChars(), now)
          .onComplete(ar -> {
            checkProject(projectId, -1);
            dispatch();
          });
      if (config.knowledgeExtractionEnabled()) {
        reviewer.extract(projectId, taskId, r.getString("title"), r.getString("output_text"), now);
      }
    });
  }

  private void safetyTick() {
    if (stopping) {
      return;
    }
    double now = now();
    recover()
        .compose(v -> store.releaseStaleClaims(now, config.externalClaimTimeoutSeconds()))
        .compose(released -> {
          released.forEach(t -> progress.emit(t[1], t[0], EventTypes.TASK_RETRY,
              t[2] + ": external claim timed out, returning to queue"));
          return store.executingProjects();
        })
        .compose(projects -> {
          List<Future<?>> checks = new ArrayList<>();
          projects.keySet().forEach(id -> checks.add(store.unblockProject(id, now).onComplete(ar -> checkProject(id, -1))));
          return Future.join(checks);
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            LOG.warn("safety tick failed [reason: {}]", ar.cause().getMessage());
          }
          scheduleBackoffWake(now);
          dispatch();
        });
  }

  /** Stale running or queued internal tasks go back to the queue (API.md §11.7). */
  private Future<Void> recover() {
    return store.staleLeases(node, now(), clustered).compose(stale -> {
      List<Future<Boolean>> recovered = new ArrayList<>();
      for (String[] t : stale) {
        if (!workers.containsKey(t[0])) {
          recovered.add(store.recover(t[0], t[1], t[1].equals("running"), now()));
        }
      }
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
  void dispatch() {
    if (stopping || !passQueued.compareAndSet(false, true)) {
      return;
    }
    dispatchOnce().onFailure(err -> {
      passQueued.set(false); // the pass may have failed before it started to read
      LOG.warn("dispatch failed [reason: {}]", err.getMessage(), err);
    });
  }

  private Future<Void> dispatchOnce() {
    return store.dispatch(lease(), () -> passQueued.set(false), policy).onSuccess(this::started).mapEmpty();
  }

  private TaskStore.Lease lease() {
    return new TaskStore.Lease(config.leaseSeconds(), node, config.maxConcurrent());
  }

  /** The dispatcher's side of a pass: what to claim, and the budget each claimed task's first call holds. */
  private final TaskStore.PassPolicy policy = new TaskStore.PassPolicy() {
    @Override
    public List<Ready> pick(TaskStore.Snapshot snapshot) {
      return ExecutorVerticle.this.pick(snapshot);
    }

    @Override
    public ReserveRequest firstCall(Claimed task, ExecutingProject project, List<String> knowledge) {
      if (project.cliAgent() != null) {
        return null; // a CLI agent reserves for itself
      }
      // The prompt is about the context's text, the knowledge and the task: the same estimate the
      // call would make, taken where the task is claimed, so the call needs no step of its own.
      long chars = task.contextJson() == null ? 0 : task.contextJson().length();
      for (String k : knowledge) {
        chars += k.length();
      }
      chars += (task.description() == null ? task.title().length() : task.description().length())
          + TaskRun.META.length();
      return metered.estimate(router.model(tier(task.tier())), chars, task.maxTokens(), task.projectId(), task.id(),
          "execution");
    }
  };

  /** Starts what a pass claimed, and pauses the projects whose budget refused a task's first call. */
  private void started(TaskStore.Pass pass) {
    pass.started().forEach(s -> {
      if (stopping) {
        // Claimed while shutdown began: back to the queue untouched, for the next start.
        store.giveBack(s.task(), now());
        metered.release(s.reservationId());
      } else {
        waitingForBudget.remove(s.task().id());
        startWorker(s);
      }
    });
    pass.refused().forEach(this::pauseForBudget);
    pass.waiting().forEach(w -> waitsForBudget(w.projectId(), w.taskId(), w.limit()));
  }

  /** The budget gate closed on a task's first call: the project pauses (API.md §11.2). */
  private void pauseForBudget(String projectId) {
    store.pauseProject(projectId, now()).onSuccess(paused -> {
      if (paused) {
        LOG.info("budget limit reached, project paused [project: {}]", projectId);
        progress.emit(projectId, null, EventTypes.BUDGET_WARNING, "Budget limit reached. Execution paused.");
      }
    });
  }

  /**
   * A limit refused the task's first call while the budget gate stayed open: it stays pending, the
   * project's other work goes on, and the owner hears of it once per task until it starts.
   */
  private void waitsForBudget(String projectId, String taskId, dev.orch.kernel.budget.BudgetLimit limit) {
    if (waitingForBudget.size() > 10_000) {
      waitingForBudget.clear(); // tasks of cancelled projects never start; hearing again is harmless
    }
    if (waitingForBudget.add(taskId)) {
      LOG.info("task waits for budget [project: {}, task: {}, limit: {}]", projectId, taskId, limit);
      progress.emit(projectId, taskId, EventTypes.BUDGET_WARNING, limit.message() + ". The task waits until budget"
          + " is freed; other tasks go on.", new JsonObject().put("limit", limit.name().toLowerCase(Locale.ROOT)));
    }
  }

  /**
   * The ready tasks to claim, in the snapshot's order (longest critical path first), within the
   * global, per-project and per-provider caps. Runs inside the dispatch unit, on its worker thread:
   * it reads only the snapshot, the immutable configuration and the concurrent {@code workers} map.
   */
  private List<Ready> pick(TaskStore.Snapshot snapshot) {
    Map<String, Integer> perProject = new HashMap<>();
    Map<String, Integer> perProvider = new HashMap<>();
    int running = 0;
    for (var project : snapshot.active().entrySet()) {
      for (var tier : project.getValue().entrySet()) {
        perProject.merge(project.getKey(), tier.getValue(), Integer::sum);
        perProvider.merge(provider(tier.getKey()), tier.getValue(), Integer::sum);
        running += tier.getValue();
      }
    }
    List<Ready> out = new ArrayList<>();
    int slots = config.maxConcurrent() - running;
    for (Ready r : snapshot.ready()) {
      if (slots <= 0) {
        break;
      }
      ExecutingProject project = snapshot.projects().get(r.projectId());
      if (project == null || workers.containsKey(r.id()) || !runsInternally(project.mode(), r.tier())) {
        continue;
      }
      // With wave checkpoints (API.md §18.3), a later wave waits for the resume that releases it.
      if (config.waveCheckpoints() && r.wave() > project.waveReleased()) {
        continue;
      }
      String provider = provider(r.tier());
      if (perProject.getOrDefault(r.projectId(), 0) >= config.maxPerProject()
          || perProvider.getOrDefault(provider, 0) >= config.maxPerProvider().getOrDefault(provider, config.maxConcurrent())) {
        continue;
      }
      perProject.merge(r.projectId(), 1, Integer::sum);
      perProvider.merge(provider, 1, Integer::sum);
      slots--;
      out.add(r);
    }
    return out;
  }

  /** Execution modes (API.md §12.1, §18.2): hybrid runs only local-model tasks internally. */
  static boolean runsInternally(String mode, String tier) {
    return switch (mode) {
      case "external" -> false;
      case "hybrid" -> "ollama".equals(tier);
      default -> true;
    };
  }

  private String provider(String tier) {
    return "ollama".equals(tier) ? "ollama" : router.route(tier(tier)).provider();
  }

  private static Tier tier(String tier) {
    try {
      return Tier.valueOf(tier.toUpperCase(Locale.ROOT));
    } catch (RuntimeException unknown) {
      return Tier.HAIKU;
    }
  }

  /** One timer for the earliest backoff ahead: retries wake the dispatcher, nothing polls for them. */
  private void scheduleBackoffWake(double now) {
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
        scheduleBackoffWake(now()); // the next backoff still ahead, if any
      });
    });
  }

  // ---- a worker ----

  private void startWorker(TaskStore.Started started) {
    Claimed task = started.task();
    ExecutingProject project = started.project();
    Tier tier = tier(task.tier());
    boolean local = tier == Tier.OLLAMA;
    String model = router.model(tier);
    TaskRun modelRun = new TaskRun(vertx.eventBus(), metered, progress, config, task, model, local,
        started.reservationId());
    var agent = project.cliAgent() == null ? java.util.Optional.<CliAgent>empty()
        : java.util.Arrays.stream(CliAgent.values()).filter(a -> a.wire().equals(project.cliAgent())).findFirst();
    final Attempt run = agent.<Attempt>map(a -> new CliTaskRun(vertx, cliAgents, metered.pricing(), progress, task, a,
            ToolProfile.fromWire(project.cliProfile()).orElse(null), model, modelRun.systemPrompt(List.of()),
            dataDir.resolve("projects").resolve(task.projectId())))
        .orElse(modelRun);
    Worker worker = new Worker(task, run, new LeaseWatch(task.leaseExpiresAt(), config.leaseSeconds()));
    worker.heartbeat = vertx.setPeriodic(Math.max(100, (long) (config.leaseSeconds() * 1000 / 3)), id -> heartbeat(worker));
    armStop(worker);
    workers.put(task.id(), worker);
    LOG.debug("task dispatched [project: {}, task: {}, tier: {}, node: {}]", task.projectId(), task.id(), tier, node);
    progress.emit(task.projectId(), task.id(), EventTypes.TASK_START, task.title());
    run.run(started.knowledge()).onComplete(ar -> {
      if (worker.lease.lapsedAt(now())) {
        lapsed(worker, ar.succeeded() ? ar.result() : null);
        return;
      }
      // A completion without verification runs its own pass, in its own unit.
      boolean passInline = ar.succeeded() && completesAtOnce(task) && !config.waveCheckpoints();
      Future<Map<String, Integer>> outcome = ar.succeeded() ? succeeded(task, ar.result())
          : failed(task, run, ar.cause()).map(moved -> null);
      if (!config.waveCheckpoints() && !passInline) {
        // Queued right behind the outcome's unit: dependants it released start in the same commit.
        dispatch();
      }
      outcome.onComplete(done -> {
        if (done.failed()) {
          LOG.error("task outcome not stored [task: {}]", task.id(), done.cause());
        }
        Worker w = workers.remove(task.id());
        if (w != null) {
          stopTimers(w);
        }
        // The check may end or pause the project (wave checkpoint): it must land before the next pass.
        Future<?> checked = done.succeeded() && done.result() == TaskStore.Completion.OPEN ? Future.succeededFuture()
            : checkProject(task.projectId(), task.wave(), done.succeeded() ? done.result() : null);
        checked.onComplete(c -> {
          if (!passInline || done.failed()) {
            dispatch();
          }
        });
      });
    });
  }

  /** Renews the lease; a lost lease, or one about to lapse unrenewed, stops the attempt. */
  private void heartbeat(Worker w) {
    double until = now() + config.leaseSeconds();
    store.heartbeat(w.task(), until).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        w.lease.renewed(until);
        armStop(w);
      } else if (ar.succeeded()) {
        LOG.warn("lease lost, stopping task [task: {}, node: {}]", w.task().id(), node);
        w.lease.lost();
        w.run().cancel();
      } else {
        // The lease may still hold: the stop timer ends the attempt before it could expire.
        LOG.warn("heartbeat failed [task: {}, node: {}, reason: {}]", w.task().id(), node, ar.cause().getMessage());
      }
    });
  }

  /** (Re)arms the timer that stops the attempt before its lease could expire unrenewed. */
  private void armStop(Worker w) {
    if (w.stopTimer >= 0) {
      vertx.cancelTimer(w.stopTimer);
    }
    long delay = Math.max(1, (long) ((w.lease.stopBy() - now()) * 1000));
    w.stopTimer = vertx.setTimer(delay, id -> {
      if (w.lease.lapsedAt(now())) {
        LOG.warn("lease not renewed in time, stopping task [task: {}, node: {}]", w.task().id(), node);
        w.run().cancel();
      }
    });
  }

  private void stopTimers(Worker w) {
    vertx.cancelTimer(w.heartbeat);
    if (w.stopTimer >= 0) {
      vertx.cancelTimer(w.stopTimer);
    }
  }

  /**
   * The attempt ended after its lease lapsed: another node may run the task by now, so this node
   * stores no outcome. The money the attempt spent is still recorded.
   */
  private void lapsed(Worker w, TaskRun.Result result) {
    workers.remove(w.task().id());
    stopTimers(w);
    LOG.warn("outcome dropped, lease lapsed [task: {}, node: {}]", w.task().id(), node);
    if (result != null && result.unrecorded() != null) {
      metered.record(result.unrecorded()).onFailure(err -> LOG.error("spend of a lapsed attempt not recorded [task: {},"
          + " reason: {}]", w.task().id(), err.getMessage()));
    }
    dispatch();
  }

  /** True when a success completes the task at once: no verification sits between completion and release. */
  private boolean completesAtOnce(Claimed task) {
    return !(config.verificationEnabled() && tier(task.tier()) != Tier.OLLAMA);
  }

  /** Stores a successful attempt; the project's task counts when the completion released dependants. */
  private Future<Map<String, Integer>> succeeded(Claimed task, TaskRun.Result result) {
    double now = now();
    boolean claudeTier = tier(task.tier()) != Tier.OLLAMA;
    if (completesAtOnce(task)) {
      // Spend, completion, release and the pass that starts the released dependants: one unit.
      // With wave checkpoints the pass waits for the project check, which may pause the project.
      TaskStore.PassPolicy inline = config.waveCheckpoints() ? null : policy;
      return store.completeAndDispatch(task, result, config.contextForwardMaxChars(), now, lease(), inline).map(done -> {
        Map<String, Integer> counts = done.counts();
        if (counts == null) {
          LOG.info("task result discarded: cancelled or lease lost [task: {}]", task.id());
          started(done.pass());
          return null;
        }
        // The completion's event goes first: its dependants' starts follow it on the stream.
        progress.emit(task.projectId(), task.id(), EventTypes.TASK_COMPLETE, task.title(),
            new JsonObject().put("cost_usd", result.costUsd()));
        started(done.pass());
        recordRecovery(task, result);
        if (config.knowledgeExtractionEnabled() && claudeTier) {
          reviewer.extract(task.projectId(), task.id(), task.title(), result.output(), now);
        }
        return counts;
      });
    }
    Future<Void> recorded = result.unrecorded() == null ? Future.succeededFuture() : metered.record(result.unrecorded());
    return recorded.compose(v -> store.complete(task, result, now)).compose(stored -> {
      if (!stored) {
        LOG.info("task result discarded: cancelled or lease lost [task: {}]", task.id());
        return Future.succeededFuture();
      }
      return verify(task, result).compose(completes -> completes ? completed(task, result, true)
          : Future.succeededFuture());
    }).map(done -> null);
  }

  /** True when the task completes normally after verification. */
  private Future<Boolean> verify(Claimed task, TaskRun.Result result) {
    return reviewer.verify(task, result.output()).compose(v -> {
      double now = now();
      switch (v.status()) {
        case "gaps_found" -> {
          if (task.retryCount() < task.maxRetries()) {
            JsonArray context = withFeedback(task.context(), v.notes());
            return store.verificationRetry(task.id(), context, v.status(), v.notes(), now).map(moved -> {
              if (moved) {
                progress.emit(task.projectId(), task.id(), EventTypes.TASK_VERIFICATION_RETRY,
                    task.title() + ": gaps found, retrying with feedback",
                    new JsonObject().put("verification_notes", v.notes()));
              }
              return false;
            });
          }
          return store.setVerification(task.id(), v.status(), v.notes(), now).map(true);
        }
        case "human_needed" -> {
          return store.needsReview(task.id(), v.status(), v.notes(), now).map(moved -> {
            if (moved) {
              progress.emit(task.projectId(), task.id(), EventTypes.TASK_NEEDS_REVIEW,
                  task.title() + ": requires human review", new JsonObject().put("verification_notes", v.notes()));
            }
            return false;
          });
        }
        default -> {
          return store.setVerification(task.id(), v.status(), v.notes(), now).map(true);
        }
      }
    });
  }

  /**
   * A task that succeeded after at least one retry teaches the diagnostic RAG how its error was
   * overcome (API.md §14.5): best effort, off the task's path.
   */
  private void recordRecovery(Claimed task, TaskRun.Result result) {
    if (!diagnostics.enabled() || task.retryCount() < 1) {
      return;
    }
    String output = result.output() == null ? "" : result.output();
    store.lastRetryMessage(task.id()).compose(message -> diagnostics.append(new JsonObject()
            .put("error_pattern", message == null ? "" : message)
            .put("error_context", "task_type: " + task.taskType() + ", model_tier: " + task.tier())
            .put("resolution", "Task '" + task.title() + "' succeeded after retry: "
                + output.substring(0, Math.min(2000, output.length())))
            .put("tags", new JsonArray().add("auto-captured").add("retry-success"))
            .put("gotcha", "")))
        .onFailure(err -> LOG.warn("diagnostic record not written [task: {}, reason: {}]", task.id(), err.getMessage()));
  }

  /** Keeps the three most recent verification feedback entries (API.md §14.1). */
  static JsonArray withFeedback(JsonArray context, String notes) {
    JsonArray out = new JsonArray();
    List<Object> feedback = new ArrayList<>();
    for (Object o : context) {
      if (o instanceof JsonObject e && "verification_feedback".equals(e.getString("type"))) {
        feedback.add(e);
      } else {
        out.add(o);
      }
    }
    feedback.add(new JsonObject().put("type", "verification_feedback")
        .put("content", "Previous attempt had gaps: " + notes + ". Address these issues."));
    feedback.subList(Math.max(0, feedback.size() - 3), feedback.size()).forEach(out::add);
    return out;
  }

  private Future<?> completed(Claimed task, TaskRun.Result result, boolean claudeTier) {
    double now = now();
    progress.emit(task.projectId(), task.id(), EventTypes.TASK_COMPLETE, task.title(),
        new JsonObject().put("cost_usd", result.costUsd()));
    recordRecovery(task, result);
    if (config.knowledgeExtractionEnabled() && claudeTier) {
      reviewer.extract(task.projectId(), task.id(), task.title(), result.output(), now);
    }
    return store.forward(task.id(), task.title(), result.output(), config.contextForwardMaxChars(), now);
  }

  private Future<?> failed(Claimed task, Attempt run, Throwable err) {
    double now = now();
    if (err instanceof TaskRun.BudgetExhausted be) {
      return store.end(task, "needs_review", be.getMessage(), be.partial.output(), be.partial, now).onSuccess(moved -> {
        if (moved) {
          progress.emit(task.projectId(), task.id(), EventTypes.TASK_NEEDS_REVIEW,
              task.title() + ": budget exhausted, partial output needs review");
        }
      });
    }
    TaskRun.Failed f = err instanceof TaskRun.Failed tf ? tf
        : new TaskRun.Failed(err, TaskRun.Result.none(null), false);
    if (f.budgetRefusedAtStart) {
      var limit = dev.orch.kernel.budget.Budget.limit(f.cause);
      return store.giveBack(task, now).onSuccess(v -> {
        if (limit != null && !limit.global()) {
          waitsForBudget(task.projectId(), task.id(), limit);
        } else {
          pauseForBudget(task.projectId());
        }
      });
    }
    if (run.cancelled()) {
      return Future.succeededFuture();
    }
    String error = describe(f.cause);
    if (transient_(f.cause)) {
      if (task.retryCount() < task.maxRetries()) {
        double delay = Math.min(config.retryBackoffBaseSeconds() * Math.pow(2, task.retryCount())
            + ThreadLocalRandom.current().nextDouble() * config.retryJitterSeconds(), config.retryBackoffMaxSeconds());
        double retryAt = Math.max(now + delay, retryAfter(f.cause, now));
        int n = task.retryCount() + 1;
        // The suggestion is in the context before the task can be claimed again.
        Future<Void> advised = advisor == null ? Future.succeededFuture() : advisor.suggestion(error)
            .compose(entry -> entry == null ? Future.<Void>succeededFuture() : store.appendContext(task.id(), entry));
        return advised.compose(v -> store.retryLater(task, retryAt, "Transient error (retry " + n + "): " + error,
                f.spent, now))
            .onSuccess(moved -> {
              if (moved) {
                progress.emit(task.projectId(), task.id(), EventTypes.TASK_RETRY, task.title() + ": retrying in "
                    + Math.round(retryAt - now) + "s (" + error + ")");
                scheduleBackoffWake(now);
              }
            });
      }
      String exhausted = "Max retries exceeded: " + error;
      if (config.checkpointOnRetryExhausted()) {
        String checkpointId = Ids.short12();
        return store.end(task, "needs_review", exhausted, null, f.spent, now).compose(moved -> !moved
            ? Future.succeededFuture()
            : store.checkpoint(checkpointId, task, now).onSuccess(v -> progress.emit(task.projectId(), task.id(),
                EventTypes.CHECKPOINT, "Checkpoint: " + task.title() + " needs attention after " + task.maxRetries()
                    + " failed attempts", new JsonObject().put("checkpoint_id", checkpointId))));
      }
      return endFailed(task, exhausted, f.spent, now);
    }
    return endFailed(task, error, f.spent, now);
  }

  private Future<Boolean> endFailed(Claimed task, String error, TaskRun.Result spent, double now) {
    return store.end(task, "failed", error, null, spent, now).onSuccess(moved -> {
      if (moved) {
        progress.emit(task.projectId(), task.id(), EventTypes.TASK_FAILED, task.title() + ": " + error);
      }
    });
  }

  /** Rate limits, overload, 5xx, timeouts and dropped connections are worth another try. */
  static boolean transient_(Throwable err) {
    if (err instanceof OrchestratorException oe) {
      return oe.retryable();
    }
    if (err instanceof ReplyException re) {
      return re.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT || re.failureCode() >= 500;
    }
    return err instanceof java.io.IOException || err instanceof java.util.concurrent.TimeoutException
        || err instanceof io.vertx.core.VertxException && String.valueOf(err.getMessage()).contains("timeout");
  }

  /** The provider's own retry-after, when it named one. */
  private static double retryAfter(Throwable err, double now) {
    if (err instanceof ModelException me && me.retryAfter().isPresent()) {
      return now + me.retryAfter().get().toMillis() / 1000.0;
    }
    return 0;
  }

  private static String describe(Throwable err) {
    String message = err.getMessage();
    return message == null || message.isBlank() ? err.getClass().getSimpleName() : message;
  }

  // ---- project completion ----

  /**
   * Ends the project when nothing is left to run (API.md §11.2 steps 5-7): completed, failed, or
   * failed by deadlock; with wave checkpoints, pauses between waves. {@code finishedWave} is the wave
   * of a task that just ended, or -1.
   */
  private Future<?> checkProject(String projectId, int finishedWave) {
    return checkProject(projectId, finishedWave, null);
  }

  /** The same, with the counts when the caller already has them (read in the unit that changed them). */
  private Future<?> checkProject(String projectId, int finishedWave, Map<String, Integer> known) {
    double now = now();
    Future<Map<String, Integer>> read = known != null ? Future.succeededFuture(known) : store.statusCounts(projectId);
    return read.compose(counts -> {
      int pending = counts.getOrDefault("pending", 0);
      int blocked = counts.getOrDefault("blocked", 0);
      int active = counts.getOrDefault("queued", 0) + counts.getOrDefault("running", 0);
      int failed = counts.getOrDefault("failed", 0);
      int total = counts.values().stream().mapToInt(Integer::intValue).sum();
      if (total == 0) {
        return Future.succeededFuture();
      }
      if (pending + blocked + active == 0) {
        String status = failed > 0 ? "failed" : "completed";
        return store.finishProject(projectId, status, now, now).onSuccess(done -> {
          if (done) {
            LOG.info("project finished [project: {}, status: {}]", projectId, status);
            progress.emit(projectId, null, failed > 0 ? EventTypes.PROJECT_FAILED : EventTypes.PROJECT_COMPLETE,
                failed > 0 ? "Project finished with " + failed + " failed task(s)." : "All tasks finished.");
          }
        });
      }
      if (pending + active == 0 && blocked > 0) {
        // A dependency may have completed a moment ago with its dependants not yet unblocked: unblock
        // first, and call it a deadlock only when nothing could be.
        return store.unblockProject(projectId, now).compose(unblocked -> {
          if (unblocked > 0) {
            dispatch();
            return Future.succeededFuture();
          }
          return store.finishProject(projectId, "failed", null, now).onSuccess(done -> {
            if (done) {
              progress.emit(projectId, null, EventTypes.PROJECT_FAILED, "No forward progress possible: " + blocked
                  + " task(s) blocked by failed dependencies.");
            }
          });
        });
      }
      if (config.waveCheckpoints() && finishedWave >= 0) {
        return Future.all(store.lowestOpenWave(projectId), store.waveReleased(projectId)).compose(waves -> {
          Integer lowest = waves.resultAt(0);
          int released = waves.resultAt(1);
          if (lowest == null || lowest <= released) {
            return Future.succeededFuture();
          }
          return store.pauseAtWave(projectId, lowest, now).onSuccess(paused -> {
            if (paused) {
              progress.emit(projectId, null, EventTypes.WAVE_CHECKPOINT, "Wave " + released
                  + " complete. Resume to start wave " + lowest + ".",
                  new JsonObject().put("wave", released).put("next_wave", lowest));
            }
          });
        });
      }
      return Future.succeededFuture();
    }).onFailure(err -> LOG.warn("project check failed [project: {}, reason: {}]", projectId, err.getMessage()));
  }
}
