package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.BudgetLimit;
import dev.orch.kernel.executor.TaskStore.Claimed;
import dev.orch.kernel.model.Tier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What an attempt's outcome means for its task (API.md §11.4, §14.1, §14.2): whether a success completes
 * at once or waits for verification, what a verdict does, and what a failure does (retry after a
 * backoff, a checkpoint for a person, a failure, a wait for budget). Decisions only: {@link Outcomes}
 * carries them out.
 */
final class OutcomePolicy {
  /** What happens to a task whose attempt failed. */
  sealed interface AfterFailure {}

  /** A later call of the attempt was refused by the budget: the partial output goes to a person. */
  record ToReview(String error, TaskRun.Result partial) implements AfterFailure {}

  /** The first call was refused: the task goes back untouched, and waits or its project pauses. */
  record GiveBack(BudgetLimit limit) implements AfterFailure {}

  /** The attempt was cancelled: whoever cancelled it moved the task. */
  record Nothing() implements AfterFailure {}

  /** Back to the queue after a backoff. */
  record RetryLater(double at, String error, String describedError) implements AfterFailure {}

  /** Its retries are used up: a checkpoint asks a person. */
  record Checkpoint(String error) implements AfterFailure {}

  /** The task failed. */
  record Fail(String error) implements AfterFailure {}

  /** A git project's task conflicts with its project branch: a checkpoint names the files. */
  record ConflictReview(String error, List<String> files, String keptOn, TaskRun.Result spent) implements AfterFailure {}

  /** What a verdict does to a task stored completed. */
  sealed interface AfterVerdict {}

  /** The task stays completed; the verdict is recorded. */
  record Accept(String status, String notes) implements AfterVerdict {}

  /**
   * Back to the queue, with the verdict's notes as feedback in its context, on {@code tier}: one up
   * the escalation ladder ({@code routing.escalation}) from the tier that found gaps, or the same.
   */
  record RetryWithFeedback(String status, String notes, JsonArray context, String tier) implements AfterVerdict {}

  /** A person must look. */
  record Review(String status, String notes) implements AfterVerdict {}

  private final ExecutorConfig config;
  private final TaskRetries retries;

  OutcomePolicy(ExecutorConfig config, TaskRetries retries) {
    this.config = config;
    this.retries = retries;
  }

  /** True when a success completes the task at once: no verification sits between completion and release. */
  boolean completesAtOnce(Claimed task) {
    return !config.verificationEnabled() || local(task);
  }

  /** True when the cheap model extracts knowledge from the task's output (paid tiers only). */
  boolean extractsKnowledge(Claimed task) {
    return config.knowledgeExtractionEnabled() && !local(task);
  }

  private static boolean local(Claimed task) {
    return Dispatcher.tierOrNull(task.tier()) == Tier.OLLAMA;
  }

  AfterFailure afterFailure(Claimed task, Throwable err, boolean cancelled, double now) {
    if (err instanceof TaskRun.BudgetExhausted exhausted) {
      return new ToReview(exhausted.getMessage(), exhausted.partial);
    }
    TaskRun.Failed failed = err instanceof TaskRun.Failed f ? f : new TaskRun.Failed(err, TaskRun.Result.none(null), false);
    if (failed.budgetRefusedAtStart) {
      return new GiveBack(Budget.limit(failed.cause));
    }
    if (cancelled) {
      return new Nothing();
    }
    if (failed.cause instanceof GitSteps.Conflict conflict) {
      return new ConflictReview(conflict.getMessage(), conflict.files, conflict.keptOn, failed.spent);
    }
    String error = describe(failed.cause);
    TaskRetries.Decision decision = retries.decide(failed.cause, task.retryCount(), task.maxRetries(), now);
    if (decision instanceof TaskRetries.Retry retry) {
      return new RetryLater(retry.at(), "Transient error (retry " + retry.attempt() + "): " + error, error);
    }
    if (decision instanceof TaskRetries.Exhausted) {
      return config.checkpointOnRetryExhausted() ? new Checkpoint("Max retries exceeded: " + error)
          : new Fail("Max retries exceeded: " + error);
    }
    return new Fail(error);
  }

  AfterVerdict afterVerdict(Claimed task, Reviewer.Verdict verdict) {
    return switch (verdict.status()) {
      case "gaps_found" -> task.retryCount() < task.maxRetries()
          ? new RetryWithFeedback(verdict.status(), verdict.notes(), withFeedback(task.context(), verdict.notes()),
              config.nextTier(task.tier()))
          : new Accept(verdict.status(), verdict.notes());
      case "human_needed" -> new Review(verdict.status(), verdict.notes());
      default -> new Accept(verdict.status(), verdict.notes());
    };
  }

  /** Keeps the three most recent verification feedback entries (API.md §14.1). */
  static JsonArray withFeedback(JsonArray context, String notes) {
    JsonArray out = new JsonArray();
    List<Object> feedback = new ArrayList<>();
    for (Object o : context) {
      if (o instanceof JsonObject e && "verification_feedback".equals(e.getString("type"))) {
        feedback.add(e);
      } else {
        out.add(o);
      }
    }
    feedback.add(new JsonObject().put("type", "verification_feedback")
        .put("content", "Previous attempt had gaps: " + notes + ". Address these issues."));
    feedback.subList(Math.max(0, feedback.size() - 3), feedback.size()).forEach(out::add);
    return out;
  }

  static String describe(Throwable err) {
    String message = err.getMessage();
    return message == null || message.isBlank() ? err.getClass().getSimpleName() : message;
  }
}
