package dev.orch.kernel.budget;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Sql;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reservations and spend against the limits (API.md §13), with the database as the only state: every
 * decision reads spend and live reservations inside the transaction that writes, under the lock of
 * {@link BudgetRepository#LOCK_TABLE}, so the limits hold for any number of callers, nodes and
 * restarts.
 */
public final class BudgetLedger {
  private static final Logger LOG = LoggerFactory.getLogger(BudgetLedger.class);

  private final BudgetConfig config;
  private final Db db;
  private final Clock clock;
  private final BudgetRepository repo = new BudgetRepository();

  public BudgetLedger(BudgetConfig config, Db db, Clock clock) {
    this.config = config;
    this.db = db;
    this.clock = clock;
  }

  /** What {@link BudgetAddresses#RESERVE} replies. */
  public record Reservation(String id, double amountUsd, Double expiresAt) {
    JsonObject toJson() {
      return new JsonObject().put("reservation_id", id).put("amount_usd", amountUsd).put("expires_at", expiresAt);
    }
  }

  /** What {@link #record} stored; {@code warning} is whether a period has reached the warning level. */
  public record Recorded(long usageId, boolean duplicate, boolean warning) {}

  /** A released reservation's project, when something was released. */
  record Released(boolean released, String projectId) {}

  /**
   * Holds {@code req.amountUsd()} when it fits every applicable limit; fails with 402 naming the
   * first limit it does not fit. Completes once the hold is durable: a model call goes out only
   * after its hold would survive a crash, so budget held by a call whose outcome a crash left unknown
   * keeps counting until the hold expires.
   */
  Future<Reservation> reserve(ReserveRequest req) {
    if (req.amountUsd() <= 0) {
      return Future.succeededFuture(new Reservation(null, req.amountUsd(), null));
    }
    return db.group().submit(sql -> {
      Hold held = hold(sql, req);
      if (held.reservation() == null) {
        throw OrchestratorException.budgetExhausted(held.refused().message());
      }
      return held.reservation();
    });
  }

  /**
   * A hold taken, or the limit that refused it (then nothing was written). {@code exhausted} is the
   * original's budget gate: the daily or monthly spend cannot take another $0.001, so no call of
   * any project's paid tiers can run and dispatchers pause the project; otherwise a refused task
   * only waits (API.md §11.2).
   */
  public record Hold(Reservation reservation, BudgetLimit refused, boolean exhausted) {}

  /** The spend that makes the budget gate close. */
  private static final double GATE_USD = 0.001;

  /**
   * {@link #reserve} inside a unit of the caller's (a dispatch pass holds the first call's budget
   * in the transaction that claims the task). Takes the budget's lock where the database needs one.
   */
  public Hold hold(Sql sql, ReserveRequest req) throws java.sql.SQLException {
    if (req.amountUsd() <= 0) {
      return new Hold(new Reservation(null, req.amountUsd(), null), null, false);
    }
    lock(sql);
    double now = Times.now(clock);
    double ttl = req.ttlSeconds() != null ? req.ttlSeconds() : config.reservationTtl().toMillis() / 1000.0;
    repo.deleteExpired(sql, now);
    BudgetRepository.Totals totals = repo.totals(sql, dayKey(), monthKey(), req.projectId(), now);
    BudgetLimit refused = refusal(sql, totals, req, now);
    if (refused != null) {
      LOG.info("reservation refused [project: {}, task: {}, amount: {}, limit: {}]", req.projectId(), req.taskId(),
          req.amountUsd(), refused);
      boolean exhausted = !Money.fits(config.dailyLimitUsd(), totals.dailySpent(), GATE_USD)
          || !Money.fits(config.monthlyLimitUsd(), totals.monthlySpent(), GATE_USD);
      return new Hold(null, refused, exhausted);
    }
    Reservation reservation = new Reservation(Ids.hex32(), req.amountUsd(), now + ttl);
    repo.insertReservation(sql, reservation.id(), req, now, reservation.expiresAt());
    LOG.debug("budget reserved [reservation: {}, project: {}, amount: {}]", reservation.id(), req.projectId(),
        req.amountUsd());
    return new Hold(reservation, null, false);
  }

  /**
   * Stores one call's spend, its period totals and the end of its reservation in one transaction.
   * A known call id changes nothing. Completes once durable, so an answer that reports the spend
   * (a plan's cost, an external result) never runs ahead of it, on any database.
   */
  Future<Recorded> record(UsageRecord usage) {
    return db.group().submit(sql -> record(sql, usage));
  }

  /**
   * {@link #record} inside a unit of the caller's (a task's completion records its last call's
   * spend in the transaction that stores its result). Under the reservation lock too: a
   * reservation's check must see either this spend or its hold, never neither.
   */
  public Recorded record(Sql sql, UsageRecord usage) throws java.sql.SQLException {
    lock(sql);
    double now = Times.now(clock);
    String dayKey = dayKey();
    String monthKey = monthKey();
    String callId = usage.callId() != null ? usage.callId() : Ids.hex32();
    Long existing = repo.usageIdByCall(sql, callId);
    if (existing != null) {
      LOG.info("usage already recorded [call: {}, usage: {}]", callId, existing);
      return new Recorded(existing, true, false);
    }
    repo.insertUsage(sql, usage, callId, now);
    repo.addToPeriod(sql, dayKey, "daily", usage);
    repo.addToPeriod(sql, monthKey, "monthly", usage);
    if (usage.reservationId() != null) {
      repo.deleteReservation(sql, usage.reservationId());
    }
    BudgetRepository.Totals t = repo.totals(sql, dayKey, monthKey, null, now);
    long id = repo.usageIdByCall(sql, callId);
    warnOnCrossing("daily", t.dailySpent(), usage.costUsd(), config.dailyLimitUsd());
    warnOnCrossing("monthly", t.monthlySpent(), usage.costUsd(), config.monthlyLimitUsd());
    return new Recorded(id, false, warning(t.dailySpent(), config.dailyLimitUsd())
        || warning(t.monthlySpent(), config.monthlyLimitUsd()));
  }

  /** Deletes a reservation; released is false when it was already gone. */
  Future<Released> release(String reservationId) {
    return db.group().submit(sql -> {
      Sql.Rec row = repo.reservation(sql, reservationId);
      if (row == null) {
        return new Released(false, null);
      }
      return new Released(repo.deleteReservation(sql, reservationId), row.getString("project_id"));
    });
  }

  /**
   * Takes the budget's lock where the database needs one (PostgreSQL: other nodes write the same
   * tables), so a check and its write are one step; held until the group commits.
   */
  private void lock(Sql sql) throws java.sql.SQLException {
    String lock = db.dialect().lockTable(BudgetRepository.LOCK_TABLE);
    if (lock != null) {
      sql.update(lock);
    }
  }

  /** The newest live reservation {@code taskId} holds for {@code purpose}, or null. */
  Future<Reservation> held(String taskId, String purpose) {
    double now = Times.now(clock);
    return db.group().submitVisible(sql -> {
      Sql.Rec row = repo.held(sql, taskId, purpose, now);
      return row == null ? null : new Reservation(row.getString("id"), row.getDouble("amount_usd"), null);
    });
  }

  /** Deletes expired reservations; returns how many. */
  Future<Integer> sweep() {
    double now = Times.now(clock);
    return db.group().submit(sql -> repo.deleteExpired(sql, now));
  }

  /** The reply of {@link BudgetAddresses#STATUS}. */
  Future<JsonObject> status(String projectId, double amountUsd) {
    double now = Times.now(clock);
    String dayKey = dayKey();
    String monthKey = monthKey();
    return db.group().submitVisible(sql -> repo.totals(sql, dayKey, monthKey, projectId, now)).map(t -> {
      double dailyPct = Money.pct(t.dailySpent(), config.dailyLimitUsd());
      double monthlyPct = Money.pct(t.monthlySpent(), config.monthlyLimitUsd());
      boolean warning = warning(t.dailySpent(), config.dailyLimitUsd())
          || warning(t.monthlySpent(), config.monthlyLimitUsd());
      // The original's "can spend" check: spend only, so that budget held by running calls does not
      // make a dispatcher pause a project; the reservation itself is the hard stop.
      boolean canSpend = amountUsd <= 0 || (Money.fits(config.dailyLimitUsd(), t.dailySpent(), amountUsd)
          && Money.fits(config.monthlyLimitUsd(), t.monthlySpent(), amountUsd)
          && (projectId == null || Money.fits(config.projectLimitUsd(), t.projectSpent(), amountUsd)));
      JsonObject status = new JsonObject()
          .put("daily_spent_usd", Money.round(t.dailySpent(), 4))
          .put("daily_limit_usd", config.dailyLimitUsd())
          .put("daily_pct", dailyPct)
          .put("monthly_spent_usd", Money.round(t.monthlySpent(), 4))
          .put("monthly_limit_usd", config.monthlyLimitUsd())
          .put("monthly_pct", monthlyPct)
          .put("reserved_usd", Money.round(t.reserved(), 4));
      if (projectId != null) {
        double projectPct = Money.pct(t.projectSpent(), config.projectLimitUsd());
        warning = warning || warning(t.projectSpent(), config.projectLimitUsd());
        status.put("project_id", projectId)
            .put("project_spent_usd", Money.round(t.projectSpent(), 4))
            .put("project_limit_usd", config.projectLimitUsd())
            .put("project_pct", projectPct)
            .put("project_reserved_usd", Money.round(t.projectReserved(), 4));
      }
      return status.put("warning", warning).put("can_spend", canSpend);
    });
  }

  /** The first limit {@code req} does not fit, or null when it fits all. */
  private BudgetLimit refusal(Sql sql, BudgetRepository.Totals t, ReserveRequest req, double now)
      throws java.sql.SQLException {
    if (!Money.fits(config.dailyLimitUsd(), t.dailySpent(), t.reserved(), req.amountUsd())) {
      return BudgetLimit.DAILY;
    }
    if (!Money.fits(config.monthlyLimitUsd(), t.monthlySpent(), t.reserved(), req.amountUsd())) {
      return BudgetLimit.MONTHLY;
    }
    if (req.projectId() != null
        && !Money.fits(config.projectLimitUsd(), t.projectSpent(), t.projectReserved(), req.amountUsd())) {
      return BudgetLimit.PROJECT;
    }
    if (config.userDailyLimitUsd() != null && req.projectId() != null) {
      double[] user = repo.userTotals(sql, req.projectId(), dayStart(), now);
      if (!Money.fits(config.userDailyLimitUsd(), user[0], user[1], req.amountUsd())) {
        return BudgetLimit.USER;
      }
    }
    return null;
  }

  /** True when {@code spent} has reached {@code budget.warn_at_pct} of a limit; a zero limit never warns. */
  private boolean warning(double spent, double limit) {
    if (limit <= 0) {
      return false;
    }
    // Money.pct rounds to a tenth, which moves a value by at most 0.05: only a value this close to
    // the level needs the exact rounding (every recorded call asks, four times).
    double pct = spent / limit * 100;
    if (Math.abs(pct - config.warnAtPct()) > 0.1) {
      return pct > config.warnAtPct();
    }
    return Money.pct(spent, limit) >= config.warnAtPct();
  }

  /** Logs once, on the call that takes a period over the warning level. */
  private void warnOnCrossing(String period, double spentAfter, double cost, double limit) {
    if (warning(spentAfter, limit) && !warning(spentAfter - cost, limit)) {
      LOG.warn("budget warning [period: {}, spent: {}, limit: {}, warn at pct: {}]", period,
          Money.round(spentAfter, 4), limit, config.warnAtPct());
    }
  }

  /** Today's {@code budget_periods} key: the UTC date, {@code YYYY-MM-DD}. */
  private String dayKey() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
  }

  /** The start of today (UTC), in the epoch seconds of usage timestamps. */
  private double dayStart() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
  }

  /** This month's key: {@code YYYY-MM} in UTC. */
  private String monthKey() {
    return YearMonth.from(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)).toString();
  }
}
