package dev.orch.kernel.planner;

import io.vertx.core.json.JsonArray;
import java.math.BigDecimal;
import java.util.List;

/**
 * A plan turned into task rows (API.md §10), before anything is written.
 *
 * @param tasks in plan order; C# assembly tasks last
 * @param edges (task index, dependency index) pairs, de-duplicated (API.md §18.6)
 * @param warnings dependency indices that were dropped, and why
 *
 * <p>A draft's {@code criticalPath} is the number of tasks on the longest chain from it to the end of
 * the DAG, itself included: the executor runs the ready task with the longest remaining chain first.
 */
public record Decomposition(String summary, List<TaskDraft> tasks, List<int[]> edges, int totalWaves,
    List<String> warnings, BigDecimal estimatedCostUsd) {

  /** One task row to insert. {@code context} is the list of {@code {type, content}} entries. */
  public record TaskDraft(String title, String description, String taskType, String modelTier, List<String> tools,
      List<String> requirementIds, String phase, int wave, int priority, int maxTokens, JsonArray context,
      int criticalPath) {

    TaskDraft withCriticalPath(int length) {
      return new TaskDraft(title, description, taskType, modelTier, tools, requirementIds, phase, wave, priority,
          maxTokens, context, length);
    }
  }
}
