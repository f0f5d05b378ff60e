package dev.orch.kernel.state;

/**
 * SQL for a task's context (V007). The context as approved lives in {@code task_contexts}, apart from
 * the task row: it carries every sibling's line, and every status change would otherwise rewrite it.
 * Entries added later (forwarded outputs, review feedback, checkpoint guidance) are appended to
 * {@code task_context_additions}, a small row, so an append does not rewrite the sibling list. The
 * context is the first array followed by the second. Both hold compact JSON arrays, as our writers
 * encode them.
 */
public final class TaskContexts {
  /** Joins a task's context to a query {@code FROM tasks}. */
  public static final String JOIN = " LEFT JOIN task_contexts c ON c.task_id = tasks.id"
      + " LEFT JOIN task_context_additions a ON a.task_id = tasks.id";
  /**
   * The whole context, as {@code context_json}, with {@link #JOIN}: {@code []} when a task has none;
   * an approved context that is empty or not an array (damaged) gives way to the additions alone.
   */
  public static final String COLUMN = "CASE WHEN a.entries_json IS NULL THEN COALESCE(c.context_json, '[]')"
      + " WHEN c.context_json IS NULL OR substr(c.context_json, 1, 1) <> '['"
      + " OR substr(c.context_json, length(c.context_json), 1) <> ']'"
      + " OR trim(substr(c.context_json, 2, length(c.context_json) - 2)) = '' THEN a.entries_json"
      + " ELSE substr(c.context_json, 1, length(c.context_json) - 1) || ',' || substr(a.entries_json, 2)"
      + " END AS context_json";
  /** A new task's context: (task id, context JSON). */
  public static final String INSERT = "INSERT INTO task_contexts (task_id, context_json) VALUES (?, ?)";
  /** Replaces a task's whole context: (task id, context JSON); then {@link #CLEAR_ADDITIONS}. */
  public static final String SET = INSERT + " ON CONFLICT (task_id) DO UPDATE SET context_json = excluded.context_json";
  /** (task id). */
  public static final String CLEAR_ADDITIONS = "DELETE FROM task_context_additions WHERE task_id = ?";
  private static final String APPENDED = " ON CONFLICT (task_id) DO UPDATE SET entries_json ="
      + " substr(task_context_additions.entries_json, 1, length(task_context_additions.entries_json) - 1)"
      + " || ',' || substr(excluded.entries_json, 2)";
  /** Appends one entry to a task's context: (task id, entry JSON). */
  public static final String APPEND = "INSERT INTO task_context_additions (task_id, entries_json)"
      + " VALUES (?, '[' || ? || ']')" + APPENDED;
  /** Appends one entry to the context of every task that depends on a task: (entry JSON, that task's id). */
  public static final String APPEND_TO_DEPENDANTS = "INSERT INTO task_context_additions (task_id, entries_json)"
      + " SELECT task_id, '[' || ? || ']' FROM task_deps WHERE depends_on = ?" + APPENDED;

  private TaskContexts() {}
}
