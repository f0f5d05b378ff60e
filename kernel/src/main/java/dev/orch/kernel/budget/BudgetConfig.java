package dev.orch.kernel.budget;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The spending limits of API.md §13, from the {@code budget} section of the configuration.
 *
 * @param dailyLimitUsd {@code budget.daily_limit_usd}: spend per UTC day
 * @param monthlyLimitUsd {@code budget.monthly_limit_usd}: spend per UTC month
 * @param projectLimitUsd {@code budget.per_project_limit_usd}: a project's spend over its whole life
 * @param warnAtPct {@code budget.warn_at_pct}: the percentage of a limit at which status reports a warning
 * @param reservationTtl {@code budget.reservation_ttl_sec}: how long a reservation holds budget when
 *     its spend is never recorded nor released (the caller crashed, or a call's outcome is unknown)
 * @param userDailyLimitUsd {@code budget.per_user_daily_limit_usd}: what one user's projects may spend
 *     per UTC day, or null for no such limit
 * @param externalOverrunFactor {@code budget.external_overrun_factor}: an external agent's claim holds
 *     its task's estimate times this, and a result that reports more is refused
 */
public record BudgetConfig(
    double dailyLimitUsd,
    double monthlyLimitUsd,
    double projectLimitUsd,
    double warnAtPct,
    Duration reservationTtl,
    Double userDailyLimitUsd,
    double externalOverrunFactor) {
  public static final double DEFAULT_DAILY_LIMIT_USD = 5.0;
  public static final double DEFAULT_MONTHLY_LIMIT_USD = 50.0;
  public static final double DEFAULT_PROJECT_LIMIT_USD = 10.0;
  public static final double DEFAULT_WARN_AT_PCT = 80;
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofMinutes(10);
  public static final double DEFAULT_EXTERNAL_OVERRUN_FACTOR = 2.0;

  /** The limits alone, with the other settings at their defaults (for tests and tools). */
  public BudgetConfig(double dailyLimitUsd, double monthlyLimitUsd, double projectLimitUsd, double warnAtPct,
      Duration reservationTtl) {
    this(dailyLimitUsd, monthlyLimitUsd, projectLimitUsd, warnAtPct, reservationTtl, null,
        DEFAULT_EXTERNAL_OVERRUN_FACTOR);
  }

  public BudgetConfig {
    requireLimit("budget.daily_limit_usd", dailyLimitUsd);
    requireLimit("budget.monthly_limit_usd", monthlyLimitUsd);
    requireLimit("budget.per_project_limit_usd", projectLimitUsd);
    if (!Double.isFinite(warnAtPct) || warnAtPct < 0 || warnAtPct > 100) {
      throw new ConfigException("budget.warn_at_pct must be between 0 and 100, got " + warnAtPct);
    }
    if (reservationTtl == null || reservationTtl.isNegative() || reservationTtl.isZero()) {
      throw new ConfigException("budget.reservation_ttl_sec must be > 0, got " + reservationTtl);
    }
    if (userDailyLimitUsd != null) {
      requireLimit("budget.per_user_daily_limit_usd", userDailyLimitUsd);
    }
    if (!Double.isFinite(externalOverrunFactor) || externalOverrunFactor < 1) {
      throw new ConfigException("budget.external_overrun_factor must be >= 1, got " + externalOverrunFactor);
    }
  }

  /** Reads {@code budget.*} from the layered configuration JSON; missing keys take the defaults. */
  public static BudgetConfig from(JsonObject raw) {
    Object section = raw.getValue("budget");
    if (section != null && !(section instanceof JsonObject)) {
      throw new ConfigException("budget must be an object, got " + section);
    }
    JsonObject budget = section == null ? new JsonObject() : (JsonObject) section;
    double ttlSeconds = number(budget, "reservation_ttl_sec", DEFAULT_RESERVATION_TTL.toSeconds());
    if (ttlSeconds <= 0) {
      throw new ConfigException("budget.reservation_ttl_sec must be > 0, got " + ttlSeconds);
    }
    return new BudgetConfig(
        number(budget, "daily_limit_usd", DEFAULT_DAILY_LIMIT_USD),
        number(budget, "monthly_limit_usd", DEFAULT_MONTHLY_LIMIT_USD),
        number(budget, "per_project_limit_usd", DEFAULT_PROJECT_LIMIT_USD),
        number(budget, "warn_at_pct", DEFAULT_WARN_AT_PCT),
        Duration.ofMillis(Math.round(ttlSeconds * 1000)),
        budget.getValue("per_user_daily_limit_usd") == null ? null : number(budget, "per_user_daily_limit_usd", 0),
        number(budget, "external_overrun_factor", DEFAULT_EXTERNAL_OVERRUN_FACTOR));
  }

  private static double number(JsonObject budget, String key, double fallback) {
    Object value = budget.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
      return n.doubleValue();
    }
    throw new ConfigException("budget." + key + " must be a number, got " + value);
  }

  private static void requireLimit(String key, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new ConfigException(key + " must be >= 0, got " + value);
    }
  }
}
