package dev.orch.kernel.progress;

/**
 * Event-bus contract of the progress log (API.md §6, ARCHITECTURE.md "Progress"). Every state change
 * of a project becomes an event row with an increasing per-project number, then a publish on
 * {@link #project(String)}.
 */
public final class ProgressAddresses {
  /**
   * Appends one event. Request {@code {"project_id": string, "task_id": string|null, "type": string,
   * "message": string, "data": object|null}} where {@code type} is one of {@link EventTypes} (or an
   * engine-internal type) and {@code data} holds the extra fields of API.md §6.4 (e.g.
   * {@code {"cost_usd": 0.01}}). Reply {@code {"id": long}}: the event's number, increasing without
   * gaps within the project, also on PostgreSQL where auto-increments may commit out of order. After
   * the row is stored, the event is published on {@link #project(String)}. Fails 400 on a malformed
   * body, 404 when the project does not exist or {@code task_id} is not one of its tasks. Senders
   * set a timeout and treat a failure as "not logged", never as a failure of the state change they
   * report; {@link Progress} does all of this.
   */
  public static final String EMIT = "orch.progress.emit";

  private static final String PROJECT_PREFIX = "orch.progress.";

  private ProgressAddresses() {}

  /**
   * Published per project after each stored event: {@code {"id": long, "type", "message",
   * "project_id", "task_id": string|null, "timestamp": ts, ...extra fields of data}}, the SSE
   * payload of API.md §6.2 plus the id (extra fields never replace the standard ones). Publishes
   * may arrive out of order when several nodes emit for one project, and a publish can be lost with
   * a node; a subscriber that sees id n can rely on every id below n being stored already.
   */
  public static String project(String projectId) {
    return PROJECT_PREFIX + projectId;
  }
}
