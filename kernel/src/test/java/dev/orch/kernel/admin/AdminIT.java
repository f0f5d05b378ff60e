package dev.orch.kernel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/admin}: users, their changes and the stats (API.md §3.12). */
class AdminIT {
  @TempDir Path dir;
  TestKernel k;

  /** The kernel configuration; the PostgreSQL variant of this suite points it at a fresh schema. */
  protected JsonObject config(Path dataDir) {
    return TestKernel.testConfig(dataDir);
  }
  String admin;
  String adminId;
  String user;
  String userId;

  @BeforeEach
  void start() {
    k = TestKernel.start(config(dir));
    JsonObject a = k.signUp("admin@example.com", "password1");
    admin = a.getString("access_token");
    adminId = a.getJsonObject("user").getString("id");
    JsonObject u = k.signUp("user@example.com", "password2");
    user = u.getString("access_token");
    userId = u.getJsonObject("user").getString("id");
  }

  @AfterEach
  void stop() {
    k.close();
  }

  private static String detail(HttpResponse<Buffer> res) {
    return res.bodyAsJsonObject().getString("detail");
  }

  private HttpResponse<Buffer> patchUser(String id, JsonObject body) {
    return k.patch("/api/admin/users/" + id, body, admin);
  }

  @Test
  @DisplayName("admin endpoints refuse a non-admin with 403 and an anonymous caller with 401")
  void access() {
    for (String path : new String[] {"/api/admin/users", "/api/admin/stats"}) {
      var forbidden = k.get(path, user);
      assertThat(forbidden.statusCode()).isEqualTo(403);
      assertThat(detail(forbidden)).isEqualTo("Admin access required");
      assertThat(k.get(path, null).statusCode()).isEqualTo(401);
    }
    assertThat(k.patch("/api/admin/users/" + userId, new JsonObject().put("role", "admin"), user).statusCode())
        .isEqualTo(403);
    assertThat(k.patch("/api/admin/users/" + userId, new JsonObject().put("role", "boss"), user).statusCode())
        .as("the role check comes before validation").isEqualTo(403);
  }

  @Test
  @DisplayName("the user list is newest first with project counts, and pages with limit/offset")
  void list() {
    k.sql("INSERT INTO projects (id, name, requirements, status, created_at, updated_at, owner_id)"
        + " VALUES ('p00000000001', 'one', 'r', 'draft', 1, 1, ?), ('p00000000002', 'two', 'r', 'draft', 1, 1, ?)",
        userId, userId);
    JsonArray users = k.get("/api/admin/users", admin).bodyAsJsonArray();
    assertThat(users).hasSize(2);
    JsonObject newest = users.getJsonObject(0);
    assertThat(newest.fieldNames()).containsExactlyInAnyOrder("id", "email", "display_name", "role", "is_active",
        "created_at", "last_login_at", "project_count");
    assertThat(newest.getString("email")).isEqualTo("user@example.com");
    assertThat(newest.getLong("project_count")).isEqualTo(2);
    assertThat(users.getJsonObject(1).getLong("project_count")).isZero();

    JsonArray page = k.get("/api/admin/users?limit=1&offset=1", admin).bodyAsJsonArray();
    assertThat(page).hasSize(1);
    assertThat(page.getJsonObject(0).getString("email")).isEqualTo("admin@example.com");
    for (String bad : new String[] {"limit=0", "limit=201", "offset=-1", "limit=abc"}) {
      assertThat(k.get("/api/admin/users?" + bad, admin).statusCode()).as(bad).isEqualTo(422);
    }
  }

  @Test
  @DisplayName("promoting and deactivating apply on the user's very next request")
  void changesApplyAtOnce() {
    var promoted = patchUser(userId, new JsonObject().put("role", "admin"));
    assertThat(promoted.statusCode()).isEqualTo(200);
    assertThat(promoted.bodyAsJsonObject().getString("role")).isEqualTo("admin");
    assertThat(k.get("/api/admin/stats", user).statusCode()).as("old token, new role").isEqualTo(200);

    var deactivated = patchUser(userId, new JsonObject().put("is_active", false));
    assertThat(deactivated.bodyAsJsonObject().getBoolean("is_active")).isFalse();
    var refused = k.get("/api/auth/me", user);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(detail(refused)).isEqualTo("User not found or disabled");
  }

  @Test
  @DisplayName("the contract's refusals, in its order")
  void refusals() {
    var missing = patchUser("00000000-0000-0000-0000-000000000000", new JsonObject().put("role", "user"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(detail(missing)).isEqualTo("User not found");

    assertThat(detail(patchUser(adminId, new JsonObject().put("is_active", false))))
        .isEqualTo("Cannot deactivate your own account");
    assertThat(detail(patchUser(adminId, new JsonObject().put("role", "user"))))
        .isEqualTo("Cannot change your own role");
    assertThat(detail(patchUser(adminId, new JsonObject()))).isEqualTo("No fields to update");
    assertThat(detail(patchUser(userId, new JsonObject().put("role", (String) null)))).isEqualTo("No fields to update");

    var badRole = patchUser(userId, new JsonObject().put("role", "root"));
    assertThat(badRole.statusCode()).isEqualTo(422);
    assertThat(patchUser(userId, new JsonObject().put("is_active", "no")).statusCode()).isEqualTo(422);
  }

  @Test
  @DisplayName("two admins demoting each other at once leave exactly one active admin")
  void lastAdminRace() {
    patchUser(userId, new JsonObject().put("role", "admin"));
    for (int round = 0; round < 5; round++) {
      var a = k.http.patch("/api/admin/users/" + userId).putHeader("Authorization", "Bearer " + admin)
          .sendJsonObject(new JsonObject().put("role", "user"));
      var b = k.http.patch("/api/admin/users/" + adminId).putHeader("Authorization", "Bearer " + user)
          .sendJsonObject(new JsonObject().put("role", "user"));
      TestKernel.await(io.vertx.core.Future.join(a, b));
      var results = java.util.List.of(a.result(), b.result());
      assertThat(results).filteredOn(r -> r.statusCode() == 200).hasSize(1);
      results.stream().filter(r -> r.statusCode() == 400)
          .forEach(r -> assertThat(detail(r)).isEqualTo("Cannot remove the last active admin"));
      results.stream().filter(r -> r.statusCode() != 200)
          .forEach(r -> assertThat(r.statusCode()).isIn(400, 403));
      long activeAdmins = TestKernel.await(k.kernel.db().pool()
          .query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND is_active = 1").execute())
          .iterator().next().getLong("n");
      assertThat(activeAdmins).isEqualTo(1);
      k.sql("UPDATE users SET role = 'admin'");
    }
  }

  @Test
  @DisplayName("stats count users, projects and tasks by status and sum spend per model")
  void stats() {
    k.sql("INSERT INTO projects (id, name, requirements, status, created_at, updated_at, owner_id)"
        + " VALUES ('p00000000001', 'one', 'r', 'executing', 1, 1, ?), ('p00000000002', 'two', 'r', 'draft', 1, 1, ?)",
        userId, userId);
    k.sql("INSERT INTO plans (id, project_id, model_used, plan_json, created_at) VALUES ('pl0000000001', 'p00000000001', 'm', '{}', 1)");
    for (String[] t : new String[][] {{"t1", "completed"}, {"t2", "completed"}, {"t3", "completed"}, {"t4", "failed"},
        {"t5", "pending"}}) {
      k.sql("INSERT INTO tasks (id, project_id, plan_id, title, description, task_type, status, created_at, updated_at)"
          + " VALUES (?, 'p00000000001', 'pl0000000001', 't', 'd', 'code', ?, 1, 1)", t[0], t[1]);
    }
    k.sql("INSERT INTO usage_log (project_id, provider, model, prompt_tokens, completion_tokens, cost_usd, timestamp)"
        + " VALUES ('p00000000001', 'anthropic', 'claude-haiku', 10, 5, 0.0000015, 1),"
        + " ('p00000000001', 'anthropic', 'claude-haiku', 10, 5, 0.1234561, 1),"
        + " (NULL, 'anthropic', 'claude-sonnet', 10, 5, 1.5, 1)");
    k.sql("UPDATE users SET is_active = 0 WHERE id = ?", userId);

    JsonObject stats = k.get("/api/admin/stats", admin).bodyAsJsonObject();
    assertThat(stats.getLong("total_users")).isEqualTo(2);
    assertThat(stats.getLong("active_users")).isEqualTo(1);
    assertThat(stats.getLong("total_projects")).isEqualTo(2);
    assertThat(stats.getJsonObject("projects_by_status"))
        .isEqualTo(new JsonObject().put("draft", 1).put("executing", 1));
    assertThat(stats.getLong("total_tasks")).isEqualTo(5);
    assertThat(stats.getJsonObject("tasks_by_status").getLong("completed")).isEqualTo(3);
    assertThat(stats.getJsonObject("spend_by_model").getDouble("claude-haiku")).isEqualTo(0.123458);
    assertThat(stats.getJsonObject("spend_by_model").getDouble("claude-sonnet")).isEqualTo(1.5);
    assertThat(stats.getDouble("total_spend_usd")).isEqualTo(1.623458);
    assertThat(stats.getDouble("task_completion_rate")).isEqualTo(0.75);
  }

  @Test
  @DisplayName("an empty installation reports zeros, not errors")
  void emptyStats() {
    JsonObject stats = k.get("/api/admin/stats", admin).bodyAsJsonObject();
    assertThat(stats.getDouble("total_spend_usd")).isZero();
    assertThat(stats.getDouble("task_completion_rate")).isZero();
    assertThat(stats.getJsonObject("tasks_by_status")).isEmpty();
  }
}
