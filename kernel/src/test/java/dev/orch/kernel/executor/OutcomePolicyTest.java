package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.budget.BudgetLimit;
import dev.orch.kernel.model.ModelException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What an attempt's outcome does to its task, at t = 1,000 with no jitter. */
class OutcomePolicyTest {
  static final ModelException OVERLOADED = new ModelException("anthropic", ModelException.Kind.TRANSIENT, 529,
      "overloaded_error", "Overloaded", null);

  static OutcomePolicy policy(Consumer<JsonObject> tweak) {
    ExecutorConfig config = ExecutorParts.executor(tweak);
    return new OutcomePolicy(config, new TaskRetries(config, () -> 0));
  }

  static TaskRun.Failed failed(Throwable cause) {
    return new TaskRun.Failed(cause, TaskRun.Result.none(null), false);
  }

  @Test
  @DisplayName("a transient failure with retries left goes back to the queue after the backoff")
  void retriesLater() {
    var outcome = policy(e -> e.put("retry_backoff_base_sec", 5))
        .afterFailure(ExecutorParts.claimed("t", "haiku", 1, 3), failed(OVERLOADED), false, 1_000);
    assertThat(outcome).isEqualTo(new OutcomePolicy.RetryLater(1_010, "Transient error (retry 2): Overloaded",
        "Overloaded"));
  }

  @Test
  @DisplayName("with its retries used up a task opens a checkpoint, or fails when checkpoints are off")
  void exhausted() {
    var task = ExecutorParts.claimed("t", "haiku", 3, 3);
    assertThat(policy(e -> {}).afterFailure(task, failed(OVERLOADED), false, 1_000))
        .isEqualTo(new OutcomePolicy.Checkpoint("Max retries exceeded: Overloaded"));
    assertThat(policy(e -> e.put("checkpoint_on_retry_exhausted", false)).afterFailure(task, failed(OVERLOADED), false,
        1_000)).isEqualTo(new OutcomePolicy.Fail("Max retries exceeded: Overloaded"));
  }

  @Test
  @DisplayName("a permanent failure fails the task at once; a cancelled attempt leaves it to whoever cancelled")
  void permanentAndCancelled() {
    var task = ExecutorParts.claimed("t", "haiku", 0, 3);
    var refusedKey = new ModelException("anthropic", ModelException.Kind.AUTH, 401, "authentication_error", "bad key",
        null);
    assertThat(policy(e -> {}).afterFailure(task, failed(refusedKey), false, 1_000))
        .isEqualTo(new OutcomePolicy.Fail("bad key"));
    assertThat(policy(e -> {}).afterFailure(task, failed(OVERLOADED), true, 1_000))
        .isInstanceOf(OutcomePolicy.Nothing.class);
  }

  @Test
  @DisplayName("budget: a refusal of the first call gives the task back with the limit; a later one sends its partial"
      + " output to review")
  void budget() {
    var task = ExecutorParts.claimed("t", "haiku", 0, 3);
    var refused = new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 402, BudgetLimit.PROJECT.message());
    assertThat(policy(e -> {}).afterFailure(task, new TaskRun.Failed(refused, TaskRun.Result.none(null), true), false,
        1_000)).isEqualTo(new OutcomePolicy.GiveBack(BudgetLimit.PROJECT));
    var partial = new TaskRun.Result("half", 10, 10, 0.01, "m");
    assertThat(policy(e -> {}).afterFailure(task, new TaskRun.BudgetExhausted(partial), false, 1_000))
        .isEqualTo(new OutcomePolicy.ToReview("Budget exhausted mid-execution (partial output)", partial));
  }

  @Test
  @DisplayName("verdicts: gaps with retries left retry with the notes as feedback, the newest three kept; a person"
      + " when asked; otherwise the task stays completed")
  void verdicts() {
    var policy = policy(e -> {});
    var fresh = ExecutorParts.claimed("t", "haiku", 0, 2);
    var retry = (OutcomePolicy.RetryWithFeedback) policy.afterVerdict(fresh, new Reviewer.Verdict("gaps_found",
        "tests missing"));
    assertThat(retry.context().getJsonObject(retry.context().size() - 1).getString("content"))
        .isEqualTo("Previous attempt had gaps: tests missing. Address these issues.");
    assertThat(policy.afterVerdict(ExecutorParts.claimed("t", "haiku", 2, 2), new Reviewer.Verdict("gaps_found", "x")))
        .isEqualTo(new OutcomePolicy.Accept("gaps_found", "x"));
    assertThat(policy.afterVerdict(fresh, new Reviewer.Verdict("human_needed", "ask")))
        .isEqualTo(new OutcomePolicy.Review("human_needed", "ask"));
    assertThat(policy.afterVerdict(fresh, new Reviewer.Verdict("passed", "ok")))
        .isEqualTo(new OutcomePolicy.Accept("passed", "ok"));
    var context = new io.vertx.core.json.JsonArray();
    for (int i = 0; i < 5; i++) {
      context = OutcomePolicy.withFeedback(context, "n" + i);
    }
    assertThat(context).hasSize(3);
  }

  @Test
  @DisplayName("a paid tier waits for verification when it is on; a local model completes at once and teaches nothing")
  void verificationAndKnowledge() {
    var on = policy(e -> e.put("verification_enabled", true).put("knowledge_extraction_enabled", true));
    assertThat(on.completesAtOnce(ExecutorParts.claimed("t", "haiku", 0, 2))).isFalse();
    assertThat(on.completesAtOnce(ExecutorParts.claimed("t", "ollama", 0, 2))).isTrue();
    assertThat(on.extractsKnowledge(ExecutorParts.claimed("t", "sonnet", 0, 2))).isTrue();
    assertThat(on.extractsKnowledge(ExecutorParts.claimed("t", "ollama", 0, 2))).isFalse();
    assertThat(policy(e -> e.put("verification_enabled", false)).completesAtOnce(ExecutorParts.claimed("t", "haiku",
        0, 2))).isTrue();
  }
}
