package dev.orch.kernel.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The task and project state machines as data, and the writes that follow them. */
class LifecycleTest {

  @Test
  @DisplayName("every status write declares only transitions the task and project tables allow")
  void everyWriteIsATransition() {
    for (Lifecycle.TaskMove move : Lifecycle.taskMoves()) {
      for (TaskStatus from : move.from()) {
        for (TaskStatus to : move.to()) {
          assertThat(from == to || from.canBecome(to)).as("%s -> %s in %s", from, to, move.sql()).isTrue();
        }
      }
    }
    for (Lifecycle.ProjectMove move : Lifecycle.projectMoves()) {
      for (ProjectStatus from : move.from()) {
        for (ProjectStatus to : move.to()) {
          assertThat(from == to || from.canBecome(to)).as("%s -> %s in %s", from, to, move.sql()).isTrue();
        }
      }
    }
  }

  @Test
  @DisplayName("every task transition in the table is allowed, every other one refused")
  void walksTheTaskTable() {
    Set<String> allowed = Set.of(
        "pending>blocked", "pending>running", "pending>cancelled",
        "blocked>pending", "blocked>cancelled",
        "queued>pending", "queued>blocked", "queued>cancelled",
        "running>pending", "running>blocked", "running>completed", "running>needs_review", "running>failed",
        "running>cancelled",
        "completed>pending", "completed>needs_review",
        "needs_review>completed", "needs_review>pending", "needs_review>cancelled", "needs_review>failed",
        "failed>pending", "failed>cancelled",
        "cancelled>pending", "cancelled>failed");
    for (TaskStatus from : TaskStatus.values()) {
      for (TaskStatus to : TaskStatus.values()) {
        String edge = from.wire() + ">" + to.wire();
        if (from == to) {
          assertThat(Lifecycle.require(from, to)).as("staying is no transition").isEqualTo(to);
        } else if (allowed.contains(edge)) {
          assertThat(from.canBecome(to)).as(edge).isTrue();
          assertThat(Lifecycle.require(from, to)).isEqualTo(to);
        } else {
          assertThat(from.canBecome(to)).as(edge).isFalse();
          assertThatThrownBy(() -> Lifecycle.require(from, to)).as(edge).isInstanceOf(IllegalStateException.class)
              .hasMessage("a task cannot move from " + from.wire() + " to " + to.wire());
        }
      }
    }
  }

  @Test
  @DisplayName("every project transition in the table is allowed, every other one refused")
  void walksTheProjectTable() {
    Set<String> allowed = Set.of(
        "draft>planning", "draft>ready", "draft>cancelled",
        "planning>draft", "planning>cancelled",
        "ready>planning", "ready>executing", "ready>cancelled",
        "executing>paused", "executing>completed", "executing>failed", "executing>cancelled",
        "paused>planning", "paused>ready", "paused>executing", "paused>cancelled",
        "completed>executing", "completed>ready", "completed>cancelled",
        "failed>planning", "failed>ready", "failed>executing", "failed>cancelled");
    for (ProjectStatus from : ProjectStatus.values()) {
      for (ProjectStatus to : ProjectStatus.values()) {
        if (from != to) {
          assertThat(from.canBecome(to)).as(from.wire() + ">" + to.wire())
              .isEqualTo(allowed.contains(from.wire() + ">" + to.wire()));
        }
      }
    }
  }

  @Test
  @DisplayName("a write asked to move to a status it does not enter refuses")
  void targetsAreChecked() {
    assertThat(Lifecycle.END.target(TaskStatus.FAILED)).isEqualTo("failed");
    assertThatThrownBy(() -> Lifecycle.END.target(TaskStatus.COMPLETED)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Lifecycle.FINISH.target(ProjectStatus.COMPLETED)).isEqualTo("completed");
    assertThatThrownBy(() -> Lifecycle.FINISH.target(ProjectStatus.PAUSED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a write whose declared transitions are not in the table cannot even be made")
  void badWritesFailAtOnce() {
    assertThatThrownBy(() -> new Lifecycle.TaskMove("UPDATE ...", EnumSet.of(TaskStatus.COMPLETED),
        EnumSet.of(TaskStatus.RUNNING))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("flags: finished, successful and retriable statuses")
  void flags() {
    assertThat(EnumSet.allOf(TaskStatus.class)).filteredOn(TaskStatus::terminal).containsExactlyInAnyOrder(
        TaskStatus.COMPLETED, TaskStatus.NEEDS_REVIEW, TaskStatus.FAILED, TaskStatus.CANCELLED);
    assertThat(EnumSet.allOf(TaskStatus.class)).filteredOn(TaskStatus::successful)
        .containsExactly(TaskStatus.COMPLETED);
    assertThat(EnumSet.allOf(TaskStatus.class)).filteredOn(TaskStatus::retriable).containsExactlyInAnyOrder(
        TaskStatus.COMPLETED, TaskStatus.NEEDS_REVIEW, TaskStatus.FAILED, TaskStatus.CANCELLED);
    assertThat(TaskStatus.TERMINAL_SQL).isEqualTo("('completed', 'needs_review', 'failed', 'cancelled')");
    assertThat(EnumSet.allOf(ProjectStatus.class)).filteredOn(ProjectStatus::terminal).containsExactlyInAnyOrder(
        ProjectStatus.COMPLETED, ProjectStatus.FAILED, ProjectStatus.CANCELLED);
    assertThat(TaskStatus.of("needs_review")).isEqualTo(TaskStatus.NEEDS_REVIEW);
    assertThatThrownBy(() -> TaskStatus.of("done")).isInstanceOf(IllegalArgumentException.class);
  }
}
