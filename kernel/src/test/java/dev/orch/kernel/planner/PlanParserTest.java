package dev.orch.kernel.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The planner's reading of a model answer (API.md §9.1, §18.1). */
class PlanParserTest {
  static final String PLAN = "{\"summary\": \"s\", \"tasks\": [{\"title\": \"a {b}\", \"description\": \"say \\\"}\\\"\"}]}";

  @Test
  @DisplayName("raw JSON is taken as it is")
  void raw() {
    assertThat(PlanParser.parse(PLAN)).contains(new JsonObject(PLAN));
  }

  @Test
  @DisplayName("fenced JSON, JSON with prose around it, and braces inside strings are found")
  void embedded() {
    assertThat(PlanParser.parse("```json\n" + PLAN + "\n```")).contains(new JsonObject(PLAN));
    assertThat(PlanParser.parse("Here is the plan you asked for:\n" + PLAN + "\nLet me know {if} it helps."))
        .contains(new JsonObject(PLAN));
  }

  @Test
  @DisplayName("a leading <thinking> block with braces of its own is skipped")
  void thinking() {
    String answer = "<thinking>I could use {\"tasks\": [1]} or {x}; let me decide.</thinking>\n" + PLAN;
    assertThat(PlanParser.parse(answer)).contains(new JsonObject(PLAN));
  }

  @Test
  @DisplayName("the first object that has a task list wins over earlier objects without one")
  void firstWithTasks() {
    String answer = "Config: {\"rigor\": \"L2\"}\nPlan: " + PLAN;
    assertThat(PlanParser.parse(answer)).contains(new JsonObject(PLAN));
    String phased = "{\"summary\": \"s\", \"phases\": [{\"name\": \"p\", \"tasks\": [{\"title\": \"t\"}]}]}";
    assertThat(PlanParser.parse("x " + phased)).contains(new JsonObject(phased));
  }

  @Test
  @DisplayName("a plan whose task list is empty, or whose phases have none, is still a plan (API.md §3.4);"
      + " a plan with tasks further on wins over it")
  void emptyPlans() {
    String empty = "{\"summary\": \"s\", \"tasks\": []}";
    String emptyPhases = "{\"summary\": \"s\", \"phases\": [{\"name\": \"a\", \"tasks\": []}, {\"name\": \"b\"}]}";

    assertThat(PlanParser.parse(empty)).contains(new JsonObject(empty));
    assertThat(PlanParser.parse("Plan: " + emptyPhases)).contains(new JsonObject(emptyPhases));
    assertThat(PlanParser.parse("For example " + empty + ", but really: " + PLAN)).contains(new JsonObject(PLAN));
  }

  @Test
  @DisplayName("trailing commas are forgiven")
  void trailingCommas() {
    assertThat(PlanParser.parse("{\"summary\": \"s\", \"tasks\": [{\"title\": \"t\",},],}"))
        .contains(new JsonObject("{\"summary\": \"s\", \"tasks\": [{\"title\": \"t\"}]}"));
  }

  @Test
  @DisplayName("an answer without a plan, or two values glued together, is refused")
  void refused() {
    assertThat(PlanParser.parse("")).isEmpty();
    assertThat(PlanParser.parse("I cannot help with that.")).isEmpty();
    assertThat(PlanParser.parse("{\"summary\": \"s\", \"steps\": [1]}")).as("no task list").isEmpty();
    assertThat(PlanParser.parse("{\"summary\": \"s\", \"tasks\": [{\"title\": \"t\"}]")).as("unbalanced").isEmpty();
    assertThat(PlanParser.parse("[" + PLAN + "]")).as("an array holding a plan is still found inside")
        .contains(new JsonObject(PLAN));
  }
}
