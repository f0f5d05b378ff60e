package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
  /** The server's own answers: it counts cache writes and reads by Anthropic's rules. */
  @RegisterExtension
  final ExecutorFixture orch = new ExecutorFixture(() -> TestKernel.testConfig(dir.resolve("k")))
      .waitingUpTo(Duration.ofSeconds(30));
  TestKernel k;
  String token;
  String projectId;

  private void startKernel(int concurrent) {
    k = orch.start(c -> c.getJsonObject("execution").put("max_concurrent_tasks", concurrent)
        .put("max_concurrent_per_project", concurrent));
    token = orch.token();
  }

  /** A plan of {@code n} independent medium code tasks (Sonnet), no tools, approved and run to completion. */
  private void run(int n) {
    projectId = orch.createProject(new JsonObject().put("name", "shop").put("requirements", REQUIREMENTS));
    JsonArray list = new JsonArray();
    for (int i = 0; i < n; i++) {
      list.add(new JsonObject().put("title", "Part" + i).put("description", "Build part " + i + " of the shop.")
          .put("task_type", "code").put("complexity", "medium").put("tools_needed", new JsonArray()));
    }
    orch.approve(projectId, new JsonObject().put("summary", "A book shop.").put("tasks", list));
    orch.execute(projectId);
    orch.awaitStatus(projectId, "completed");
  }

  @Test
  @DisplayName("the tasks of a project share one cached prefix: the first writes it, every later one reads it")
  void tasksReadTheSharedPrefix() {
    startKernel(1);
    run(TASKS);

    List<Recorded> calls = orch.calls();
    assertThat(calls).hasSize(TASKS);
    List<String> shared = calls.stream().map(r -> r.body().getJsonArray("system").getJsonObject(0).encode()).toList();
    assertThat(shared).as("the shared part, byte for byte").allMatch(s -> s.equals(shared.get(0)));
    assertThat(shared.get(0)).contains("cache_control").contains("- Part0: Build part 0").contains("- Part9:");
    assertThat(orch.claude().distinctPrefixesWritten()).as("one (model, tool set) pair, one cached prefix").isEqualTo(1);

    var stats = orch.claude().stats();
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
