package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.model.ChatResponse;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;

/**
 * A model call inside the budget: a reservation of the estimated cost first (refused with a 402
 * when a limit is reached, see {@link Budget#refused}), the call, then the actual spend recorded against
 * that reservation, or the reservation released when the call failed. Calls to unpriced local
 * models reserve nothing.
 */
final class MeteredModel {
  /** A call's answer and what it cost. */
  record Answer(ChatResponse response, double costUsd) {}

  private final Budget budget;
  private final ModelProviders models;
  private final Pricing pricing;

  MeteredModel(EventBus bus, ModelProviders models, Pricing pricing) {
    this.budget = new Budget(bus);
    this.models = models;
    this.pricing = pricing;
  }

  Future<Answer> call(ChatRequest request, String projectId, String taskId, String purpose) {
    return reserve(request, projectId, taskId, purpose).compose(reservationId -> models.chat(request).transform(ar -> {
      if (ar.failed()) {
        return budget.release(reservationId).transform(v -> Future.<Answer>failedFuture(ar.cause()));
      }
      ChatResponse response = ar.result();
      double cost = pricing.cost(response.model(), response.usage()).doubleValue();
      UsageRecord usage = new UsageRecord(Ids.hex32(), reservationId, projectId, taskId, response.provider(),
          response.model(), response.usage().totalInput(), response.usage().output(), cost, purpose);
      return budget.record(usage).map(recorded -> new Answer(response, cost));
    }));
  }

  Pricing pricing() {
    return pricing;
  }

  private Future<String> reserve(ChatRequest request, String projectId, String taskId, String purpose) {
    if (!pricing.has(request.model())) {
      return Future.succeededFuture(null);
    }
    long inputEstimate = 200 + (request.system() == null ? 0 : request.system().length() / 4)
        + request.messages().stream().mapToLong(m -> m.toString().length() / 4).sum();
    double estimate = pricing.estimate(request.model(), inputEstimate, request.maxTokens()).doubleValue();
    return budget.reserve(new ReserveRequest(estimate, projectId, taskId, purpose, null));
  }

}
