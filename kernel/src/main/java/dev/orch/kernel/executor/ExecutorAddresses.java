package dev.orch.kernel.executor;

/**
 * Event-bus contract of the executor (API.md §11, ARCHITECTURE.md "Execution model"). Dispatch is
 * woken by events, not polled: whoever makes work ready publishes {@link #WAKE}.
 */
public final class ExecutorAddresses {
  /**
   * Publish {@code {"project_id": string|null}}: something may have become ready (execute or
   * resume, a task retried or reviewed, a checkpoint resolved, a budget released, a provider back).
   * Null means "look at every executing project". No reply.
   */
  public static final String WAKE = "orch.executor.wake";

  /**
   * Publish {@code {"project_id": string, "task_id": string|null}}: stop work in flight for the
   * project (or one task), because it was cancelled; cancellation wins over a worker finishing
   * later (API.md §18.8). No reply.
   */
  public static final String CANCEL = "orch.executor.cancel";

  /**
   * Publish {@code {"project_id": string, "task_id": string, "external": true}} after an external
   * agent's result was stored (API.md §3.7): the executor forwards the output to dependents (§14.4),
   * extracts knowledge (§14.3, best effort), unblocks and dispatches what became ready. No reply.
   */
  public static final String COMPLETED = "orch.executor.completed";

  /**
   * Request {@code {"task_id": string}} before a review approval is stored (API.md §3.5): a git
   * project's task lands its work on the project branch. Reply {@code {"landed": bool}}; fails 409
   * when the work conflicts (the task then has a {@code git_conflict} checkpoint), 502 when git fails.
   */
  public static final String LAND = "orch.executor.land";

  private ExecutorAddresses() {}
}
