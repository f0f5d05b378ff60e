package dev.orch.kernel.tasks;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Read, decide, compare-and-set, and again when the row moved in between. An attempt reads the
 * current row, fails with the contract's error when the change is not allowed, and otherwise
 * completes with its result, or with null when its compare-and-set matched no row. The next attempt
 * then reads the new state, which usually refuses the change with the right text.
 */
final class Cas {
  static final int ATTEMPTS = 5;

  private Cas() {}

  static <T> Future<T> run(String what, Supplier<Future<T>> attempt) {
    return run(what, attempt, ATTEMPTS);
  }

  private static <T> Future<T> run(String what, Supplier<Future<T>> attempt, int left) {
    return attempt.get().compose(result -> {
      if (result != null) {
        return Future.succeededFuture(result);
      }
      if (left <= 1) {
        return Future.failedFuture(OrchestratorException.conflict(what + " changed concurrently, try again"));
      }
      return run(what, attempt, left - 1);
    });
  }
}
