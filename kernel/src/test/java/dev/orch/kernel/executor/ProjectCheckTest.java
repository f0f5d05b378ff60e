package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.state.ProjectStatus;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** When a project's run ends, from its tasks by status. */
class ProjectCheckTest {
  @Test
  @DisplayName("nothing left to run: completed, or failed when a task failed; tasks to review count as finished")
  void finishes() {
    assertThat(ProjectCheck.after(Map.of("completed", 3, "needs_review", 1), false, 0))
        .isEqualTo(new ProjectCheck.Finish(ProjectStatus.COMPLETED, "project_complete", "All tasks finished."));
    assertThat(ProjectCheck.after(Map.of("completed", 3, "failed", 2, "cancelled", 1), false, 0))
        .isEqualTo(new ProjectCheck.Finish(ProjectStatus.FAILED, "project_failed",
            "Project finished with 2 failed task(s)."));
  }

  @Test
  @DisplayName("work ready or in flight keeps the project open; only blocked tasks left may be a deadlock")
  void openOrStuck() {
    assertThat(ProjectCheck.after(Map.of("completed", 1, "running", 1, "blocked", 4), false, 0))
        .isInstanceOf(ProjectCheck.Open.class);
    assertThat(ProjectCheck.after(Map.of("failed", 1, "blocked", 4), false, 0))
        .isEqualTo(new ProjectCheck.MaybeDeadlock(4));
    assertThat(ProjectCheck.deadlock(4).message())
        .isEqualTo("No forward progress possible: 4 task(s) blocked by failed dependencies.");
    assertThat(ProjectCheck.after(Map.of(), false, 0)).as("no tasks: nothing to decide")
        .isInstanceOf(ProjectCheck.Open.class);
  }

  @Test
  @DisplayName("with wave checkpoints a finished task asks for the wave check; the project pauses when the open wave"
      + " is beyond the released one")
  void waves() {
    assertThat(ProjectCheck.after(Map.of("completed", 1, "pending", 1), true, 0))
        .isInstanceOf(ProjectCheck.WaveCheck.class);
    assertThat(ProjectCheck.after(Map.of("completed", 1, "pending", 1), true, -1))
        .isInstanceOf(ProjectCheck.Open.class);
    assertThat(ProjectCheck.pausesAtWave(2, 1)).isTrue();
    assertThat(ProjectCheck.pausesAtWave(1, 1)).isFalse();
    assertThat(ProjectCheck.pausesAtWave(null, 1)).isFalse();
  }
}
