package dev.orch.kernel.budget;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The calling side of {@link BudgetAddresses}, for every component that spends money on a model. */
public final class Budget {
  private static final Logger LOG = LoggerFactory.getLogger(Budget.class);
  static final long TIMEOUT_MS = 10_000;

  private final EventBus bus;

  public Budget(EventBus bus) {
    this.bus = bus;
  }

  /**
   * Holds {@code request.amountUsd()} against the limits.
   *
   * @return the reservation id, or null when nothing needed holding; fails with a 402
   *     {@link ReplyException} when a limit is reached (see {@link #refused})
   */
  public Future<String> reserve(ReserveRequest request) {
    return bus.<JsonObject>request(BudgetAddresses.RESERVE, request.toJson(), delivery())
        .map(reply -> reply.body().getString("reservation_id"));
  }

  /** Stores one call's spend; the reply is {@code {"usage_id", "duplicate"}}. */
  public Future<JsonObject> record(UsageRecord usage) {
    return bus.<JsonObject>request(BudgetAddresses.RECORD, usage.toJson(), delivery()).map(Message::body);
  }

  /**
   * Gives a reservation back; a null id does nothing. Never fails: a reservation that could not be
   * released expires by itself, holding budget only a little longer.
   */
  public Future<Void> release(String reservationId) {
    if (reservationId == null) {
      return Future.succeededFuture();
    }
    return bus.request(BudgetAddresses.RELEASE, new JsonObject().put("reservation_id", reservationId), delivery())
        .<Void>mapEmpty()
        .otherwise(err -> {
          LOG.warn("reservation not released [reservation: {}, reason: {}]", reservationId, err.getMessage());
          return null;
        });
  }

  /** The live reservation {@code taskId} holds for {@code purpose}: {@code {"reservation_id", "amount_usd"}}. */
  public Future<JsonObject> held(String taskId, String purpose) {
    return bus.<JsonObject>request(BudgetAddresses.HELD, new JsonObject().put("task_id", taskId).put("purpose", purpose),
        delivery()).map(Message::body);
  }

  /** True when {@code err} is the budget's refusal of a reservation. */
  public static boolean refused(Throwable err) {
    return err instanceof ReplyException re && re.failureCode() == 402;
  }

  /** The limit that refused a reservation, from its 402; null for any other failure. */
  public static BudgetLimit limit(Throwable err) {
    if (!refused(err)) {
      return null;
    }
    for (BudgetLimit limit : BudgetLimit.values()) {
      if (limit.message().equals(err.getMessage())) {
        return limit;
      }
    }
    return null;
  }

  private static DeliveryOptions delivery() {
    return new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
  }
}
