package dev.orch.kernel.progress;

import java.util.List;

/** The event types of progress events (API.md §6.4, and a few of our own), which the dashboard listens to. */
public final class EventTypes {
  public static final String TASK_START = "task_start";
  public static final String TASK_COMPLETE = "task_complete";
  public static final String TASK_FAILED = "task_failed";
  public static final String TASK_RETRY = "task_retry";
  public static final String TASK_VERIFICATION_RETRY = "task_verification_retry";
  public static final String TASK_NEEDS_REVIEW = "task_needs_review";
  public static final String CHECKPOINT = "checkpoint";
  public static final String TOOL_CALL = "tool_call";
  public static final String BUDGET_WARNING = "budget_warning";
  public static final String WAVE_CHECKPOINT = "wave_checkpoint";
  public static final String PROJECT_COMPLETE = "project_complete";
  public static final String PROJECT_FAILED = "project_failed";
  /** One line of a CLI agent's output ({@code data}: its stream and, when structured, its kind). Ours. */
  public static final String AGENT_OUTPUT = "agent_output";
  /** A planning call's answer could not be used; the answer is kept for the export. Ours. */
  public static final String PLANNING_FAILED = "planning_failed";
  /** A git project's task was committed ({@code data}: branch, sha). Ours. */
  public static final String GIT_COMMIT = "git_commit";
  /** A task's commit landed on the project branch ({@code data}: branch, sha, how, head, ahead, behind). Ours. */
  public static final String GIT_MERGE = "git_merge";
  /** A task's work conflicts with the project branch ({@code data}: files, branch, checkpoint_id). Ours. */
  public static final String GIT_CONFLICT = "git_conflict";
  /** The project branch was pushed ({@code data}: remote, branch). Ours. */
  public static final String GIT_PUSH = "git_push";
  /** A pull request was opened ({@code data}: url, number). Ours. */
  public static final String PR_OPENED = "pr_opened";
  /** A project's tasks wait for a provider that is down ({@code data}: resource_id, resource_status). Ours. */
  public static final String RESOURCE_WAITING = "resource_waiting";

  /** The twelve types of the contract. */
  public static final List<String> ALL = List.of(TASK_START, TASK_COMPLETE, TASK_FAILED, TASK_RETRY,
      TASK_VERIFICATION_RETRY, TASK_NEEDS_REVIEW, CHECKPOINT, TOOL_CALL, BUDGET_WARNING, WAVE_CHECKPOINT,
      PROJECT_COMPLETE, PROJECT_FAILED);

  /** The types this server adds to the contract's. */
  public static final List<String> OWN = List.of(AGENT_OUTPUT, PLANNING_FAILED, GIT_COMMIT, GIT_MERGE,
      GIT_CONFLICT, GIT_PUSH, PR_OPENED, RESOURCE_WAITING);

  /** Types after which the SSE stream ends. */
  public static final List<String> FINAL = List.of(PROJECT_COMPLETE, PROJECT_FAILED);

  private EventTypes() {}
}
