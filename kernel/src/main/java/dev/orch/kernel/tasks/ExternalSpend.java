package dev.orch.kernel.tasks;

import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Tier;
import dev.orch.kernel.tasks.TaskRepository.TaskState;

/**
 * What an external agent's work on one task may cost. Its claim holds the task's estimate (one call
 * of its tier's model: the planner's 1,500 input tokens and the task's {@code max_tokens}; at least
 * Haiku's price, since an outside agent is no local model) times {@code budget.external_overrun_factor},
 * for as long as the claim may last. A result must fit that hold and its model's token limits: an
 * agent cannot record more than it was allowed to spend, nor spend that no call can have made.
 */
public final class ExternalSpend {
  static final String PURPOSE = "external_execution";
  private static final long ESTIMATE_INPUT_TOKENS = 1500;

  private final Pricing pricing;
  private final ModelRouter router;
  private final double overrunFactor;
  private final double claimSeconds;

  public ExternalSpend(Pricing pricing, ModelRouter router, double overrunFactor, double claimSeconds) {
    this.pricing = pricing;
    this.router = router;
    this.overrunFactor = overrunFactor;
    this.claimSeconds = claimSeconds;
  }

  /** The hold a claim of {@code task} takes, for as long as an external claim may last. */
  ReserveRequest claimHold(TaskState task) {
    Tier tier;
    try {
      tier = Tier.parse(String.valueOf(task.modelTier()));
    } catch (IllegalArgumentException unknown) {
      throw dev.orch.kernel.bus.OrchestratorException.conflict("Task has an unknown model tier '" + task.modelTier()
          + "'");
    }
    String model = router.model(tier == Tier.OLLAMA ? Tier.HAIKU : tier);
    double estimate = pricing.estimate(model, ESTIMATE_INPUT_TOKENS, task.maxTokens()).doubleValue();
    return new ReserveRequest(estimate * overrunFactor, task.projectId(), task.id(), PURPOSE, claimSeconds);
  }

  /** Why a reported usage cannot be real for {@code model}, or null when it can. */
  String tokenRefusal(String model, long promptTokens, long completionTokens) {
    Pricing.TokenLimits limits = pricing.limits(model);
    if (promptTokens > limits.maxInput()) {
      return "prompt_tokens " + promptTokens + " exceeds the " + limits.maxInput() + " tokens a call of " + model
          + " can take";
    }
    if (completionTokens > limits.maxOutput()) {
      return "completion_tokens " + completionTokens + " exceeds the " + limits.maxOutput() + " tokens a call of "
          + model + " can give";
    }
    return null;
  }
}
