package dev.orch.kernel.projects;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** {@code ProjectOut} and {@code PlanOut} (API.md §4). */
public final class ProjectView {
  private ProjectView() {}

  /** From a row with the project columns and, when present, the {@code t_*} summary columns. */
  static JsonObject projectOut(Row row) {
    JsonObject summary = row.getColumnIndex("t_total") < 0 ? null : new JsonObject()
        .put("total", row.getLong("t_total"))
        .put("completed", row.getLong("t_completed"))
        .put("running", row.getLong("t_running"))
        .put("failed", row.getLong("t_failed"));
    return projectOut(Project.from(row), summary);
  }

  public static JsonObject projectOut(Project p, JsonObject taskSummary) {
    return new JsonObject()
        .put("id", p.id())
        .put("name", p.name())
        .put("requirements", p.requirements())
        .put("status", p.status())
        .put("created_at", p.createdAt())
        .put("updated_at", p.updatedAt())
        .put("completed_at", p.completedAt())
        .put("config", p.config())
        .put("planning_rigor", p.planningRigor())
        .put("task_summary", taskSummary)
        .put("repo_path", p.repoPath())
        .put("git_base_branch", p.gitBaseBranch())
        .put("git_project_branch", p.gitProjectBranch())
        .put("git_worktree_path", p.gitWorktreePath())
        .put("git_state", p.gitState());
  }

  public static JsonObject planOut(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("project_id", row.getString("project_id"))
        .put("version", row.getInteger("version"))
        .put("model_used", row.getString("model_used"))
        .put("prompt_tokens", row.getLong("prompt_tokens"))
        .put("completion_tokens", row.getLong("completion_tokens"))
        .put("cost_usd", row.getDouble("cost_usd"))
        .put("plan", planJson(row.getString("plan_json")))
        .put("status", row.getString("status"))
        .put("created_at", row.getDouble("created_at"));
  }

  static JsonObject planJson(String text) {
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
