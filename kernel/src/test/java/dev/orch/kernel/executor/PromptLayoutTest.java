package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cache order of a task's prompt: what a project's tasks share first and alike, the task's own after. */
class PromptLayoutTest {

  private static JsonObject entry(String type, String content) {
    return new JsonObject().put("type", type).put("content", content);
  }

  /** Each task's context as the decomposer writes it: summary, requirements, description, phase, the others' lines. */
  private static List<JsonArray> plan(String... titles) {
    List<String> lines = new ArrayList<>();
    for (String t : titles) {
      lines.add("- " + t + ": Do " + t + ".");
    }
    List<JsonArray> out = new ArrayList<>();
    for (int i = 0; i < titles.length; i++) {
      List<String> others = new ArrayList<>(lines);
      others.remove(i);
      out.add(new JsonArray().add(entry("project_summary", "A shop.")).add(entry("project_requirements", "Sell books."))
          .add(entry("task_description", "Do " + titles[i] + ".")).add(entry("phase", "Phase " + i))
          .add(entry("sibling_tasks", String.join("\n", others))));
    }
    return out;
  }

  private static PromptLayout layout(String title, JsonArray context, List<String> knowledge) {
    return PromptLayout.of(null, title, "Do " + title + ".", context, knowledge, 3000, false, "Do " + title + ".");
  }

  @Test
  @DisplayName("every task of a plan sends the same shared part, byte for byte, with the whole task list in it")
  void sharedPartIdentical() {
    String[] titles = {"Schema", "Api", "Ui", "Tests"};
    List<JsonArray> contexts = plan(titles);
    List<String> shared = new ArrayList<>();
    for (int i = 0; i < titles.length; i++) {
      shared.add(layout(titles[i], contexts.get(i), List.of()).shared());
    }

    assertThat(shared).allMatch(s -> s.equals(shared.get(0)));
    assertThat(shared.get(0)).startsWith(PromptLayout.DEFAULT_SYSTEM).contains(PromptLayout.META)
        .contains("<project_summary>\nA shop.\n</project_summary>")
        .contains("<project_requirements>\nSell books.\n</project_requirements>")
        .contains("- Schema: Do Schema.", "- Api: Do Api.", "- Ui: Do Ui.", "- Tests: Do Tests.")
        .doesNotContain("Phase");
  }

  @Test
  @DisplayName("the task's own part names the task and carries its phase, forwarded outputs, feedback and knowledge")
  void ownPart() {
    JsonArray context = plan("Schema", "Api").get(1)
        .add(new JsonObject().put("type", "dependency_output").put("source_task_title", "Schema")
            .put("content", "tables: book, order"))
        .add(entry("verification_feedback", "The order table lacks a total."));

    PromptLayout layout = layout("Api", context, List.of("[db] SQLite in WAL mode"));

    assertThat(layout.own()).startsWith("<current_task>\nApi\n</current_task>")
        .contains("<phase>\nPhase 1\n</phase>")
        .contains("<dependency_output source=\"Schema\">\ntables: book, order\n</dependency_output>")
        .contains("<verification_feedback>\nThe order table lacks a total.\n</verification_feedback>")
        .contains("<project_knowledge>\nFindings from earlier tasks of this project:\n[db] SQLite in WAL mode")
        .as("the description is the first user turn already").doesNotContain("<task_description>");
    assertThat(layout.shared()).doesNotContain("tables: book", "SQLite", "<current_task>");
  }

  @Test
  @DisplayName("a description with line breaks still gives every task the same plan list")
  void multilineDescriptions() {
    List<String> siblingsOfA = List.of("- B: first line", "second line");
    List<String> siblingsOfB = List.of("- A: a");

    assertThat(PromptLayout.planLines(String.join("\n", siblingsOfA), "A", "a"))
        .isEqualTo(PromptLayout.planLines(String.join("\n", siblingsOfB), "B", "first line\nsecond line"));
  }

  @Test
  @DisplayName("a local model's prompt has neither the meta instructions nor the project's knowledge")
  void localModel() {
    PromptLayout layout = PromptLayout.of("Be brief.", "Api", "Do Api.", plan("Schema", "Api").get(1),
        List.of("[db] SQLite"), 3000, true, "Do Api.");

    assertThat(layout.shared()).startsWith("Be brief.").doesNotContain(PromptLayout.META);
    assertThat(layout.own()).doesNotContain("SQLite");
  }

  @Test
  @DisplayName("a project's plan list is sorted once for its tasks, made anew for a new plan, and never crosses projects")
  void planListsByProject() {
    var lists = new PromptLayout.PlanLists();
    String first = lists.text("p1", "- Api: Do Api.\n- Ui: Do Ui.", "Schema", "Do Schema.");

    assertThat(lists.text("p1", "- Schema: Do Schema.\n- Ui: Do Ui.", "Api", "Do Api.")).isSameAs(first);
    assertThat(lists.text("p1", "- Schema: Do Schema.\n- Ui: Do Ui.\n- Docs: Do Docs.", "Api", "Do Api."))
        .as("a plan with another task").isEqualTo("- Api: Do Api.\n- Docs: Do Docs.\n- Schema: Do Schema.\n- Ui: Do Ui.");
    assertThat(lists.text("p2", "- Api: Do Api.", "Billing", "Do Billing."))
        .as("another project").isEqualTo("- Api: Do Api.\n- Billing: Do Billing.");
    assertThat(PromptLayout.PlanLists.linesHash("a\nb")).isEqualTo(PromptLayout.PlanLists.linesHash("b\na"))
        .isNotEqualTo(PromptLayout.PlanLists.linesHash("a\nc"));
  }
}
