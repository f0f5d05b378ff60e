package dev.orch.kernel.tasks;

/** SQL over task statuses that more than one component asks (API.md §3.5, §3.7). */
public final class TaskStatus {
  private TaskStatus() {}

  /** The terminal statuses, as an SQL list for {@code status IN} or {@code status NOT IN}. */
  public static final String TERMINAL_SQL = "('completed', 'failed', 'cancelled', 'needs_review')";

  /** The project's current wave (API.md §3.7): the lowest with a task not terminal, as {@code wave}. */
  public static final String LOWEST_OPEN_WAVE = "SELECT MIN(wave) AS wave FROM tasks WHERE project_id = ?"
      + " AND status NOT IN " + TERMINAL_SQL;
}
