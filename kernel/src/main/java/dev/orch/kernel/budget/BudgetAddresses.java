package dev.orch.kernel.budget;

/**
 * Event-bus contract of the budget component (API.md §13). Bodies are {@code JsonObject}s with
 * snake_case fields, so the contract holds across a cluster; {@link ReserveRequest} and
 * {@link UsageRecord} build and read the two larger requests. Amounts are USD as JSON numbers,
 * times are epoch seconds.
 *
 * <p>Failures are {@code ReplyException}s whose failure code is an HTTP status: 400 for a malformed
 * body, 402 when a limit is reached, 500 for anything unexpected (text hidden). Requests should set
 * a send timeout; {@link #RECORD} and {@link #RELEASE} tolerate a resend.
 */
public final class BudgetAddresses {
  /**
   * Holds budget for one model call before it is made. Request {@link ReserveRequest}:
   * {@code {"amount_usd": number, "project_id"?: string, "task_id"?: string, "purpose"?: string,
   * "ttl_seconds"?: number}}. In one serialised transaction, spent + live reservations + amount is
   * checked against the daily and monthly limits and, with a project id, the project's limit
   * (API.md §18.1 decision 23: planning passes its project too) and its owner's
   * {@code budget.per_user_daily_limit_usd} when one is set.
   *
   * <p>Reply {@code {"reservation_id": string|null, "amount_usd": number, "expires_at": ts|null}};
   * the id is null when nothing needed holding ({@code amount_usd <= 0} always succeeds). Fails 402
   * {@code Daily budget limit reached}, {@code Monthly budget limit reached},
   * {@code Project budget limit reached} or {@code User daily budget limit reached} ({@link BudgetLimit}); 400 when {@code amount_usd} is missing or not a number.
   * The reservation holds until {@link #RECORD} or {@link #RELEASE} names it, or it expires
   * ({@code budget.reservation_ttl_sec}, or {@code ttl_seconds}).
   */
  public static final String RESERVE = "orch.budget.reserve";

  /**
   * Stores the spend of one model call. Request {@link UsageRecord}: {@code {"call_id"?: string,
   * "reservation_id"?: string, "project_id"?: string, "task_id"?: string, "provider": string,
   * "model": string, "prompt_tokens": int, "completion_tokens": int, "cost_usd": number,
   * "purpose"?: string}}. In one transaction: the {@code usage_log} row, the daily and monthly
   * {@code budget_periods} totals, and the deletion of the named reservation. A project or task that
   * no longer exists is stored as null (API.md §18.4); recording never fails on a limit, since the
   * money is already spent.
   *
   * <p>Reply {@code {"usage_id": int, "duplicate": bool}}. Idempotent by {@code call_id}: a resend
   * with a known call id changes nothing and replies {@code duplicate: true} with the first row's id.
   * Fails 400 on a malformed body. Publishes {@link #CHANGED}.
   */
  public static final String RECORD = "orch.budget.record";

  /**
   * Gives a reservation back unused (the call failed or was not made). Request
   * {@code {"reservation_id": string}}; reply {@code {"released": bool}}, false when it was already
   * gone (recorded, released or expired), so a resend is harmless. Fails 400 without an id.
   * Publishes {@link #CHANGED} when something was released.
   */
  public static final String RELEASE = "orch.budget.release";

  /**
   * The live reservation a task holds for a purpose (an external agent's claim holds one for its
   * whole work). Request {@code {"task_id": string, "purpose": string}}; reply
   * {@code {"reservation_id": string|null, "amount_usd": number}} (null and 0 when none is live).
   * Fails 400 without a task id.
   */
  public static final String HELD = "orch.budget.held";

  /**
   * Current spend against the limits. Request {@code {"project_id"?: string, "amount_usd"?: number}}
   * (an empty object is fine). Reply: the {@code BudgetStatus} of API.md §4 ({@code daily_spent_usd}
   * (4 dp), {@code daily_limit_usd}, {@code daily_pct} (1 dp), {@code monthly_spent_usd},
   * {@code monthly_limit_usd}, {@code monthly_pct}) plus {@code reserved_usd} (live reservations, 4 dp),
   * {@code warning} (a percentage has reached {@code budget.warn_at_pct}) and {@code can_spend}
   * (spent + {@code amount_usd} fits every limit, reservations not counted, as the original's "can
   * spend" check; always true for an amount &lt;= 0). With a project id it adds {@code project_id},
   * {@code project_spent_usd} (the sum of its usage rows, 4 dp), {@code project_limit_usd},
   * {@code project_pct} and {@code project_reserved_usd}, and the project's percentage counts for
   * {@code warning}. Fails 400 when a field has the wrong type.
   */
  public static final String STATUS = "orch.budget.status";

  /**
   * Published after budget was freed or spent, so that a waiting dispatcher can look again. Body
   * {@code {"reason": "recorded"|"released"|"expired", "project_id": string|null}}; for
   * {@code recorded} also {@code "cost_usd": number} and {@code "warning": bool} (the daily or
   * monthly spend has reached {@code budget.warn_at_pct} after this call). Best effort: a missed
   * event only delays work until the dispatcher's safety tick.
   */
  public static final String CHANGED = "orch.budget.changed";

  private BudgetAddresses() {}
}
