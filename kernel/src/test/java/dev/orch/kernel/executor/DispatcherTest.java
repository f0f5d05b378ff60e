package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.executor.TaskStore.Ready;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.state.ExecutionSettings.Mode;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The dispatcher's rule on snapshots: order, caps, modes, waves and first-call holds. */
class DispatcherTest {
  final Pricing pricing = Pricing.from(ExecutorParts.config(e -> {}).getJsonObject("model_pricing"));

  /** Reports nothing, so gates nothing, until a test tells it a resource's state. */
  final ResourceGate gate = new ResourceGate(ExecutorParts.router(), "ollama_local");

  Dispatcher dispatcher(java.util.function.Consumer<JsonObject> tweak, Set<String> runningHere) {
    return new Dispatcher(ExecutorParts.executor(tweak), ExecutorParts.router(), pricing, runningHere::contains, gate);
  }

  void resource(String id, String status) {
    gate.changed(new JsonObject().put("id", id).put("name", id + " name").put("status", status).put("method", "http")
        .put("details", new JsonObject()).put("category", "ai"));
  }

  static Ready ready(String id, String project, String tier, int wave) {
    return new Ready(id, project, tier, wave);
  }

  static TaskStore.Snapshot snapshot(Map<String, Map<String, Integer>> active, Ready... ready) {
    return new TaskStore.Snapshot(Map.of("p1", ExecutorParts.project("p1", Mode.AUTO, 0),
        "p2", ExecutorParts.project("p2", Mode.AUTO, 0), "hy", ExecutorParts.project("hy", Mode.HYBRID, 0),
        "ex", ExecutorParts.project("ex", Mode.EXTERNAL, 0)), active, List.of(ready));
  }

  static List<String> ids(List<Ready> picked) {
    return picked.stream().map(Ready::id).toList();
  }

  @Test
  @DisplayName("ready tasks are taken in the snapshot's order until the global cap is full")
  void orderAndGlobalCap() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 3), Set.of());
    var picked = d.pick(snapshot(Map.of("p2", Map.of("haiku", 1)), ready("a", "p1", "haiku", 0),
        ready("b", "p1", "haiku", 0), ready("c", "p1", "haiku", 0)));
    assertThat(ids(picked)).containsExactly("a", "b");
  }

  @Test
  @DisplayName("a project at its own cap is passed over, and the next project's tasks are taken")
  void perProjectCap() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8).put("max_concurrent_per_project", 2), Set.of());
    var picked = d.pick(snapshot(Map.of("p1", Map.of("sonnet", 1)), ready("a", "p1", "haiku", 0),
        ready("b", "p1", "haiku", 0), ready("c", "p2", "haiku", 0)));
    assertThat(ids(picked)).containsExactly("a", "c");
  }

  @Test
  @DisplayName("Ollama runs one task at a time by default, the Claude tiers share their provider's cap")
  void perProviderCap() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8).put("max_concurrent_per_provider",
        new JsonObject().put("anthropic", 2).put("ollama", 1)), Set.of());
    var picked = d.pick(snapshot(new HashMap<>(), ready("o1", "p1", "ollama", 0), ready("o2", "p2", "ollama", 0),
        ready("h", "p1", "haiku", 0), ready("s", "p2", "sonnet", 0), ready("x", "p1", "opus", 0)));
    assertThat(ids(picked)).containsExactly("o1", "h", "s");
  }

  @Test
  @DisplayName("a task whose provider is offline or not checked yet waits, and its slot goes to the next task")
  void providerDownPassesOver() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 2), Set.of());
    resource("ollama_local", "offline");
    resource("anthropic_api", "online");
    assertThat(ids(d.pick(snapshot(new HashMap<>(), ready("o", "p1", "ollama", 0), ready("h", "p1", "haiku", 0),
        ready("s", "p2", "sonnet", 0))))).containsExactly("h", "s");
    assertThat(gate.newWaits()).singleElement().satisfies(w -> {
      assertThat(w.projectId()).isEqualTo("p1");
      assertThat(w.resource().id()).isEqualTo("ollama_local");
    });

    resource("anthropic_api", "checking");
    assertThat(ids(d.pick(snapshot(new HashMap<>(), ready("h", "p1", "haiku", 0))))).isEmpty();
    assertThat(d.pick(snapshot(new HashMap<>(), ready("o2", "p1", "ollama", 0)))).isEmpty();
    assertThat(gate.newWaits()).as("announced once; a resource still being checked is waited for quietly").isEmpty();
    resource("anthropic_api", "offline");
    d.pick(snapshot(new HashMap<>(), ready("h", "p1", "haiku", 0)));
    assertThat(gate.newWaits()).extracting(w -> w.resource().id()).containsExactly("anthropic_api");
  }

  @Test
  @DisplayName("a project whose tasks a CLI agent runs is not held back by a model provider being down")
  void cliAgentProjectsAreNotGated() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8), Set.of());
    resource("anthropic_api", "offline");
    var agent = new TaskStore.ExecutingProject("ag", "agent project",
        new dev.orch.kernel.state.ExecutionSettings(Mode.AUTO, "claude_code", "readonly", false), 0);
    var snapshot = new TaskStore.Snapshot(Map.of("ag", agent, "p1", ExecutorParts.project("p1", Mode.AUTO, 0)),
        new HashMap<>(), List.of(ready("a", "ag", "sonnet", 0), ready("h", "p1", "haiku", 0)));
    assertThat(ids(d.pick(snapshot))).containsExactly("a");
  }

  @Test
  @DisplayName("a provider that is back, or only degraded, lets its tasks run; a later outage is announced again")
  void providerBackRuns() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8), Set.of());
    resource("ollama_local", "offline");
    d.pick(snapshot(new HashMap<>(), ready("o", "p1", "ollama", 0)));
    gate.newWaits();

    resource("ollama_local", "online");
    resource("anthropic_api", "degraded");
    assertThat(ids(d.pick(snapshot(new HashMap<>(), ready("o", "p1", "ollama", 0), ready("h", "p1", "haiku", 0)))))
        .containsExactly("o", "h");
    resource("ollama_local", "offline");
    d.pick(snapshot(new HashMap<>(), ready("o", "p1", "ollama", 0)));
    assertThat(gate.newWaits()).hasSize(1);
  }

  @Test
  @DisplayName("hybrid projects offer only local-model tasks, external ones none, and a task this node runs is skipped")
  void modesAndRunning() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8), Set.of("busy"));
    var picked = d.pick(snapshot(new HashMap<>(), ready("busy", "p1", "haiku", 0), ready("hc", "hy", "haiku", 0),
        ready("ho", "hy", "ollama", 0), ready("ec", "ex", "haiku", 0), ready("eo", "ex", "ollama", 0),
        ready("gone", "no-longer-executing", "haiku", 0)));
    assertThat(ids(picked)).containsExactly("ho");
  }

  @Test
  @DisplayName("with wave checkpoints, a wave beyond the released one waits")
  void waveCheckpoints() {
    var d = dispatcher(e -> e.put("max_concurrent_tasks", 8).put("wave_checkpoints", true), Set.of());
    var picked = d.pick(snapshot(new HashMap<>(), ready("w0", "p1", "haiku", 0), ready("w1", "p1", "haiku", 1)));
    assertThat(ids(picked)).containsExactly("w0");
  }

  @Test
  @DisplayName("a first call holds its tier model's estimate; a local model and a CLI agent hold nothing here")
  void firstCallHolds() {
    var d = dispatcher(e -> {}, Set.of());
    var project = ExecutorParts.project("p1", Mode.AUTO, 0);
    var haiku = d.firstCall(ExecutorParts.claimed("t", "haiku", 0, 2), project, List.of("[x] a finding"));
    assertThat(haiku.amountUsd()).as("4,096 output tokens at $5/M and a small prompt").isBetween(0.0205, 0.0215);
    assertThat(haiku.projectId()).isEqualTo("p1");
    assertThat(d.firstCall(ExecutorParts.claimed("t", "ollama", 0, 2), project, List.of())).isNull();
    var cli = new TaskStore.ExecutingProject("p1", "p", new dev.orch.kernel.state.ExecutionSettings(Mode.AUTO,
        "claude_code", null, false), 0);
    assertThat(d.firstCall(ExecutorParts.claimed("t", "haiku", 0, 2), cli, List.of())).isNull();
    assertThat(d.firstCall(ExecutorParts.claimed("t", "mystery", 0, 2), project, List.of()))
        .as("an unknown tier fails at its worker, not here").isNull();
  }

  /** A Sonnet task whose context carries a plan list of {@code lines} lines: a shared prefix of about 60 × lines chars. */
  static TaskStore.Claimed withPlan(String id, int lines) {
    String siblings = String.join("\n", java.util.Collections.nCopies(lines, "- A sibling task: does its part well."));
    var context = new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("type", "project_summary").put("content", "A shop."))
        .add(new JsonObject().put("type", "sibling_tasks").put("content", siblings))
        .add(new JsonObject().put("type", "phase").put("content", "Build"));
    return new TaskStore.Claimed(id, "p1", "Title " + id, "Do " + id + ".", "code", "sonnet", context.encode(),
        new io.vertx.core.json.JsonArray(), null, 1000, 0, 2, 0, 1, 1_000);
  }

  @Test
  @DisplayName("the first task on a project's shared prefix holds a cache write, the next within 5 minutes a cache read")
  void holdsExpectCacheReads() {
    long[] now = {1_000_000};
    var d = new Dispatcher(ExecutorParts.executor(e -> {}), ExecutorParts.router(), pricing, id -> false, gate,
        () -> now[0]);
    var project = ExecutorParts.project("p1", Mode.AUTO, 0);

    double first = d.firstCall(withPlan("a", 150), project, List.of()).amountUsd();
    now[0] += 60_000;
    double warm = d.firstCall(withPlan("b", 150), project, List.of()).amountUsd();
    now[0] += Dispatcher.CACHE_LIFETIME_MS + 1;
    double cold = d.firstCall(withPlan("c", 150), project, List.of()).amountUsd();

    // About 1,600 tokens of shared prefix: a write at $3.75/MTok, a read at $0.30/MTok (Sonnet).
    assertThat(first - warm).as("a read instead of a write").isBetween(0.004, 0.007);
    assertThat(cold).as("the cache expired: written again").isEqualTo(first);
    double shortPlan = d.firstCall(withPlan("d", 3), project, List.of()).amountUsd();
    double shortAgain = d.firstCall(withPlan("e", 3), project, List.of()).amountUsd();
    assertThat(shortAgain).as("below the minimum nothing is cached").isEqualTo(shortPlan);
  }

  @Test
  @DisplayName("an economy project's Claude task holds half the estimate, for as long as a batch may take")
  void economyHoldsHalf() {
    var d = dispatcher(e -> {}, Set.of());
    var standard = d.firstCall(ExecutorParts.claimed("t", "haiku", 0, 2), ExecutorParts.project("p1", Mode.AUTO, 0),
        List.of());
    var economy = d.firstCall(ExecutorParts.claimed("t", "haiku", 0, 2), new TaskStore.ExecutingProject("p1", "p",
        new dev.orch.kernel.state.ExecutionSettings(Mode.AUTO, null, null, true), 0), List.of());

    assertThat(economy.amountUsd()).isCloseTo(standard.amountUsd() / 2, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(economy.ttlSeconds()).isEqualTo(MeteredModel.BATCH_HOLD_SECONDS);
    assertThat(standard.ttlSeconds()).isNull();
  }
}
