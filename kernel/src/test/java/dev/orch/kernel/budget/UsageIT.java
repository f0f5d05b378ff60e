package dev.orch.kernel.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/usage}: summary, budget, daily and per-project spend (API.md §3.9), on a real kernel. */
class UsageIT {
  static final String P1 = "p00000000001";
  static final String P2 = "p00000000002";

  @TempDir Path dir;
  TestKernel k;
  String admin;
  String user;
  String userId;
  String other;
  String otherId;

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }

  @BeforeEach
  void start() {
    k = TestKernel.start(config(dir));
    admin = k.signUp("admin@example.com", "password1").getString("access_token");
    JsonObject u = k.signUp("user@example.com", "password2");
    user = u.getString("access_token");
    userId = u.getJsonObject("user").getString("id");
    JsonObject o = k.signUp("other@example.com", "password3");
    other = o.getString("access_token");
    otherId = o.getJsonObject("user").getString("id");
  }

  @AfterEach
  void stop() {
    k.close();
  }

  void project(String id, String name, String ownerId) {
    k.sql("INSERT INTO projects (id, name, requirements, created_at, updated_at, owner_id) VALUES (?, ?, 'r', 1, 1, ?)",
        id, name, ownerId);
  }

  void record(String projectId, String provider, String model, long prompt, long completion, double cost) {
    var usage = new UsageRecord(null, null, projectId, null, provider, model, prompt, completion, cost, "execution");
    TestKernel.await(k.vertx.eventBus().request(BudgetAddresses.RECORD, usage.toJson(),
        new DeliveryOptions().setSendTimeout(10_000)));
  }

  /** Two projects of the user, one of the other user, and a planning call without a project. */
  void seed() {
    project(P1, "Alpha", userId);
    project(P2, "Beta", otherId);
    record(P1, "anthropic", "claude-haiku", 1000, 500, 0.00123456);
    record(P1, "anthropic", "claude-haiku", 1000, 500, 0.00123456);
    record(P1, "anthropic", "claude-sonnet", 2000, 100, 0.5);
    record(P2, "ollama", "qwen", 10, 10, 0);
    record(null, "anthropic", "claude-sonnet", 100, 100, 0.25);
  }

  static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  @Test
  @DisplayName("every usage endpoint refuses an anonymous caller with 401")
  void anonymous() {
    for (String path : new String[] {"/api/usage/summary", "/api/usage/summary?project_id=" + P1, "/api/usage/budget",
        "/api/usage/daily", "/api/usage/by-project", "/api/usage/daily?days=0"}) {
      var res = k.get(path, null);
      assertThat(res.statusCode()).as(path).isEqualTo(401);
      assertThat(res.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
  }

  @Test
  @DisplayName("the system-wide summary is for admins; a project's summary for its owner and admins")
  void summaryAccess() {
    seed();
    var systemWide = k.get("/api/usage/summary", user);
    assertThat(systemWide.statusCode()).isEqualTo(403);
    assertThat(detail(systemWide)).isEqualTo("Admin access required for system-wide usage");
    assertThat(detail(k.get("/api/usage/summary?project_id=", user)))
        .as("an empty id is no id, as in the original").isEqualTo("Admin access required for system-wide usage");

    var foreign = k.get("/api/usage/summary?project_id=" + P2, user);
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(detail(foreign)).isEqualTo("You do not own this project");
    var missing = k.get("/api/usage/summary?project_id=p0000000none", user);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(detail(missing)).isEqualTo("Project p0000000none not found");

    assertThat(k.get("/api/usage/summary?project_id=" + P1, user).statusCode()).isEqualTo(200);
    assertThat(k.get("/api/usage/summary?project_id=" + P2, admin).statusCode()).isEqualTo(200);
    assertThat(k.get("/api/usage/summary", admin).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the summary totals every usage row, by model and by provider, costs to 4 dp")
  void summaryOfEverything() {
    seed();
    JsonObject s = k.get("/api/usage/summary", admin).bodyAsJsonObject();
    assertThat(s.fieldNames()).containsExactly("total_cost_usd", "total_prompt_tokens", "total_completion_tokens",
        "api_call_count", "by_model", "by_provider");
    assertThat(s.getDouble("total_cost_usd")).isEqualTo(0.7525);
    assertThat(s.getLong("total_prompt_tokens")).isEqualTo(4110);
    assertThat(s.getLong("total_completion_tokens")).isEqualTo(1210);
    assertThat(s.getLong("api_call_count")).isEqualTo(5);
    assertThat(s.getJsonObject("by_model")).isEqualTo(new JsonObject()
        .put("claude-haiku", model(0.0025, 2000, 1000, 2))
        .put("claude-sonnet", model(0.75, 2100, 200, 2))
        .put("qwen", model(0.0, 10, 10, 1)));
    assertThat(s.getJsonObject("by_provider")).isEqualTo(new JsonObject()
        .put("anthropic", new JsonObject().put("cost_usd", 0.7525).put("calls", 4))
        .put("ollama", new JsonObject().put("cost_usd", 0.0).put("calls", 1)));
  }

  @Test
  @DisplayName("a project's summary counts only that project's rows")
  void summaryOfOneProject() {
    seed();
    JsonObject s = k.get("/api/usage/summary?project_id=" + P1, user).bodyAsJsonObject();
    assertThat(s.getDouble("total_cost_usd")).isEqualTo(0.5025);
    assertThat(s.getLong("total_prompt_tokens")).isEqualTo(4000);
    assertThat(s.getLong("api_call_count")).isEqualTo(3);
    assertThat(s.getJsonObject("by_model").fieldNames()).containsExactlyInAnyOrder("claude-haiku", "claude-sonnet");
    assertThat(s.getJsonObject("by_provider").fieldNames()).containsExactly("anthropic");
  }

  @Test
  @DisplayName("an installation without usage reports zeros and empty maps")
  void emptySummary() {
    JsonObject s = k.get("/api/usage/summary", admin).bodyAsJsonObject();
    assertThat(s).isEqualTo(new JsonObject().put("total_cost_usd", 0.0).put("total_prompt_tokens", 0)
        .put("total_completion_tokens", 0).put("api_call_count", 0).put("by_model", new JsonObject())
        .put("by_provider", new JsonObject()));
  }

  @Test
  @DisplayName("the budget status is BudgetStatus, for admins only")
  void budget() {
    seed();
    var forbidden = k.get("/api/usage/budget", user);
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(detail(forbidden)).isEqualTo("Admin access required");

    var res = k.get("/api/usage/budget", admin);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject b = res.bodyAsJsonObject();
    assertThat(b.fieldNames()).containsExactly("daily_spent_usd", "daily_limit_usd", "daily_pct", "monthly_spent_usd",
        "monthly_limit_usd", "monthly_pct");
    assertThat(b.getDouble("daily_spent_usd")).isEqualTo(0.7525);
    assertThat(b.getDouble("daily_limit_usd")).isEqualTo(5.0);
    assertThat(b.getDouble("daily_pct")).isEqualTo(15.0);
    assertThat(b.getDouble("monthly_spent_usd")).isEqualTo(0.7525);
    assertThat(b.getDouble("monthly_limit_usd")).isEqualTo(50.0);
    assertThat(b.getDouble("monthly_pct")).isEqualTo(1.5);
  }

  @Test
  @DisplayName("daily usage lists the latest days with spend, oldest first")
  void daily() {
    k.clock.advance(Duration.ofDays(-3));
    String threeDaysAgo = today();
    record(null, "anthropic", "claude-haiku", 10, 20, 0.123456);
    record(null, "anthropic", "claude-haiku", 30, 40, 0.1);
    k.clock.advance(Duration.ofDays(2));
    String yesterday = today();
    record(null, "anthropic", "claude-haiku", 1, 2, 0.5);
    k.clock.advance(Duration.ofDays(1));
    String todayKey = today();
    record(null, "anthropic", "claude-haiku", 5, 5, 0.00005);

    JsonArray days = k.get("/api/usage/daily", admin).bodyAsJsonArray();
    assertThat(days).hasSize(3);
    assertThat(days.getJsonObject(0)).isEqualTo(new JsonObject().put("date", threeDaysAgo).put("cost_usd", 0.2235)
        .put("prompt_tokens", 40).put("completion_tokens", 60).put("api_calls", 2));
    assertThat(days.getJsonObject(1).getString("date")).isEqualTo(yesterday);
    assertThat(days.getJsonObject(2).getString("date")).isEqualTo(todayKey);
    assertThat(days.getJsonObject(2).getDouble("cost_usd")).as("0.00005 is a hair above half").isEqualTo(0.0001);

    JsonArray latestTwo = k.get("/api/usage/daily?days=2", admin).bodyAsJsonArray();
    assertThat(latestTwo).extracting(d -> ((JsonObject) d).getString("date")).containsExactly(yesterday, todayKey);
    assertThat(k.get("/api/usage/daily?days=90", admin).bodyAsJsonArray()).hasSize(3);
  }

  @Test
  @DisplayName("daily usage takes 1 to 90 days; anything else is a 422, after the admin check")
  void dailyBounds() {
    for (String bad : new String[] {"0", "-1", "91", "abc", "1.5"}) {
      var res = k.get("/api/usage/daily?days=" + bad, admin);
      assertThat(res.statusCode()).as(bad).isEqualTo(422);
      assertThat(res.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0).getJsonArray("loc"))
          .isEqualTo(new JsonArray().add("query").add("days"));
    }
    assertThat(k.get("/api/usage/daily?days=1", admin).statusCode()).isEqualTo(200);
    var forbidden = k.get("/api/usage/daily?days=0", user);
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(detail(forbidden)).isEqualTo("Admin access required");
  }

  @Test
  @DisplayName("spend by project: one's own projects, or all for an admin, highest cost first, planning rows left out")
  void byProject() {
    seed();
    project("p00000000003", "Gamma", userId);
    record("p00000000003", "anthropic", "claude-opus", 1, 1, 2.0);

    JsonArray mine = k.get("/api/usage/by-project", user).bodyAsJsonArray();
    assertThat(mine).hasSize(2);
    assertThat(mine.getJsonObject(0)).isEqualTo(new JsonObject().put("project_id", "p00000000003")
        .put("project_name", "Gamma").put("cost_usd", 2.0).put("prompt_tokens", 1).put("completion_tokens", 1)
        .put("api_calls", 1));
    assertThat(mine.getJsonObject(1)).isEqualTo(new JsonObject().put("project_id", P1).put("project_name", "Alpha")
        .put("cost_usd", 0.5025).put("prompt_tokens", 4000).put("completion_tokens", 1100).put("api_calls", 3));

    JsonArray all = k.get("/api/usage/by-project", admin).bodyAsJsonArray();
    assertThat(all).extracting(p -> ((JsonObject) p).getString("project_id"))
        .containsExactly("p00000000003", P1, P2);
    JsonArray page = k.get("/api/usage/by-project?limit=1&offset=1", admin).bodyAsJsonArray();
    assertThat(page).extracting(p -> ((JsonObject) p).getString("project_id")).containsExactly(P1);
    assertThat(k.get("/api/usage/by-project", other).bodyAsJsonArray())
        .extracting(p -> ((JsonObject) p).getString("project_name")).containsExactly("Beta");
  }

  @Test
  @DisplayName("by-project pages with limit 1–200 and offset ≥ 0")
  void byProjectBounds() {
    for (String bad : new String[] {"limit=0", "limit=201", "offset=-1", "limit=x"}) {
      assertThat(k.get("/api/usage/by-project?" + bad, user).statusCode()).as(bad).isEqualTo(422);
    }
    assertThat(k.get("/api/usage/by-project?limit=200&offset=0", user).bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("a deleted project's usage stays in the totals but leaves the per-project list")
  void deletedProject() {
    seed();
    k.sql("DELETE FROM projects WHERE id = ?", P1);
    assertThat(k.get("/api/usage/by-project", admin).bodyAsJsonArray())
        .extracting(p -> ((JsonObject) p).getString("project_id")).containsExactly(P2);
    JsonObject s = k.get("/api/usage/summary", admin).bodyAsJsonObject();
    assertThat(s.getDouble("total_cost_usd")).isEqualTo(0.7525);
    assertThat(s.getLong("api_call_count")).isEqualTo(5);
  }

  @Test
  @DisplayName("the summary's totals are the sums of the daily periods, which are the sums of the rows")
  void totalsAgree() {
    seed();
    k.clock.advance(Duration.ofDays(-1));
    record(P1, "anthropic", "claude-haiku", 7, 3, 0.0421);
    k.clock.advance(Duration.ofDays(1));
    JsonObject s = k.get("/api/usage/summary", admin).bodyAsJsonObject();
    JsonArray days = k.get("/api/usage/daily", admin).bodyAsJsonArray();
    long calls = 0;
    long prompt = 0;
    double cost = 0;
    for (Object d : days) {
      calls += ((JsonObject) d).getLong("api_calls");
      prompt += ((JsonObject) d).getLong("prompt_tokens");
      cost += ((JsonObject) d).getDouble("cost_usd");
    }
    assertThat(calls).isEqualTo(s.getLong("api_call_count")).isEqualTo(6);
    assertThat(prompt).isEqualTo(s.getLong("total_prompt_tokens"));
    assertThat(Math.round(cost * 10_000)).isEqualTo(Math.round(s.getDouble("total_cost_usd") * 10_000));
  }

  private String today() {
    return LocalDate.ofInstant(k.clock.instant(), ZoneOffset.UTC).toString();
  }

  private static JsonObject model(double cost, long prompt, long completion, long calls) {
    return new JsonObject().put("cost_usd", cost).put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("calls", calls);
  }
}
