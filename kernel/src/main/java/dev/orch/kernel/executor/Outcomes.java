package dev.orch.kernel.executor;

import dev.orch.kernel.budget.BudgetLimit;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.rag.DiagnosticLog;
import dev.orch.kernel.state.TaskStatus;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what {@link OutcomePolicy} and {@link ProjectCheck} decide: stores an attempt's outcome,
 * verifies, forwards, learns, opens checkpoints, and ends or pauses the project, announcing each
 * step as a progress event once it is stored.
 */
final class Outcomes {
  private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

  /** What the outcomes need of the loop that dispatches. */
  interface Loop {
    /** Queues a dispatch pass. */
    void dispatch();

    /** Starts what a pass claimed. */
    void started(TaskStore.Pass pass);

    /** The lease a pass claims under. */
    TaskStore.Lease lease();

    /** Arms the wake-up for the earliest backoff ahead. */
    void backoffAhead(double now);
  }

  private final TaskStore store;
  private final MeteredModel metered;
  private final Progress progress;
  private final Reviewer reviewer;
  private final DiagnosticLog diagnostics;
  private final DiagnosticAdvisor advisor;
  private final OutcomePolicy policy;
  private final TaskStore.PassPolicy dispatcher;
  private final ExecutorConfig config;
  private final Clock clock;
  private final Loop loop;
  private final GitSteps git;
  /** Tasks whose wait for budget was announced (see {@link #waitsForBudget}). */
  private final Set<String> waitingForBudget = ConcurrentHashMap.newKeySet();

  Outcomes(TaskStore store, MeteredModel metered, Progress progress, Reviewer reviewer, DiagnosticLog diagnostics,
      DiagnosticAdvisor advisor, OutcomePolicy policy, TaskStore.PassPolicy dispatcher, ExecutorConfig config,
      Clock clock, Loop loop, GitSteps git) {
    this.git = git;
    this.store = store;
    this.metered = metered;
    this.progress = progress;
    this.reviewer = reviewer;
    this.diagnostics = diagnostics;
    this.advisor = advisor;
    this.policy = policy;
    this.dispatcher = dispatcher;
    this.config = config;
    this.clock = clock;
    this.loop = loop;
  }

  private double now() {
    return Times.now(clock);
  }

  /** True when a success completes the task at once, without a verification between (its git work lands at once). */
  boolean completesAtOnce(Claimed task) {
    return policy.completesAtOnce(task);
  }

  /** True when a success completes the task in the unit that also runs the next pass. */
  boolean passesInline(Claimed task) {
    return policy.completesAtOnce(task) && !config.waveCheckpoints();
  }

  /**
   * Stores a successful attempt. The project's task counts come back when the completion released
   * dependants ({@link TaskStore.Completion#OPEN} when work is left), null when nothing is to check.
   */
  Future<Map<String, Integer>> succeeded(Claimed task, TaskRun.Result result) {
    double now = now();
    if (policy.completesAtOnce(task)) {
      // Spend, completion, release and the pass that starts the released dependants: one unit.
      // With wave checkpoints the pass waits for the project check, which may pause the project.
      TaskStore.PassPolicy inline = config.waveCheckpoints() ? null : dispatcher;
      return store.completeAndDispatch(task, result, config.contextForwardMaxChars(), now, loop.lease(), inline)
          .map(done -> {
            if (done.counts() == null) {
              LOG.info("task result discarded: cancelled or lease lost [task: {}]", task.id());
              loop.started(done.pass());
              return null;
            }
            // The completion's event goes first: its dependants' starts follow it on the stream.
            progress.emit(task.projectId(), task.id(), EventTypes.TASK_COMPLETE, task.title(),
                new JsonObject().put("cost_usd", result.costUsd()));
            loop.started(done.pass());
            learn(task, result, now);
            return done.counts();
          });
    }
    Future<Void> recorded = result.unrecorded() == null ? Future.succeededFuture() : metered.record(result.unrecorded());
    return recorded.compose(v -> store.completeUnverified(task, result, now)).compose(stored -> {
      if (!stored) {
        LOG.info("task result discarded: cancelled or lease lost [task: {}]", task.id());
        return Future.succeededFuture();
      }
      return reviewer.verify(task, result.output()).compose(verdict -> judged(task, result, verdict));
    }).map(done -> null);
  }

  /** Carries out a verdict; a task that stays completed is announced, forwarded and learnt from. */
  private Future<?> judged(Claimed task, TaskRun.Result result, Reviewer.Verdict verdict) {
    double now = now();
    OutcomePolicy.AfterVerdict next = policy.afterVerdict(task, verdict);
    // Every judged attempt is kept with its tier and cost (analytics: which tier was enough).
    store.recordAttempt(task, result, verdict.status(), now)
        .onFailure(err -> LOG.warn("attempt not recorded [task: {}, reason: {}]", task.id(), err.toString()));
    if (next instanceof OutcomePolicy.RetryWithFeedback retry) {
      return store.verificationRetry(task.id(), retry.context(), retry.status(), retry.notes(), retry.tier(), now)
          .onSuccess(moved -> {
            if (moved) {
              JsonObject extra = new JsonObject().put("verification_notes", retry.notes());
              if (!retry.tier().equals(task.tier())) {
                extra.put("from_tier", task.tier()).put("model_tier", retry.tier());
              }
              progress.emit(task.projectId(), task.id(), EventTypes.TASK_VERIFICATION_RETRY,
                  task.title() + (retry.tier().equals(task.tier()) ? ": gaps found, retrying with feedback"
                      : ": gaps found, retrying on " + retry.tier() + " with feedback"), extra);
            }
          });
    }
    if (next instanceof OutcomePolicy.Review review) {
      return store.needsReview(task.id(), review.status(), review.notes(), now).onSuccess(moved -> {
        if (moved) {
          progress.emit(task.projectId(), task.id(), EventTypes.TASK_NEEDS_REVIEW,
              task.title() + ": requires human review", new JsonObject().put("verification_notes", review.notes()));
        }
      });
    }
    OutcomePolicy.Accept accept = (OutcomePolicy.Accept) next;
    // A git project's accepted work lands on the project branch before its dependants are released.
    Future<Boolean> landed = git.accepted(task).map(true).recover(err -> {
      if (!(err instanceof GitSteps.Conflict conflict)) {
        return Future.failedFuture(err);
      }
      String checkpointId = Ids.short12();
      return store.reviewAtConflict(checkpointId, task, accept.status(), accept.notes(), conflict.files,
          conflict.keptOn, now).map(moved -> {
            if (moved) {
              emitConflict(task, conflict.getMessage(), conflict.files, conflict.keptOn, checkpointId);
            }
            return false;
          });
    });
    return landed.compose(ok -> !ok ? Future.succeededFuture() : acceptLanded(task, result, accept, now));
  }

  /**
   * A person approves a task in {@code needs_review} (API.md §3.5): a git project's task lands its
   * work on the project branch before the approval is stored. Answers {@code {"landed": bool}}; a
   * conflict keeps the task in review with a {@code git_conflict} checkpoint (one per task while
   * open) and fails with 409 naming the files.
   */
  Future<JsonObject> landApproved(String taskId) {
    return store.inReview(taskId).compose(r -> {
      if (r == null || !TaskStatus.NEEDS_REVIEW.wire().equals(r.status())) {
        return Future.succeededFuture(new JsonObject().put("landed", false)); // the approval's CAS refuses it
      }
      Claimed task = r.task();
      return git.approved(task, r.output())
          .compose(v -> store.resolveConflictCheckpoints(taskId, "Action: approve | Approved through review", now()))
          .map(v -> new JsonObject().put("landed", true))
          .recover(err -> {
            if (!(err instanceof GitSteps.Conflict conflict)) {
              return Future.failedFuture(err);
            }
            double now = now();
            return store.openConflictCheckpoint(taskId).compose(open -> {
              if (open != null) {
                return Future.succeededFuture(open);
              }
              String checkpointId = Ids.short12();
              return store.conflictCheckpoint(checkpointId, task, conflict.files, conflict.keptOn, now).map(v -> {
                emitConflict(task, conflict.getMessage(), conflict.files, conflict.keptOn, checkpointId);
                return checkpointId;
              });
            }).compose(checkpointId -> Future.failedFuture(dev.orch.kernel.bus.OrchestratorException.conflict(
                conflict.getMessage() + "; the task stays in review, checkpoint " + checkpointId
                    + " offers retry, skip or fail")));
          });
    });
  }

  private Future<?> acceptLanded(Claimed task, TaskRun.Result result, OutcomePolicy.Accept accept, double now) {
    return store.setVerification(task.id(), accept.status(), accept.notes(), now).compose(v -> {
      progress.emit(task.projectId(), task.id(), EventTypes.TASK_COMPLETE, task.title(),
          new JsonObject().put("cost_usd", result.costUsd()));
      learn(task, result, now);
      return store.forward(task.id(), task.title(), result.output(), config.contextForwardMaxChars(), now);
    });
  }

  /** After a completion: the diagnostic RAG's record of a recovery, and the project's knowledge. */
  private void learn(Claimed task, TaskRun.Result result, double now) {
    recordRecovery(task, result);
    if (policy.extractsKnowledge(task)) {
      reviewer.extract(task.projectId(), task.id(), task.title(), result.output(), now);
    }
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

  /** Stores a failed attempt as {@link OutcomePolicy#afterFailure} decides. */
  Future<?> failed(Claimed task, boolean cancelled, Throwable err) {
    double now = now();
    OutcomePolicy.AfterFailure next = policy.afterFailure(task, err, cancelled, now);
    if (next instanceof OutcomePolicy.ToReview review) {
      return store.end(task, TaskStatus.NEEDS_REVIEW, review.error(), review.partial().output(), review.partial(), now)
          .onSuccess(moved -> {
            if (moved) {
              progress.emit(task.projectId(), task.id(), EventTypes.TASK_NEEDS_REVIEW,
                  task.title() + ": budget exhausted, partial output needs review");
            }
          });
    }
    if (next instanceof OutcomePolicy.GiveBack back) {
      return store.giveBack(task, now).onSuccess(v -> {
        if (back.limit() != null && !back.limit().global()) {
          waitsForBudget(task.projectId(), task.id(), back.limit());
        } else {
          pauseForBudget(task.projectId());
        }
      });
    }
    if (next instanceof OutcomePolicy.RetryLater retry) {
      // The suggestion is in the context before the task can be claimed again.
      Future<Void> advised = advisor == null ? Future.succeededFuture() : advisor.suggestion(retry.describedError())
          .compose(entry -> entry == null ? Future.<Void>succeededFuture() : store.appendContext(task.id(), entry));
      return advised.compose(v -> store.retryLater(task, retry.at(), retry.error(), spent(err), now)).onSuccess(moved -> {
        if (moved) {
          progress.emit(task.projectId(), task.id(), EventTypes.TASK_RETRY, task.title() + ": retrying in "
              + Math.round(retry.at() - now) + "s (" + retry.describedError() + ")");
          loop.backoffAhead(now);
        }
      });
    }
    if (next instanceof OutcomePolicy.Checkpoint checkpoint) {
      String checkpointId = Ids.short12();
      return store.endAtCheckpoint(checkpointId, task, checkpoint.error(), spent(err), now).onSuccess(moved -> {
        if (moved) {
          progress.emit(task.projectId(), task.id(), EventTypes.CHECKPOINT, "Checkpoint: " + task.title()
              + " needs attention after " + task.maxRetries() + " failed attempts",
              new JsonObject().put("checkpoint_id", checkpointId));
        }
      });
    }
    if (next instanceof OutcomePolicy.ConflictReview conflict) {
      String checkpointId = Ids.short12();
      return store.endAtConflict(checkpointId, task, conflict.error(), conflict.spent(), conflict.files(),
          conflict.keptOn(), now).onSuccess(moved -> {
            if (moved) {
              emitConflict(task, conflict.error(), conflict.files(), conflict.keptOn(), checkpointId);
            }
          });
    }
    if (next instanceof OutcomePolicy.Fail fail) {
      return store.end(task, TaskStatus.FAILED, fail.error(), null, spent(err), now).onSuccess(moved -> {
        if (moved) {
          progress.emit(task.projectId(), task.id(), EventTypes.TASK_FAILED, task.title() + ": " + fail.error());
        }
      });
    }
    return Future.succeededFuture(); // cancelled: whoever cancelled it moved the task
  }

  private void emitConflict(Claimed task, String error, java.util.List<String> files, String keptOn, String checkpointId) {
    progress.emit(task.projectId(), task.id(), EventTypes.GIT_CONFLICT, task.title() + ": " + error,
        new JsonObject().put("files", new JsonArray(files)).put("branch", keptOn).put("checkpoint_id", checkpointId));
    progress.emit(task.projectId(), task.id(), EventTypes.CHECKPOINT, "Checkpoint: " + task.title()
        + " conflicts with the project branch", new JsonObject().put("checkpoint_id", checkpointId));
  }

  private static TaskRun.Result spent(Throwable err) {
    return err instanceof TaskRun.Failed f ? f.spent : TaskRun.Result.none(null);
  }

  /** The budget gate closed on a task's first call: the project pauses (API.md §11.2). */
  void pauseForBudget(String projectId) {
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
  void waitsForBudget(String projectId, String taskId, BudgetLimit limit) {
    if (waitingForBudget.size() > 10_000) {
      waitingForBudget.clear(); // tasks of cancelled projects never start; hearing again is harmless
    }
    if (waitingForBudget.add(taskId)) {
      LOG.info("task waits for budget [project: {}, task: {}, limit: {}]", projectId, taskId, limit);
      progress.emit(projectId, taskId, EventTypes.BUDGET_WARNING, limit.message() + ". The task waits until budget"
          + " is freed; other tasks go on.", new JsonObject().put("limit", limit.name().toLowerCase(Locale.ROOT)));
    }
  }

  /** The task started: a later wait for budget is announced again. */
  void startedAfterWaiting(String taskId) {
    waitingForBudget.remove(taskId);
  }

  /**
   * Ends the project when nothing is left to run (API.md §11.2 steps 5-7); with wave checkpoints,
   * pauses between waves. {@code finishedWave} is the wave of a task that just ended, or -1;
   * {@code known} the project's counts when the caller has them (read in the unit that changed them).
   */
  Future<?> checkProject(String projectId, int finishedWave, Map<String, Integer> known) {
    double now = now();
    Future<Map<String, Integer>> read = known != null ? Future.succeededFuture(known) : store.statusCounts(projectId);
    return read.<Object>compose(counts -> {
      ProjectCheck.Step step = ProjectCheck.after(counts, config.waveCheckpoints(), finishedWave);
      if (step instanceof ProjectCheck.Finish finish) {
        return finish(projectId, finish, now, now).map(b -> b);
      }
      if (step instanceof ProjectCheck.MaybeDeadlock maybe) {
        // A dependency may have completed a moment ago with its dependants not yet released: release
        // first, and call it a deadlock only when nothing could be.
        return store.unblockProject(projectId, now).compose(released -> {
          if (released > 0) {
            loop.dispatch();
            return Future.succeededFuture();
          }
          return finish(projectId, ProjectCheck.deadlock(maybe.blocked()), null, now).map(b -> b);
        });
      }
      if (step instanceof ProjectCheck.WaveCheck) {
        return pauseAtWave(projectId, now).map(b -> b);
      }
      return Future.succeededFuture();
    }).onFailure(err -> LOG.warn("project check failed [project: {}, reason: {}]", projectId, err.getMessage()));
  }

  /** With wave checkpoints: pauses when the lowest wave with open work is beyond the released one. */
  private Future<?> pauseAtWave(String projectId, double now) {
    return Future.all(store.lowestOpenWave(projectId), store.waveReleased(projectId)).compose(waves -> {
      Integer lowest = waves.resultAt(0);
      int released = waves.resultAt(1);
      if (!ProjectCheck.pausesAtWave(lowest, released)) {
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

  private Future<Boolean> finish(String projectId, ProjectCheck.Finish finish, Double completedAt, double now) {
    return store.finishProject(projectId, finish.status(), completedAt, now).onSuccess(done -> {
      if (done) {
        LOG.info("project finished [project: {}, status: {}]", projectId, finish.status().wire());
        progress.emit(projectId, null, finish.event(), finish.message());
        if (finish.status() == dev.orch.kernel.state.ProjectStatus.COMPLETED) {
          git.finished(projectId);
        }
      }
    });
  }

  /** An external agent's result was stored: forward it, learn from it, and run what became ready. */
  void completedExternally(String taskId) {
    store.outputOf(taskId).onSuccess(r -> {
      if (r == null) {
        return;
      }
      String projectId = r.getString("project_id");
      double now = now();
      // Forwarding also releases the dependants that waited only for this task.
      store.forward(taskId, r.getString("title"), r.getString("output_text"), config.contextForwardMaxChars(), now)
          .onComplete(ar -> {
            checkProject(projectId, -1, null);
            loop.dispatch();
          });
      if (config.knowledgeExtractionEnabled()) {
        reviewer.extract(projectId, taskId, r.getString("title"), r.getString("output_text"), now);
      }
    });
  }
}
