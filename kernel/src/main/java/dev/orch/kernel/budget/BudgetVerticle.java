package dev.orch.kernel.budget;

import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget component on the bus: the four addresses of {@link BudgetAddresses}, and a periodic
 * sweep of expired reservations that announces the freed budget. It keeps no state of its own, so
 * any number of instances on any nodes may run against the same database.
 */
public final class BudgetVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(BudgetVerticle.class);
  /** Expired reservations already count for nothing; the sweep only tidies and wakes waiters. */
  private static final long MAX_SWEEP_INTERVAL_MS = 60_000;

  private final BudgetConfig config;
  private final BudgetLedger ledger;

  public BudgetVerticle(BudgetConfig config, Db db, Clock clock) {
    this.config = config;
    this.ledger = new BudgetLedger(config, db, clock);
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    var reserve = bus.<Object>consumer(BudgetAddresses.RESERVE, this::onReserve);
    var record = bus.<Object>consumer(BudgetAddresses.RECORD, this::onRecord);
    var release = bus.<Object>consumer(BudgetAddresses.RELEASE, this::onRelease);
    var status = bus.<Object>consumer(BudgetAddresses.STATUS, this::onStatus);
    var held = bus.<Object>consumer(BudgetAddresses.HELD, this::onHeld);
    long interval = Math.max(1_000, Math.min(MAX_SWEEP_INTERVAL_MS, config.reservationTtl().toMillis()));
    vertx.setPeriodic(interval, id -> sweep());
    return Future.all(List.of(reserve.completion(), record.completion(), release.completion(), status.completion(),
            held.completion()))
        .onSuccess(v -> LOG.info("budget listening [addresses: {}, daily: {}, monthly: {}, per project: {}]",
            String.join(", ", BudgetAddresses.RESERVE, BudgetAddresses.RECORD, BudgetAddresses.RELEASE,
                BudgetAddresses.STATUS, BudgetAddresses.HELD), config.dailyLimitUsd(), config.monthlyLimitUsd(), config.projectLimitUsd()));
  }

  private void onReserve(Message<Object> msg) {
    body(msg).map(ReserveRequest::fromJson)
        .compose(ledger::reserve)
        .onSuccess(reservation -> msg.reply(reservation.toJson()))
        .onFailure(err -> Failures.reply(msg, err));
  }

  private void onRecord(Message<Object> msg) {
    body(msg).map(UsageRecord::fromJson)
        .compose(usage -> ledger.record(usage).map(recorded -> recorded(usage, recorded)))
        .onSuccess(msg::reply)
        .onFailure(err -> Failures.reply(msg, err));
  }

  /** Announces a new spend (a resend announces nothing) and builds the reply. */
  private JsonObject recorded(UsageRecord usage, BudgetLedger.Recorded recorded) {
    if (!recorded.duplicate()) {
      publish(changed("recorded", usage.projectId()).put("cost_usd", usage.costUsd())
          .put("warning", recorded.warning()));
    }
    return new JsonObject().put("usage_id", recorded.usageId()).put("duplicate", recorded.duplicate());
  }

  private void onRelease(Message<Object> msg) {
    body(msg).map(json -> {
      String id = Bodies.text(json, "reservation_id");
      if (id == null) {
        throw OrchestratorException.badRequest("reservation_id is required");
      }
      return id;
    }).compose(ledger::release)
        .onSuccess(released -> {
          if (released.released()) {
            publish(changed("released", released.projectId()));
          }
          msg.reply(new JsonObject().put("released", released.released()));
        })
        .onFailure(err -> Failures.reply(msg, err));
  }

  private void onHeld(Message<Object> msg) {
    body(msg).compose(json -> {
      String taskId = Bodies.text(json, "task_id");
      if (taskId == null) {
        throw OrchestratorException.badRequest("task_id is required");
      }
      return ledger.held(taskId, Bodies.text(json, "purpose") == null ? "" : Bodies.text(json, "purpose"));
    }).onSuccess(r -> msg.reply(new JsonObject().put("reservation_id", r == null ? null : r.id())
        .put("amount_usd", r == null ? 0.0 : r.amountUsd())))
      .onFailure(err -> Failures.reply(msg, err));
  }

  private void onStatus(Message<Object> msg) {
    // An empty request may come as no body at all.
    Future<JsonObject> request = msg.body() == null ? Future.succeededFuture(new JsonObject()) : body(msg);
    request.compose(json -> {
      Double amount = Bodies.number(json, "amount_usd");
      return ledger.status(Bodies.text(json, "project_id"), amount == null ? 0 : amount);
    }).onSuccess(msg::reply).onFailure(err -> Failures.reply(msg, err));
  }

  /** Runs on a timer; a failed round is logged and the next one tries again. */
  private void sweep() {
    ledger.sweep()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("expired reservations swept [count: {}]", n);
            publish(changed("expired", null));
          }
        })
        .onFailure(err -> LOG.warn("reservation sweep failed", err));
  }

  /** The body of {@link BudgetAddresses#CHANGED}. */
  private static JsonObject changed(String reason, String projectId) {
    return new JsonObject().put("reason", reason).put("project_id", projectId);
  }

  private void publish(JsonObject event) {
    vertx.eventBus().publish(BudgetAddresses.CHANGED, event);
  }

  private static Future<JsonObject> body(Message<Object> msg) {
    if (msg.body() instanceof JsonObject json) {
      return Future.succeededFuture(json);
    }
    return Future.failedFuture(OrchestratorException.badRequest("the body must be a JSON object"));
  }
}
