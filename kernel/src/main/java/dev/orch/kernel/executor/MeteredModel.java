package dev.orch.kernel.executor;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.model.ChatResponse;
import dev.orch.kernel.model.ModelException;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Usage;
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
  /** A call's answer, what it cost, and its spend as recorded (or, from {@link #callUnrecorded}, to record). */
  record Answer(ChatResponse response, double costUsd, UsageRecord usage) {}

  /** Message Batches are billed at half the Messages API's price. */
  static final java.math.BigDecimal BATCH_PRICE_FACTOR = new java.math.BigDecimal("0.5");

  private final Budget budget;
  private final ModelProviders models;
  private final Pricing pricing;
  private final java.util.function.Function<ChatRequest, Future<ChatResponse>> chat;
  private final java.math.BigDecimal priceFactor;

  MeteredModel(EventBus bus, ModelProviders models, Pricing pricing) {
    this(new Budget(bus), models, pricing, models::chat, java.math.BigDecimal.ONE);
  }

  private MeteredModel(Budget budget, ModelProviders models, Pricing pricing,
      java.util.function.Function<ChatRequest, Future<ChatResponse>> chat, java.math.BigDecimal priceFactor) {
    this.budget = budget;
    this.models = models;
    this.pricing = pricing;
    this.chat = chat;
    this.priceFactor = priceFactor;
  }

  /**
   * The same metering with the calls sent through Anthropic's Message Batches API and priced at
   * half; empty when the providers have no batch client.
   */
  java.util.Optional<MeteredModel> batched() {
    return models.batches().map(b -> new MeteredModel(budget, models, pricing, b::chat, BATCH_PRICE_FACTOR));
  }

  /** True when {@code model}'s calls can go through a batch. */
  boolean batchable(String model) {
    return models.batchable(model);
  }

  /** Reserves, calls and records. */
  Future<Answer> call(ChatRequest request, String projectId, String taskId, String purpose) {
    return callUnrecorded(request, projectId, taskId, purpose, null)
        .compose(answer -> budget.record(answer.usage()).map(recorded -> answer));
  }

  /**
   * Reserves (unless {@code held} is a reservation already taken for this call), calls, and leaves
   * the spend to the caller to record, with {@link #record} or inside a unit of its own (a task's
   * last call is recorded in the transaction that completes the task). A failed call releases the
   * reservation, except when its outcome is unknown ({@link ModelException#outcomeUnknown()}): the
   * provider may have billed it, so the hold keeps counting until it expires.
   */
  Future<Answer> callUnrecorded(ChatRequest request, String projectId, String taskId, String purpose, String held) {
    Future<String> reserved = held != null ? Future.succeededFuture(held) : reserve(request, projectId, taskId, purpose);
    return reserved.compose(reservationId -> chat.apply(request).transform(ar -> {
      if (ar.failed()) {
        if (ar.cause() instanceof ModelException me && me.outcomeUnknown()) {
          return Future.<Answer>failedFuture(ar.cause());
        }
        return budget.release(reservationId).transform(v -> Future.<Answer>failedFuture(ar.cause()));
      }
      ChatResponse response = ar.result();
      double cost = pricing.cost(response.model(), response.usage()).multiply(priceFactor)
          .setScale(Pricing.SCALE, java.math.RoundingMode.HALF_EVEN).doubleValue();
      UsageRecord usage = new UsageRecord(Ids.hex32(), reservationId, projectId, taskId, response.provider(),
          response.model(), response.usage().totalInput(), response.usage().output(), cost, purpose);
      return Future.succeededFuture(new Answer(response, cost, usage));
    }));
  }

  Future<Void> record(UsageRecord usage) {
    return budget.record(usage).mapEmpty();
  }

  Future<Void> release(String reservationId) {
    return budget.release(reservationId);
  }

  Pricing pricing() {
    return pricing;
  }

  /**
   * The reservation for a call of {@code model} with about {@code inputChars} characters of prompt
   * and up to {@code maxTokens} of answer; null for a model without a price (local models).
   */
  ReserveRequest estimate(String model, long inputChars, int maxTokens, String projectId, String taskId,
      String purpose) {
    return estimate(pricing, model, inputChars, maxTokens, projectId, taskId, purpose);
  }

  /** As {@link #estimate(String, long, int, String, String, String)}, at {@code pricing}'s prices. */
  static ReserveRequest estimate(Pricing pricing, String model, long inputChars, int maxTokens, String projectId,
      String taskId, String purpose) {
    if (!pricing.has(model)) {
      return null;
    }
    double amount = pricing.estimate(model, 200 + inputChars / 4, maxTokens).doubleValue();
    return new ReserveRequest(amount, projectId, taskId, purpose, null);
  }

  /**
   * The reservation for a call whose prompt opens with a cacheable prefix of about {@code prefixChars}
   * characters, followed by about {@code restChars} more: when the prefix reaches the model's minimum
   * cacheable length it is priced as a cache read when {@code warm} (a call on the same prefix went out
   * within the cache's lifetime), as a cache write otherwise; null for a model without a price.
   */
  static ReserveRequest estimate(Pricing pricing, String model, long prefixChars, boolean warm, long restChars,
      int maxTokens, String projectId, String taskId, String purpose) {
    if (!pricing.has(model)) {
      return null;
    }
    long prefix = prefixChars / 4;
    long rest = 200 + restChars / 4;
    Usage usage = prefix < pricing.minCacheTokens(model) ? new Usage(prefix + rest, maxTokens, 0, 0)
        : warm ? new Usage(rest, maxTokens, 0, prefix) : new Usage(rest, maxTokens, prefix, 0);
    return new ReserveRequest(pricing.cost(model, usage).doubleValue(), projectId, taskId, purpose, null);
  }

  /** A batch may take up to 24 hours: its holds last a little longer, so that a result still finds its hold. */
  static final double BATCH_HOLD_SECONDS = 25 * 3600;

  /**
   * {@code request} for a call priced at {@code factor}: below 1 (a batch), the amount times it and a
   * hold that outlasts the batch; null stays null.
   */
  static ReserveRequest scaled(ReserveRequest request, java.math.BigDecimal factor) {
    if (request == null || factor.compareTo(java.math.BigDecimal.ONE) == 0) {
      return request;
    }
    return new ReserveRequest(java.math.BigDecimal.valueOf(request.amountUsd()).multiply(factor).doubleValue(),
        request.projectId(), request.taskId(), request.purpose(), BATCH_HOLD_SECONDS);
  }

  private Future<String> reserve(ChatRequest request, String projectId, String taskId, String purpose) {
    // A later call of a task repeats the prefix its first call just wrote: expected as a cache read.
    long prefixChars = request.system().length() + request.sharedContext().length()
        + request.tools().stream().mapToLong(t -> t.name().length() + t.description().length()
            + t.parameters().encode().length()).sum();
    long restChars = request.taskContext().length()
        + request.messages().stream().mapToLong(m -> m.toString().length()).sum();
    ReserveRequest req = scaled(estimate(pricing, request.model(), prefixChars, true, restChars, request.maxTokens(),
        projectId, taskId, purpose), priceFactor);
    return req == null ? Future.succeededFuture(null) : budget.reserve(req);
  }

}
