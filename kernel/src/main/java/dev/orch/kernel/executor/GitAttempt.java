package dev.orch.kernel.executor;

import dev.orch.kernel.executor.TaskStore.Claimed;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Function;

/**
 * An attempt at a task of a project on a git repository: the task's worktree is made ready first (its
 * file tools work there), and its work is committed and landed on the project branch before the
 * attempt counts as a success, so a dependant, released by the completion, starts from a branch that
 * has it. A project without a repository runs the inner attempt alone.
 */
final class GitAttempt implements Attempt {
  private final GitSteps git;
  private final MeteredModel metered;
  private final Claimed task;
  private final String reservationId;
  private final boolean integrate;
  private final boolean onRepository;
  private final Function<java.nio.file.Path, Attempt> inner;
  private volatile Attempt run;
  private volatile boolean cancelled;

  /**
   * @param integrate whether the work lands on the project branch at once (no verification between
   *     the attempt and the completion), or once a verification accepts it
   * @param onRepository whether the task's project works on a repository: only then is anything read or made
   * @param inner the attempt, given the task's worktree (null for a project without a repository)
   */
  GitAttempt(GitSteps git, MeteredModel metered, Claimed task, String reservationId, boolean integrate,
      boolean onRepository, Function<java.nio.file.Path, Attempt> inner) {
    this.onRepository = onRepository;
    this.reservationId = reservationId;
    this.integrate = integrate;
    this.git = git;
    this.metered = metered;
    this.task = task;
    this.inner = inner;
  }

  @Override
  public Future<TaskRun.Result> run(List<String> knowledge) {
    return git.prepare(task, onRepository).recover(err -> {
      metered.release(reservationId); // no call was made: the first call's hold is free again
      return Future.failedFuture(new TaskRun.Failed(err, TaskRun.Result.none(null), false));
    }).compose(prepared -> {
          run = inner.apply(prepared == null ? null : prepared.worktree());
          if (cancelled) {
            run.cancel();
          }
          Future<TaskRun.Result> result = run.run(knowledge);
          if (prepared == null) {
            return result;
          }
          return result.compose(r -> run.cancelled() ? Future.succeededFuture(r)
              : git.land(task, prepared, r.output(), integrate)
                  .transform(ar -> ar.succeeded() ? Future.succeededFuture(r) : failed(r, ar.cause())));
        });
  }

  /** The work did not land: the last call's spend is recorded now, since no completion will carry it. */
  private Future<TaskRun.Result> failed(TaskRun.Result r, Throwable cause) {
    Future<Void> recorded = r.unrecorded() == null ? Future.succeededFuture() : metered.record(r.unrecorded());
    TaskRun.Result spent = new TaskRun.Result(r.output(), r.promptTokens(), r.completionTokens(), r.costUsd(), r.model());
    return recorded.transform(v -> Future.failedFuture(new TaskRun.Failed(cause, spent, false)));
  }

  @Override
  public void cancel() {
    cancelled = true;
    Attempt r = run;
    if (r != null) {
      r.cancel();
    }
  }

  @Override
  public boolean cancelled() {
    Attempt r = run;
    return cancelled || (r != null && r.cancelled());
  }
}
