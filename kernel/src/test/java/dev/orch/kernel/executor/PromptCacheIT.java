package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's tasks through the executor against a local server that counts prompt-cache writes and
 * reads by Anthropic's rules: the tasks share one cached prefix, and all but the first read it.
 */
class PromptCacheIT {
  static final String SONNET = "claude-sonnet-4-6";
  /** About 1,500 tokens of requirements: the shared part passes Sonnet's 1,024-token minimum. */
  static final String REQUIREMENTS = "The shop sells books online; every page answers within 200 ms. ".repeat(95);
  static final int TASKS = 10;

  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  TestKernel k;
  String token;
  String projectId;

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (k != null) {
      k.close();
    }
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  private void startKernel(int concurrent) {
    JsonObject json = TestKernel.testConfig(dir.resolve("k"));
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.put("model_retry", new JsonObject().put("max_retries", 0).put("base_delay_ms", 5).put("max_delay_ms", 10));
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("max_concurrent_tasks", concurrent).put("max_concurrent_per_project", concurrent)
        .put("safety_tick_sec", 30);
    k = TestKernel.start(json);
    token = k.signUp("alice@example.com", "password1").getString("access_token");
  }

  /** A plan of {@code n} independent medium code tasks (Sonnet), no tools, approved and executing. */
  private void run(int n) {
    projectId = k.post("/api/projects", new JsonObject().put("name", "shop").put("requirements", REQUIREMENTS),
        token).bodyAsJsonObject().getString("id");
    JsonArray list = new JsonArray();
    for (int i = 0; i < n; i++) {
      list.add(new JsonObject().put("title", "Part" + i).put("description", "Build part " + i + " of the shop.")
          .put("task_type", "code").put("complexity", "medium").put("tools_needed", new JsonArray()));
    }
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId,
        new JsonObject().put("summary", "A book shop.").put("tasks", list).encode());
    var approved = k.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    k.sql("UPDATE projects SET status = 'executing' WHERE id = ?", projectId);
    k.vertx.eventBus().publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
    long deadline = System.currentTimeMillis() + 30_000;
    while (!"completed".equals(k.get("/api/projects/" + projectId, token).bodyAsJsonObject().getString("status"))) {
      assertThat(System.currentTimeMillis()).as("project completed in time").isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  private List<Recorded> calls() {
    return claude.requests().stream().filter(r -> r.path().equals("/v1/messages")).toList();
  }

  @Test
  @DisplayName("the tasks of a project share one cached prefix: the first writes it, every later one reads it")
  void tasksReadTheSharedPrefix() {
    startKernel(1);
    run(TASKS);

    List<Recorded> calls = calls();
    assertThat(calls).hasSize(TASKS);
    List<String> shared = calls.stream().map(r -> r.body().getJsonArray("system").getJsonObject(0).encode()).toList();
    assertThat(shared).as("the shared part, byte for byte").allMatch(s -> s.equals(shared.get(0)));
    assertThat(shared.get(0)).contains("cache_control").contains("- Part0: Build part 0").contains("- Part9:");
    assertThat(claude.distinctPrefixesWritten()).as("one (model, tool set) pair, one cached prefix").isEqualTo(1);

    var stats = claude.stats();
    long sharedTokens = stats.cacheWrites();
    assertThat(sharedTokens).isGreaterThanOrEqualTo(1024);
    assertThat(stats.cacheReads()).isEqualTo((TASKS - 1) * sharedTokens);
    // Input cost in units of the uncached input price: writes at 1.25, reads at 0.1.
    double cached = stats.input() + 1.25 * stats.cacheWrites() + 0.1 * stats.cacheReads();
    assertThat(cached / stats.totalInput()).as("input cost with caching, as a share of uncached").isLessThan(0.35);

    JsonObject usage = k.get("/api/usage/summary?project_id=" + projectId, token).bodyAsJsonObject();
    double expected = (stats.input() * 3.0 + stats.cacheWrites() * 3.75 + stats.cacheReads() * 0.3
        + stats.requests() * 3 * 15.0) / 1e6;
    assertThat(usage.getDouble("total_cost_usd")).as("recorded spend prices writes and reads")
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.0001));
  }
}
