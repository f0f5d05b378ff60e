package dev.orch.kernel.tasks;

import dev.orch.kernel.bus.OrchestratorException;

/**
 * A task action refused for the task's state. It carries both texts of the contract: the single
 * endpoint's {@code detail} and the shorter reason {@code POST /tasks/bulk} lists (API.md §3.5).
 */
final class TaskRefusal extends OrchestratorException {
  private final String bulkReason;

  TaskRefusal(String detail, String bulkReason) {
    super(400, detail);
    this.bulkReason = bulkReason;
  }

  String bulkReason() {
    return bulkReason;
  }
}
