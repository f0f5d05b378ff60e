package dev.orch.kernel.executor;

import io.vertx.core.Future;
import java.util.List;

/** One attempt at a task: the model/tool loop ({@link TaskRun}) or a CLI agent ({@link CliTaskRun}). */
interface Attempt {
  /** Runs the attempt; fails with {@link TaskRun.Failed} or {@link TaskRun.BudgetExhausted}. */
  Future<TaskRun.Result> run(List<String> knowledge);

  void cancel();

  boolean cancelled();

  /** An attempt that cannot start, failing with {@code reason} (not worth a retry). */
  static Attempt failing(Exception reason) {
    return new Attempt() {
      @Override
      public Future<TaskRun.Result> run(List<String> knowledge) {
        return Future.failedFuture(new TaskRun.Failed(reason, TaskRun.Result.none(null), false));
      }

      @Override
      public void cancel() {}

      @Override
      public boolean cancelled() {
        return false;
      }
    };
  }
}
