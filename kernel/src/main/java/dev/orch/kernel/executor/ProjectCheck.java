package dev.orch.kernel.executor;

import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.state.ProjectStatus;
import dev.orch.kernel.state.TaskStatus;
import java.util.Map;

/**
 * Whether a project's run has ended, from its tasks by status (API.md §11.2, steps 5-7): completed
 * when nothing is left to run and none failed, failed when some did; a deadlock when only blocked
 * tasks are left and none can be released; with wave checkpoints, a pause between waves.
 */
final class ProjectCheck {
  private ProjectCheck() {}

  /** The next step of a check. */
  sealed interface Step {}

  /** Work is left, or there is nothing to decide. */
  record Open() implements Step {}

  /** The run ended. */
  record Finish(ProjectStatus status, String event, String message) implements Step {}

  /** Only blocked tasks are left: release what can be, and call it a deadlock when nothing can. */
  record MaybeDeadlock(int blocked) implements Step {}

  /** A task of a wave ended with wave checkpoints on: compare the lowest open wave with the released one. */
  record WaveCheck() implements Step {}

  static Step after(Map<String, Integer> counts, boolean waveCheckpoints, int finishedWave) {
    int pending = count(counts, TaskStatus.PENDING);
    int blocked = count(counts, TaskStatus.BLOCKED);
    int active = count(counts, TaskStatus.QUEUED) + count(counts, TaskStatus.RUNNING);
    int failed = count(counts, TaskStatus.FAILED);
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    if (total == 0) {
      return new Open();
    }
    if (pending + blocked + active == 0) {
      return failed > 0
          ? new Finish(ProjectStatus.FAILED, EventTypes.PROJECT_FAILED, "Project finished with " + failed
              + " failed task(s).")
          : new Finish(ProjectStatus.COMPLETED, EventTypes.PROJECT_COMPLETE, "All tasks finished.");
    }
    if (pending + active == 0 && blocked > 0) {
      return new MaybeDeadlock(blocked);
    }
    return waveCheckpoints && finishedWave >= 0 ? new WaveCheck() : new Open();
  }

  /** The deadlock's end, when no blocked task could be released. */
  static Finish deadlock(int blocked) {
    return new Finish(ProjectStatus.FAILED, EventTypes.PROJECT_FAILED, "No forward progress possible: " + blocked
        + " task(s) blocked by failed dependencies.");
  }

  /** True when the lowest wave with open work is beyond the released one: the project pauses there. */
  static boolean pausesAtWave(Integer lowestOpen, int released) {
    return lowestOpen != null && lowestOpen > released;
  }

  private static int count(Map<String, Integer> counts, TaskStatus status) {
    return counts.getOrDefault(status.wire(), 0);
  }
}
