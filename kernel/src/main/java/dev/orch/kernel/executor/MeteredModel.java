package dev.orch.kernel.executor;

import dev.orch.kernel.budget.BudgetAddresses;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.model.ChatResponse;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/**
 * A model call inside the budget: a reservation of the estimated cost first (refused with a 402
 * {@link ReplyException} when a limit is reached), the call, then the actual spend recorded against
 * that reservation, or the reservation released when the call failed. Calls to unpriced local
 * models reserve nothing.
 */
final class MeteredModel {
  private static final long BUDGET_TIMEOUT_MS = 10_000;

  /** A call's answer and what it cost. */
  record Answer(ChatResponse response, double costUsd) {}

  private final EventBus bus;
  private final ModelProviders models;
  private final Pricing pricing;

  MeteredModel(EventBus bus, ModelProviders models, Pricing pricing) {
    this.bus = bus;
    this.models = models;
    this.pricing = pricing;
  }

  Future<Answer> call(ChatRequest request, String projectId, String taskId, String purpose) {
    return reserve(request, projectId, taskId, purpose).compose(reservationId -> models.chat(request).transform(ar -> {
      if (ar.failed()) {
        return release(reservationId).transform(v -> Future.<Answer>failedFuture(ar.cause()));
      }
      ChatResponse response = ar.result();
      double cost = pricing.cost(response.model(), response.usage()).doubleValue();
      UsageRecord usage = new UsageRecord(Ids.hex32(), reservationId, projectId, taskId, response.provider(),
          response.model(), response.usage().totalInput(), response.usage().output(), cost, purpose);
      return bus.request(BudgetAddresses.RECORD, usage.toJson(), new DeliveryOptions().setSendTimeout(BUDGET_TIMEOUT_MS))
          .map(recorded -> new Answer(response, cost));
    }));
  }

  Pricing pricing() {
    return pricing;
  }

  /** True when {@code err} is the budget's refusal of a reservation. */
  static boolean budgetRefusal(Throwable err) {
    return err instanceof ReplyException re && re.failureCode() == 402;
  }

  private Future<String> reserve(ChatRequest request, String projectId, String taskId, String purpose) {
    if (!pricing.has(request.model())) {
      return Future.succeededFuture(null);
    }
    long inputEstimate = 200 + (request.system() == null ? 0 : request.system().length() / 4)
        + request.messages().stream().mapToLong(m -> m.toString().length() / 4).sum();
    double estimate = pricing.estimate(request.model(), inputEstimate, request.maxTokens()).doubleValue();
    return bus.<JsonObject>request(BudgetAddresses.RESERVE, new ReserveRequest(estimate, projectId, taskId, purpose, null)
            .toJson(), new DeliveryOptions().setSendTimeout(BUDGET_TIMEOUT_MS))
        .map(reply -> reply.body().getString("reservation_id"));
  }

  private Future<Void> release(String reservationId) {
    if (reservationId == null) {
      return Future.succeededFuture();
    }
    return bus.request(BudgetAddresses.RELEASE, new JsonObject().put("reservation_id", reservationId),
        new DeliveryOptions().setSendTimeout(BUDGET_TIMEOUT_MS)).<Void>mapEmpty().otherwise((Void) null);
  }
}
