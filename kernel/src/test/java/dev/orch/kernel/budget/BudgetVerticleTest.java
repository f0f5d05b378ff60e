package dev.orch.kernel.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The budget component on the bus, against a real database with the production schema: a fresh
 * SQLite file here, a fresh PostgreSQL schema in {@link BudgetVerticlePostgresTest}.
 */
@ExtendWith(VertxExtension.class)
class BudgetVerticleTest {
  static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(20_000);

  @TempDir Path dir;
  Vertx vertx;
  Db db;
  final MutableClock clock = new MutableClock();
  final List<JsonObject> events = new CopyOnWriteArrayList<>();

  /** The database this suite runs on; the PostgreSQL variant points it at a fresh schema. */
  protected OrchConfig.Db dbConfig() {
    return new OrchConfig.Db("jdbc:sqlite:" + dir.resolve("orch.db"), "NORMAL", 5000, 8);
  }

  @BeforeEach
  void open(Vertx vertx) throws Exception {
    this.vertx = vertx;
    db = Db.open(vertx, dbConfig()).await(60, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>consumer(BudgetAddresses.CHANGED, msg -> events.add(msg.body()))
        .completion().await();
  }

  @AfterEach
  void closeDb() throws Exception {
    db.close().await(10, TimeUnit.SECONDS);
  }

  static BudgetConfig limits(double daily, double monthly, double project) {
    return new BudgetConfig(daily, monthly, project, 80, Duration.ofMinutes(10));
  }

  String deploy(BudgetConfig config) {
    return await(vertx.deployVerticle(new BudgetVerticle(config, db, clock)));
  }

  // ---- bus helpers ----

  JsonObject request(String address, Object body) {
    return await(vertx.eventBus().<JsonObject>request(address, body, TIMEOUT).map(Message::body));
  }

  ReplyException failure(String address, Object body) {
    try {
      vertx.eventBus().request(address, body, TIMEOUT).await(30, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a ReplyException", e);
    }
    throw new AssertionError("expected " + address + " to fail");
  }

  JsonObject reserve(double amount, String projectId) {
    return request(BudgetAddresses.RESERVE, ReserveRequest.of(amount, projectId).toJson());
  }

  static UsageRecord usage(String callId, String reservationId, String projectId, double cost) {
    return new UsageRecord(callId, reservationId, projectId, null, "anthropic", "claude-haiku", 100, 50, cost, "execution");
  }

  JsonObject record(UsageRecord usage) {
    return request(BudgetAddresses.RECORD, usage.toJson());
  }

  JsonObject status(String projectId) {
    JsonObject body = new JsonObject();
    if (projectId != null) {
      body.put("project_id", projectId);
    }
    return request(BudgetAddresses.STATUS, body);
  }

  /** Sends {@code n} reservations at once and waits for every answer. */
  List<Future<JsonObject>> race(int n, double amount, String projectId) {
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      replies.add(vertx.eventBus().<JsonObject>request(BudgetAddresses.RESERVE,
          ReserveRequest.of(amount, projectId).toJson(), TIMEOUT).map(Message::body));
    }
    settle(replies);
    return replies;
  }

  /** Waits until every reply has arrived, granted or refused. */
  static void settle(List<Future<JsonObject>> replies) {
    await(Future.join(replies).otherwiseEmpty());
  }

  // ---- SQL helpers ----

  RowSet<Row> sql(String statement, Object... params) {
    return await(db.pool().preparedQuery(statement).execute(Tuple.wrap(params)));
  }

  double number(String statement, Object... params) {
    Double value = sql(statement, params).iterator().next().getDouble(0);
    return value == null ? 0 : value;
  }

  long count(String statement, Object... params) {
    return sql(statement, params).iterator().next().getLong(0);
  }

  void project(String id) {
    sql("INSERT INTO projects (id, name, requirements, created_at, updated_at) VALUES (?, ?, 'r', 1, 1)", id, "name " + id);
  }

  void ownedProject(String id, String owner) {
    if (count("SELECT COUNT(*) FROM users WHERE id = ?", owner) == 0) {
      sql("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'x', 1)", owner, owner + "@example.com");
    }
    sql("INSERT INTO projects (id, name, requirements, owner_id, created_at, updated_at) VALUES (?, ?, 'r', ?, 1, 1)",
        id, "name " + id, owner);
  }

  String dayKey() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
  }

  String monthKey() {
    return YearMonth.from(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)).toString();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Asserts how a race ended: {@code won} reservations granted, the rest refused with {@code text}. */
  void assertRace(List<Future<JsonObject>> replies, int won, String text) {
    assertThat(replies).filteredOn(Future::succeeded).hasSize(won);
    replies.stream().filter(Future::failed).forEach(f -> {
      assertThat(f.cause()).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) f.cause()).failureCode()).isEqualTo(402);
      assertThat(f.cause().getMessage()).isEqualTo(text);
    });
  }

  // ---- reservations ----

  @Test
  @DisplayName("50 reservations racing for the last 10 cents of the daily limit: exactly 10 win")
  void raceDaily() {
    deploy(limits(1.00, 100, 100));
    record(usage(null, null, null, 0.90));
    var replies = race(50, 0.01, null);
    assertRace(replies, 10, "Daily budget limit reached");
    assertThat(number("SELECT SUM(amount_usd) FROM budget_reservations")).isCloseTo(0.10, within(1e-9));
    assertThat(status(null).getDouble("reserved_usd")).isEqualTo(0.1);
  }

  @Test
  @DisplayName("50 reservations racing for the last 10 cents of the monthly limit: exactly 10 win")
  void raceMonthly() {
    deploy(limits(100, 1.00, 100));
    record(usage(null, null, null, 0.90));
    assertRace(race(50, 0.01, null), 10, "Monthly budget limit reached");
  }

  @Test
  @DisplayName("50 reservations racing for the last 10 cents of a project: exactly 10 win, other projects are unaffected")
  void raceProject() {
    deploy(limits(100, 100, 1.00));
    project("p00000000001");
    project("p00000000002");
    record(usage(null, null, "p00000000001", 0.90));
    record(usage(null, null, "p00000000002", 0.10));
    List<Future<JsonObject>> other = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      other.add(vertx.eventBus().<JsonObject>request(BudgetAddresses.RESERVE,
          ReserveRequest.of(0.1, "p00000000002").toJson(), TIMEOUT).map(Message::body));
    }
    var replies = race(50, 0.01, "p00000000001");
    settle(other);
    assertRace(replies, 10, "Project budget limit reached");
    assertThat(other).allMatch(Future::succeeded);
    assertThat(reserve(1.0, null).getString("reservation_id")).as("no project, no project limit").isNotNull();
  }

  @Test
  @DisplayName("an estimate of zero or less always succeeds and holds nothing")
  void freeEstimates() {
    deploy(limits(0, 0, 0));
    for (double amount : new double[] {0, -1}) {
      JsonObject reply = reserve(amount, "p00000000001");
      assertThat(reply.getString("reservation_id")).isNull();
      assertThat(reply.getValue("expires_at")).isNull();
    }
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.01, null).toJson()).failureCode()).isEqualTo(402);
    assertThat(count("SELECT COUNT(*) FROM budget_reservations")).isZero();
  }

  @Test
  @DisplayName("a reservation holds budget until it expires, and then counts for nothing")
  void expiry() {
    deploy(limits(1.00, 100, 100));
    JsonObject held = reserve(1.00, null);
    assertThat(held.getDouble("expires_at")).isCloseTo(clock.millis() / 1000.0 + 600, within(5.0));
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.01, null).toJson()).getMessage())
        .isEqualTo("Daily budget limit reached");
    clock.advance(Duration.ofMinutes(10).plusSeconds(1));
    assertThat(status(null).getDouble("reserved_usd")).isZero();
    assertThat(reserve(0.5, null).getString("reservation_id")).isNotNull();
    assertThat(count("SELECT COUNT(*) FROM budget_reservations")).as("the expired row was swept").isEqualTo(1);
  }

  @Test
  @DisplayName("expired reservations are swept in the background, and the freed budget is announced")
  void sweep() {
    deploy(new BudgetConfig(1.00, 100, 100, 80, Duration.ofSeconds(1)));
    reserve(0.5, null);
    clock.advance(Duration.ofSeconds(2));
    awaitEvents(1);
    assertThat(events.get(0)).isEqualTo(new JsonObject().put("reason", "expired").put("project_id", null));
    assertThat(count("SELECT COUNT(*) FROM budget_reservations")).isZero();
  }

  @Test
  @DisplayName("a reservation's own time to live overrides the configured one")
  void ownTtl() {
    deploy(limits(1.00, 100, 100));
    request(BudgetAddresses.RESERVE, new JsonObject().put("amount_usd", 1.0).put("ttl_seconds", 30));
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.5, null).toJson()).failureCode()).isEqualTo(402);
    clock.advance(Duration.ofSeconds(31));
    assertThat(reserve(0.5, null).getString("reservation_id")).isNotNull();
  }

  @Test
  @DisplayName("reservations survive a restart: a new verticle on a new pool still sees them")
  void survivesRestart() throws Exception {
    String deployment = deploy(limits(1.00, 100, 100));
    reserve(0.6, null);
    await(vertx.undeploy(deployment));
    db.close().await(10, TimeUnit.SECONDS);

    db = Db.open(vertx, dbConfig()).await(60, TimeUnit.SECONDS);
    deploy(limits(1.00, 100, 100));
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.6, null).toJson()).failureCode()).isEqualTo(402);
    assertThat(reserve(0.4, null).getString("reservation_id")).isNotNull();
  }

  @Test
  @DisplayName("release gives the budget back once, announces it, and tolerates a resend")
  void release() {
    deploy(limits(1.00, 100, 100));
    project("p00000000001");
    String id = reserve(1.00, "p00000000001").getString("reservation_id");
    JsonObject first = request(BudgetAddresses.RELEASE, new JsonObject().put("reservation_id", id));
    assertThat(first.getBoolean("released")).isTrue();
    JsonObject again = request(BudgetAddresses.RELEASE, new JsonObject().put("reservation_id", id));
    assertThat(again.getBoolean("released")).isFalse();
    assertThat(reserve(1.00, null).getString("reservation_id")).isNotNull();
    awaitEvents(1);
    assertThat(events).containsExactly(new JsonObject().put("reason", "released").put("project_id", "p00000000001"));
  }

  // ---- recording ----

  @Test
  @DisplayName("record writes the usage row and both periods and ends the reservation, in one go")
  void recordSettles() {
    deploy(limits(1.00, 100, 100));
    project("p00000000001");
    String reservation = reserve(0.5, "p00000000001").getString("reservation_id");
    JsonObject reply = record(new UsageRecord("call-1", reservation, "p00000000001", null, "anthropic", "claude-haiku",
        1200, 300, 0.25, "planning"));
    assertThat(reply.getBoolean("duplicate")).isFalse();
    Row row = sql("SELECT * FROM usage_log WHERE id = ?", reply.getLong("usage_id")).iterator().next();
    assertThat(row.getString("project_id")).isEqualTo("p00000000001");
    assertThat(row.getString("task_id")).isNull();
    assertThat(row.getString("provider")).isEqualTo("anthropic");
    assertThat(row.getString("model")).isEqualTo("claude-haiku");
    assertThat(row.getLong("prompt_tokens")).isEqualTo(1200);
    assertThat(row.getLong("completion_tokens")).isEqualTo(300);
    assertThat(row.getDouble("cost_usd")).isEqualTo(0.25);
    assertThat(row.getString("purpose")).isEqualTo("planning");
    assertThat(row.getString("call_id")).isEqualTo("call-1");
    assertThat(row.getDouble("timestamp")).isCloseTo(clock.millis() / 1000.0, within(5.0));
    for (String[] period : new String[][] {{dayKey(), "daily"}, {monthKey(), "monthly"}}) {
      Row p = sql("SELECT * FROM budget_periods WHERE period_key = ?", period[0]).iterator().next();
      assertThat(p.getString("period_type")).isEqualTo(period[1]);
      assertThat(p.getDouble("total_cost_usd")).isEqualTo(0.25);
      assertThat(p.getLong("total_prompt_tokens")).isEqualTo(1200);
      assertThat(p.getLong("total_completion_tokens")).isEqualTo(300);
      assertThat(p.getLong("api_call_count")).isEqualTo(1);
    }
    assertThat(count("SELECT COUNT(*) FROM budget_reservations")).isZero();
    awaitEvents(1);
    assertThat(events.get(0)).isEqualTo(new JsonObject().put("reason", "recorded").put("project_id", "p00000000001")
        .put("cost_usd", 0.25).put("warning", false));
  }

  @Test
  @DisplayName("a resent record with the same call id is stored once")
  void recordIsIdempotent() {
    deploy(limits(10, 100, 100));
    JsonObject first = record(usage("call-7", null, null, 0.3));
    JsonObject second = record(usage("call-7", null, null, 0.3));
    assertThat(second.getBoolean("duplicate")).isTrue();
    assertThat(second.getLong("usage_id")).isEqualTo(first.getLong("usage_id"));
    assertThat(count("SELECT COUNT(*) FROM usage_log")).isEqualTo(1);
    assertThat(number("SELECT total_cost_usd FROM budget_periods WHERE period_key = ?", dayKey())).isEqualTo(0.3);
    assertThat(count("SELECT api_call_count FROM budget_periods WHERE period_key = ?", monthKey())).isEqualTo(1);
  }

  @Test
  @DisplayName("a record that fails half-way leaves nothing behind, not even half")
  void recordIsAtomic() {
    deploy(limits(10, 100, 100));
    String reservation = reserve(0.5, null).getString("reservation_id");
    // The usage row is written first; losing the periods table makes the second statement fail.
    sql("ALTER TABLE budget_periods RENAME TO budget_periods_gone");
    try {
      ReplyException err = failure(BudgetAddresses.RECORD, usage("call-9", reservation, null, 0.5).toJson());
      assertThat(err.failureCode()).isEqualTo(500);
      assertThat(err.getMessage()).isEqualTo("Internal server error");
    } finally {
      sql("ALTER TABLE budget_periods_gone RENAME TO budget_periods");
    }
    assertThat(count("SELECT COUNT(*) FROM usage_log")).isZero();
    assertThat(count("SELECT COUNT(*) FROM budget_periods")).isZero();
    assertThat(count("SELECT COUNT(*) FROM budget_reservations WHERE id = ?", reservation)).isEqualTo(1);
    assertThat(record(usage("call-9", reservation, null, 0.5)).getBoolean("duplicate")).as("the retry stores it").isFalse();
  }

  @Test
  @DisplayName("after 200 concurrent records the period totals equal the sums of the usage rows")
  void totalsMatchRows() {
    deploy(limits(1_000, 1_000, 1_000));
    project("p00000000001");
    Random random = new Random(42);
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      var usage = new UsageRecord("c" + i, null, i % 3 == 0 ? "p00000000001" : null, null, "anthropic", "m" + (i % 4),
          random.nextInt(5000), random.nextInt(2000), random.nextInt(100_000) / 1e6, "execution");
      replies.add(vertx.eventBus().<JsonObject>request(BudgetAddresses.RECORD, usage.toJson(), TIMEOUT).map(Message::body));
    }
    await(Future.all(replies));
    Row sums = sql("SELECT SUM(cost_usd), SUM(prompt_tokens), SUM(completion_tokens), COUNT(*) FROM usage_log")
        .iterator().next();
    for (String key : new String[] {dayKey(), monthKey()}) {
      Row period = sql("SELECT total_cost_usd, total_prompt_tokens, total_completion_tokens, api_call_count"
          + " FROM budget_periods WHERE period_key = ?", key).iterator().next();
      assertThat(period.getDouble(0)).isCloseTo(sums.getDouble(0), within(1e-9));
      assertThat(period.getLong(1)).isEqualTo(sums.getLong(1));
      assertThat(period.getLong(2)).isEqualTo(sums.getLong(2));
      assertThat(period.getLong(3)).isEqualTo(200).isEqualTo(sums.getLong(3));
    }
  }

  @Test
  @DisplayName("spend for a project or task that no longer exists is kept, without the reference")
  void recordForDeletedProject() {
    deploy(limits(10, 100, 100));
    JsonObject reply = record(new UsageRecord(null, null, "p0000000dead", "t0000000dead", "ollama", "qwen", 1, 1, 0,
        ""));
    Row row = sql("SELECT project_id, task_id, call_id FROM usage_log WHERE id = ?", reply.getLong("usage_id"))
        .iterator().next();
    assertThat(row.getString("project_id")).isNull();
    assertThat(row.getString("task_id")).isNull();
    assertThat(row.getString("call_id")).as("a call id is made up when none is given").hasSize(32);
  }

  @Test
  @DisplayName("deleting a project keeps its usage rows with project and task set to NULL (API.md §18.4)")
  void deletingProjectKeepsUsage() {
    deploy(limits(10, 100, 100));
    project("p00000000001");
    sql("INSERT INTO plans (id, project_id, model_used, plan_json, created_at) VALUES ('pl0000000001', 'p00000000001', 'm', '{}', 1)");
    sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, created_at, updated_at)"
        + " VALUES ('t00000000001', 'p00000000001', 'pl0000000001', 't', 'd', 'code', 1, 1)");
    record(new UsageRecord(null, null, "p00000000001", "t00000000001", "anthropic", "m", 10, 5, 0.4, "execution"));
    record(new UsageRecord(null, null, "p00000000001", null, "anthropic", "m", 10, 5, 0.1, "planning"));

    sql("DELETE FROM projects WHERE id = 'p00000000001'");

    assertThat(count("SELECT COUNT(*) FROM usage_log WHERE project_id IS NULL AND task_id IS NULL")).isEqualTo(2);
    assertThat(number("SELECT total_cost_usd FROM budget_periods WHERE period_key = ?", dayKey()))
        .as("periods untouched").isCloseTo(0.5, within(1e-12));
  }

  // ---- status and warnings ----

  @Test
  @DisplayName("status reports spend, limits and percentages as BudgetStatus, plus holds and the project's share")
  void statusShape() {
    deploy(new BudgetConfig(4, 40, 8, 80, Duration.ofMinutes(10)));
    project("p00000000001");
    record(usage(null, null, "p00000000001", 0.123456));
    reserve(0.5, "p00000000001");

    JsonObject global = status(null);
    assertThat(global.fieldNames()).containsExactlyInAnyOrder("daily_spent_usd", "daily_limit_usd", "daily_pct",
        "monthly_spent_usd", "monthly_limit_usd", "monthly_pct", "reserved_usd", "warning", "can_spend");
    assertThat(global.getDouble("daily_spent_usd")).isEqualTo(0.1235);
    assertThat(global.getDouble("daily_limit_usd")).isEqualTo(4.0);
    assertThat(global.getDouble("daily_pct")).isEqualTo(3.1);
    assertThat(global.getDouble("monthly_spent_usd")).isEqualTo(0.1235);
    assertThat(global.getDouble("monthly_limit_usd")).isEqualTo(40.0);
    assertThat(global.getDouble("monthly_pct")).isEqualTo(0.3);
    assertThat(global.getDouble("reserved_usd")).isEqualTo(0.5);
    assertThat(global.getBoolean("warning")).isFalse();
    assertThat(global.getBoolean("can_spend")).isTrue();

    JsonObject scoped = status("p00000000001");
    assertThat(scoped.getString("project_id")).isEqualTo("p00000000001");
    assertThat(scoped.getDouble("project_spent_usd")).isEqualTo(0.1235);
    assertThat(scoped.getDouble("project_limit_usd")).isEqualTo(8.0);
    assertThat(scoped.getDouble("project_pct")).isEqualTo(1.5);
    assertThat(scoped.getDouble("project_reserved_usd")).isEqualTo(0.5);

    JsonObject tooMuch = request(BudgetAddresses.STATUS, new JsonObject().put("amount_usd", 3.9));
    assertThat(tooMuch.getBoolean("can_spend")).isFalse();
  }

  @Test
  @DisplayName("a zero limit reports 0 % and never warns")
  void zeroLimits() {
    deploy(new BudgetConfig(0, 0, 0, 0.0, Duration.ofMinutes(10)));
    record(usage(null, null, null, 0.5));
    JsonObject status = status(null);
    assertThat(status.getDouble("daily_pct")).isZero();
    assertThat(status.getDouble("monthly_pct")).isZero();
    assertThat(status.getBoolean("warning")).isFalse();
  }

  @Test
  @DisplayName("the warning flag rises when spend reaches warn_at_pct of a limit")
  void warning() {
    deploy(limits(1.00, 100, 100));
    record(usage(null, null, null, 0.79));
    assertThat(status(null).getBoolean("warning")).isFalse();
    record(usage(null, null, null, 0.01));
    JsonObject status = status(null);
    assertThat(status.getDouble("daily_pct")).isEqualTo(80.0);
    assertThat(status.getBoolean("warning")).isTrue();
    awaitEvents(2);
    assertThat(events).extracting(e -> e.getBoolean("warning")).containsExactly(false, true);
  }

  @Test
  @DisplayName("a project's spend counts for its warning only when asked about that project")
  void projectWarning() {
    deploy(limits(100, 100, 1.00));
    project("p00000000001");
    record(usage(null, null, "p00000000001", 0.85));
    assertThat(status(null).getBoolean("warning")).isFalse();
    assertThat(status("p00000000001").getBoolean("warning")).isTrue();
  }

  @Test
  @DisplayName("a new UTC day starts a new daily period; the month keeps counting")
  void newDay() {
    deploy(limits(1.00, 100, 100));
    record(usage(null, null, null, 0.95));
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.1, null).toJson()).failureCode()).isEqualTo(402);
    String month = monthKey();
    clock.advance(Duration.ofDays(1));
    assertThat(reserve(0.9, null).getString("reservation_id")).isNotNull();
    assertThat(status(null).getDouble("daily_spent_usd")).isZero();
    if (monthKey().equals(month)) {
      assertThat(status(null).getDouble("monthly_spent_usd")).isEqualTo(0.95);
    }
  }

  // ---- malformed requests ----

  @Test
  @DisplayName("malformed bodies fail with 400 and say which field is wrong")
  void badRequests() {
    deploy(limits(1, 1, 1));
    assertThat(failure(BudgetAddresses.RESERVE, new JsonObject()).getMessage()).isEqualTo("amount_usd is required");
    assertThat(failure(BudgetAddresses.RESERVE, new JsonObject().put("amount_usd", "1")).getMessage())
        .isEqualTo("amount_usd must be a number");
    assertThat(failure(BudgetAddresses.RESERVE, new JsonObject().put("amount_usd", 1).put("ttl_seconds", 0))
        .getMessage()).isEqualTo("ttl_seconds must be > 0");
    assertThat(failure(BudgetAddresses.RESERVE, "not json").failureCode()).isEqualTo(400);
    JsonObject valid = usage(null, null, null, 0.1).toJson();
    assertThat(failure(BudgetAddresses.RECORD, valid.copy().put("provider", (Object) null)).getMessage())
        .isEqualTo("provider is required");
    assertThat(failure(BudgetAddresses.RECORD, valid.copy().put("prompt_tokens", 1.5)).getMessage())
        .isEqualTo("prompt_tokens must be a whole number >= 0");
    assertThat(failure(BudgetAddresses.RECORD, valid.copy().put("cost_usd", -0.1)).getMessage())
        .isEqualTo("cost_usd must be >= 0");
    assertThat(failure(BudgetAddresses.RELEASE, new JsonObject()).getMessage()).isEqualTo("reservation_id is required");
    assertThat(failure(BudgetAddresses.STATUS, new JsonObject().put("project_id", 5)).getMessage())
        .isEqualTo("project_id must be a string");
    assertThat(count("SELECT COUNT(*) FROM usage_log")).isZero();
  }

  /** Events travel apart from replies; give them a moment to arrive. */
  void awaitEvents(int n) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (events.size() < n && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(events).hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  @DisplayName("a user's daily limit counts spend and holds over all their projects, deleted ones too, and resets the next day")
  void perUserDailyLimit() {
    deploy(new BudgetConfig(10, 100, 10, 80, Duration.ofMinutes(10), 1.0, 2.0));
    ownedProject("a", "alice");
    ownedProject("b", "alice");
    ownedProject("c", "bob");
    String held = reserve(0.6, "a").getString("reservation_id");
    record(usage("call-1", held, "a", 0.6));

    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.5, "b").toJson()).getMessage())
        .isEqualTo("User daily budget limit reached");
    assertThat(reserve(0.3, "b").getString("reservation_id")).isNotNull();
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.2, "a").toJson()).getMessage())
        .as("holds count too").isEqualTo("User daily budget limit reached");
    assertThat(reserve(0.9, "c").getString("reservation_id")).as("another user's allowance").isNotNull();

    sql("DELETE FROM projects WHERE id = 'a'");
    assertThat(failure(BudgetAddresses.RESERVE, ReserveRequest.of(0.2, "b").toJson()).getMessage())
        .as("deleting a project gives no fresh allowance").isEqualTo("User daily budget limit reached");

    clock.advance(Duration.ofDays(1));
    assertThat(reserve(0.9, "b").getString("reservation_id")).as("a new day").isNotNull();
  }
}
