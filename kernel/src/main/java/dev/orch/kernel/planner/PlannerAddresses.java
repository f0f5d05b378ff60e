package dev.orch.kernel.planner;

/**
 * Event-bus contract of the planner (API.md §9, §10). JSON bodies; failures are
 * {@code ReplyException}s whose code is an HTTP status. Callers check ownership first.
 */
public final class PlannerAddresses {
  /**
   * Generates a new plan version with the planning model. Request {@code {"project_id": string}}.
   * Reply {@code {"plan_id", "version": int, "plan": object, "model_used", "prompt_tokens": int,
   * "completion_tokens": int, "cost_usd": number}}. The project is {@code planning} during the call
   * and {@code draft} afterwards, whatever happened; earlier draft plans become {@code superseded}.
   *
   * <p>Fails 404 for an unknown project; 400 {@code Cannot plan a project in '{status}' state}; 402
   * {@code Budget limit reached. Cannot generate plan.}; 422 {@code Claude returned an empty response}
   * or {@code Failed to parse plan JSON from Claude response} (the answer is kept as a
   * {@code planning_failed} project event); 500 when the model API fails. The call is billed
   * whenever the model answered. Takes as long as the model: send with {@link #generateTimeoutMs}.
   */
  public static final String GENERATE = "orch.planner.generate";

  /**
   * Approves a draft plan: its tasks, edges and waves are written in one transaction, the plan
   * becomes {@code approved} and the project {@code ready}. Request {@code {"project_id", "plan_id"}}.
   * Reply {@code {"tasks_created": int, "task_ids": [string], "estimated_cost_usd": number (4 dp),
   * "summary": string, "total_waves": int, "warnings": [string]}} where warnings name dependency
   * indices that were dropped. Fails 404 {@code Plan {id} not found}; 400 {@code Plan is already
   * {status}}; 400 {@code Plan has no tasks}; 422 {@code Dependency cycle detected: ...}.
   */
  public static final String APPROVE = "orch.planner.approve";


  private PlannerAddresses() {}

  /** A send timeout that outlasts the model call with all its retries. */
  public static long generateTimeoutMs(double modelTimeoutSeconds, int maxRetries) {
    return (long) ((modelTimeoutSeconds * (maxRetries + 1) + 60) * 1000);
  }
}
