package dev.orch.kernel.planner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.ModelsConfig;
import dev.orch.kernel.planner.Decomposition.TaskDraft;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Plan → task rows, edges and waves (API.md §10). */
class DecomposerTest {
  private final ModelsConfig models = ModelsConfig.from(
      dev.orch.kernel.config.ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, Map.of()));
  private final Decomposer decomposer = new Decomposer(new ModelRouter(models), models.pricing(), 4096);

  private static JsonObject task(String title, Object... deps) {
    return new JsonObject().put("title", title).put("description", "do " + title).put("depends_on", new JsonArray(List.of(deps)));
  }

  private static JsonObject plan(JsonObject... tasks) {
    return new JsonObject().put("summary", "the summary").put("tasks", new JsonArray(List.of((Object[]) tasks)));
  }

  @Test
  @DisplayName("a task starts one wave after its latest dependency; independent tasks share wave 0")
  void waves() {
    Decomposition d = decomposer.decompose(plan(task("a"), task("b"), task("c", 0), task("d", 2, 1), task("e", 0)), "r");
    assertThat(d.tasks().stream().map(TaskDraft::wave)).containsExactly(0, 0, 1, 2, 1);
    assertThat(d.totalWaves()).isEqualTo(3);
    assertThat(d.edges()).extracting(e -> e[0] + "->" + e[1]).containsExactlyInAnyOrder("2->0", "3->1", "3->2", "4->0");
    assertThat(d.tasks().stream().map(TaskDraft::priority)).containsExactly(0, 10, 20, 30, 40);
    // a → c → d is the longest chain: a has 3 tasks ahead of the end, b and c two, d and e one.
    assertThat(d.tasks().stream().map(TaskDraft::criticalPath)).containsExactly(3, 2, 2, 1, 1);
  }

  @Test
  @DisplayName("string indices count; non-numeric, self, out-of-range and duplicate ones are dropped and reported")
  void badIndices() {
    Decomposition d = decomposer.decompose(plan(task("a"), task("b", "0", 0, 1, 7, -1, "x", 0.5)), "r");
    assertThat(d.edges()).extracting(e -> e[0] + "->" + e[1]).containsExactly("1->0");
    assertThat(d.warnings()).hasSize(6);
    assertThat(String.join("\n", d.warnings())).contains("duplicate dependency 0", "self-referencing", "out-of-range dependency 7",
        "out-of-range dependency -1", "non-numeric dependency x", "non-numeric dependency 0.5");
  }

  @Test
  @DisplayName("a cycle is refused with the contract's sentence and the whole loop named")
  void cycle() {
    assertThatThrownBy(() -> decomposer.decompose(plan(task("A", 2), task("B", 0), task("C", 1)), "r"))
        .isInstanceOf(OrchestratorException.class)
        .satisfies(e -> assertThat(((OrchestratorException) e).status()).isEqualTo(422))
        .hasMessageStartingWith("Dependency cycle detected: task ")
        .hasMessageContaining("form a cycle")
        .hasMessageContaining("'A'").hasMessageContaining("'B'").hasMessageContaining("'C'");
  }

  @Test
  @DisplayName("phases flatten in order, carrying their names; indices are global across phases")
  void phases() {
    JsonObject plan = new JsonObject().put("summary", "s").put("phases", new JsonArray()
        .add(new JsonObject().put("name", "Design").put("tasks", new JsonArray().add(task("a")).add(task("b", 0))))
        .add("not a phase")
        .add(new JsonObject().put("tasks", new JsonArray().add(task("c", 1)))));
    Decomposition d = decomposer.decompose(plan, "r");
    assertThat(d.tasks().stream().map(TaskDraft::phase)).containsExactly("Design", "Design", "Unnamed Phase");
    assertThat(d.tasks().get(2).wave()).isEqualTo(2);
  }

  @Test
  @DisplayName("routing, default and explicit tools, requirement ids and context entries follow the plan")
  void rows() {
    JsonObject research = task("r").put("task_type", "research").put("complexity", "simple")
        .put("requirement_ids", new JsonArray().add("R1")).put("verification_criteria", "cites sources")
        .put("affected_files", new JsonArray().add("a.md").add("b.md"));
    JsonObject code = task("c", 0).put("task_type", "code").put("complexity", "complex").put("tools_needed", new JsonArray());
    JsonObject odd = task("o").put("task_type", "csharp_method");
    Decomposition d = decomposer.decompose(plan(research, code, odd), "the requirements");
    TaskDraft r = d.tasks().get(0);
    assertThat(r.modelTier()).isEqualTo("ollama");
    assertThat(r.tools()).containsExactly("search_knowledge", "lookup_type", "local_llm");
    assertThat(r.requirementIds()).containsExactly("R1");
    assertThat(r.context().stream().map(e -> ((JsonObject) e).getString("type"))).containsExactly("project_summary",
        "project_requirements", "task_description", "sibling_tasks", "verification_criteria", "affected_files");
    assertThat(r.context().getJsonObject(5).getString("content")).isEqualTo("a.md, b.md");
    assertThat(r.context().getJsonObject(3).getString("content")).isEqualTo("- c: do c\n- o: do o");
    assertThat(d.tasks().get(1).modelTier()).isEqualTo("sonnet");
    assertThat(d.tasks().get(1).tools()).as("an explicit [] means no tools").isEmpty();
    assertThat(d.tasks().get(2).taskType()).as("any task type is kept (§18.5)").isEqualTo("csharp_method");
    assertThat(d.tasks().get(2).modelTier()).isEqualTo("haiku");
  }

  @Test
  @DisplayName("the estimate prices 1500 input and max_tokens output tokens per task, Ollama tasks free")
  void estimate() {
    JsonObject local = task("l").put("task_type", "asset");
    Decomposition d = decomposer.decompose(plan(task("a").put("complexity", "simple"), local), "r");
    // haiku: 1500 * 1.0 / 1e6 + 4096 * 5.0 / 1e6 = 0.0015 + 0.02048
    assertThat(d.estimatedCostUsd()).isEqualByComparingTo("0.0220");
  }

  @Test
  @DisplayName("C# method tasks get one assembly task per class, depending on all its methods")
  void assemblies() {
    JsonObject m1 = task("m1").put("task_type", "csharp_method").put("target_class", "Foo")
        .put("affected_files", new JsonArray().add("Foo.cs"));
    JsonObject m2 = task("m2", 0).put("task_type", "csharp_method").put("target_class", "Foo");
    Decomposition d = decomposer.decompose(plan(m1, m2), "r");
    assertThat(d.tasks()).hasSize(3);
    TaskDraft assembly = d.tasks().get(2);
    assertThat(assembly.title()).isEqualTo("Assemble Foo");
    assertThat(assembly.wave()).isEqualTo(2);
    assertThat(assembly.priority()).isEqualTo(9999);
    assertThat(d.edges()).extracting(e -> e[0] + "->" + e[1]).contains("2->0", "2->1");
    assertThat(d.totalWaves()).isEqualTo(3);
  }

  @Test
  @DisplayName("a plan without tasks is refused")
  void empty() {
    assertThatThrownBy(() -> decomposer.decompose(new JsonObject().put("summary", "s"), "r"))
        .hasMessage("Plan has no tasks");
  }
}
