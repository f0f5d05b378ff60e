package dev.orch.kernel.tasks;

import dev.orch.kernel.state.TaskStatus;

import java.util.List;

/** The task enums of API.md §8.1 that requests are validated against. */
public final class TaskEnums {
  /** {@code TaskStatus}. */
  public static final List<String> STATUSES =
      List.of("pending", "blocked", "queued", "running", "completed", "needs_review", "failed", "cancelled");
  /** {@code ModelTier}. */
  public static final List<String> TIERS = List.of("haiku", "sonnet", "opus", "ollama");
  /** {@code TaskSortField}. */
  public static final List<String> SORT_FIELDS = List.of("priority", "created_at", "wave", "status");
  public static final List<String> SORT_DIRECTIONS = List.of("asc", "desc");
  /** Statuses a task or bulk cancel may leave (API.md §8.4). */
  static final List<String> CANCELLABLE = List.of("pending", "blocked", "queued");
  /** Statuses a project cancel moves to {@code cancelled}: {@link #CANCELLABLE} plus running. */
  static final List<String> PROJECT_CANCELLABLE = List.of("pending", "blocked", "queued", "running");

  private TaskEnums() {}
}
