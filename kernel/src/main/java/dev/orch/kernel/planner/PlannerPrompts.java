package dev.orch.kernel.planner;

import dev.orch.kernel.projects.Requirements;
import java.util.List;

/** The planning call's prompts (API.md §9.1): a shared preamble, a suffix per rigor, the user message. */
final class PlannerPrompts {
  private static final String PREAMBLE = """
      You are the planner of an AI task-orchestration engine. Turn the project's requirements into a \
      plan of small, self-contained tasks that the engine runs in parallel on language models.

      Rules for tasks:
      - Each task must be doable in one conversation with a model, with a clear deliverable.
      - `depends_on` lists the 0-based indices of the tasks (in the flattened task list, counting \
      across phases) whose output this task needs. Keep independent work independent so it runs in \
      parallel; never depend on a later task.
      - Choose the cheapest task_type that fits: `research` or `analysis` for work a local model can \
      do, `asset` for images (ComfyUI), `code` for code, `integration` for combining outputs of \
      earlier tasks, `documentation` for documents.
      - `complexity` is `simple`, `medium` or `complex`; it picks the model.
      - Map every task to the requirement ids it covers (`requirement_ids`, e.g. ["R1", "R3"]); every \
      requirement should be covered by some task.
      - Give each task a `verification_criteria` sentence a reviewer can check, and the files it is \
      expected to touch in `affected_files`.
      - `tools_needed` names the tools the task may call, chosen from: search_knowledge (search the \
      project's knowledge bases), lookup_type (look up a type or API by name), local_llm (ask a local \
      model), generate_image (render an image), read_file and write_file (the project's sandboxed files).

      Task object: {"title": str, "description": str, "task_type": str, "complexity": str, \
      "depends_on": [int], "tools_needed": [str], "requirement_ids": [str], \
      "verification_criteria": str, "affected_files": [str]}
      """;

  private static final String L1 = """

      Answer with JSON only, no prose and no code fences, in this shape:
      {"summary": str, "tasks": [Task, ...]}
      Use 3 to 15 tasks.
      """;

  private static final String L2 = """

      Answer with JSON only, no prose and no code fences, in this shape:
      {"summary": str,
       "phases": [{"name": str, "description": str, "tasks": [Task, ...]}],
       "open_questions": [{"question": str, "proposed_answer": str, "impact": str}]}
      Use 3 to 15 tasks in 2 to 5 phases; an earlier phase never depends on a later one. List 1 to 5 \
      open questions, each with the answer you propose.
      """;

  private static final String L3 = """

      You may think first inside <thinking>...</thinking>; then give the plan as JSON, with no prose \
      and no code fences after the thinking block, in this shape:
      {"summary": str,
       "phases": [{"name": str, "description": str, "tasks": [Task, ...]}],
       "open_questions": [{"question": str, "proposed_answer": str, "impact": str}],
       "risk_assessment": [{"risk": str, "likelihood": "low"|"medium"|"high", \
      "impact": "low"|"medium"|"high", "mitigation": str}],
       "test_strategy": {"approach": str, "test_tasks": [str], "coverage_notes": str}}
      Use 5 to 15 tasks in 2 to 5 phases; an earlier phase never depends on a later one. List 1 to 5 \
      open questions with proposed answers, 2 to 5 risks, and a test strategy.
      """;

  private PlannerPrompts() {}

  static String system(String rigor) {
    return PREAMBLE + switch (rigor) {
      case "L1" -> L1;
      case "L3" -> L3;
      default -> L2;
    };
  }

  static int maxTokens(String rigor) {
    return switch (rigor) {
      case "L1" -> 4096;
      case "L3" -> 8192;
      default -> 6144;
    };
  }

  /** {@code Project: name}, a blank line, {@code Requirements:}, then {@code [R{i}] block} per block. */
  static String user(String name, String requirements) {
    List<String> blocks = Requirements.blocks(requirements);
    StringBuilder out = new StringBuilder("Project: ").append(name).append("\n\nRequirements:\n");
    if (blocks.isEmpty()) {
      out.append(requirements);
    }
    for (int i = 0; i < blocks.size(); i++) {
      out.append("[R").append(i + 1).append("] ").append(blocks.get(i)).append('\n');
    }
    return out.toString();
  }
}
