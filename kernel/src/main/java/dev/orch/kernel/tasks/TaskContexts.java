package dev.orch.kernel.tasks;

/**
 * SQL for a task's context, which lives in {@code task_contexts} (V007), apart from the task row:
 * it is the wide part of a task, and every status change would otherwise rewrite it.
 */
public final class TaskContexts {
  /** Joins a task's context to a query {@code FROM tasks}. */
  public static final String JOIN = " LEFT JOIN task_contexts c ON c.task_id = tasks.id";
  /** The context column of {@link #JOIN}, {@code []} when a task has none. */
  public static final String COLUMN = "COALESCE(c.context_json, '[]') AS context_json";
  /** A new task's context: (task id, context JSON). */
  public static final String INSERT = "INSERT INTO task_contexts (task_id, context_json) VALUES (?, ?)";
  /** A task's context, replaced: (task id, context JSON). */
  public static final String SET = INSERT + " ON CONFLICT (task_id) DO UPDATE SET context_json = excluded.context_json";

  private TaskContexts() {}
}
