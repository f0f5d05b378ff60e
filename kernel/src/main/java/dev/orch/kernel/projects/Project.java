package dev.orch.kernel.projects;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

/** A row of {@code projects}. {@code ownerId} is null when the owner was deleted (admins only). */
public record Project(
    String id,
    String name,
    String requirements,
    String status,
    double createdAt,
    double updatedAt,
    Double completedAt,
    JsonObject config,
    String ownerId,
    String repoPath,
    String gitBaseBranch,
    String gitProjectBranch,
    JsonObject gitState) {

  /** The columns {@link #from} reads. */
  public static final String COLUMNS = "id, name, requirements, status, created_at, updated_at, completed_at, config_json,"
      + " owner_id, repo_path, git_base_branch, git_project_branch, git_state_json";

  /** A row selected with {@link #COLUMNS}; a damaged JSON column reads as empty. */
  public static Project from(Row row) {
    return new Project(row.getString("id"), row.getString("name"), row.getString("requirements"),
        row.getString("status"), row.getDouble("created_at"), row.getDouble("updated_at"),
        row.getDouble("completed_at"), json(row.getString("config_json")), row.getString("owner_id"),
        row.getString("repo_path"), row.getString("git_base_branch"), row.getString("git_project_branch"),
        json(row.getString("git_state_json")));
  }

  /** {@code config.planning_rigor} when valid, else L2 (API.md §9.1). */
  public String planningRigor() {
    Object rigor = config.getValue("planning_rigor");
    return "L1".equals(rigor) || "L3".equals(rigor) ? (String) rigor : "L2";
  }

  private static JsonObject json(String text) {
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }
}
