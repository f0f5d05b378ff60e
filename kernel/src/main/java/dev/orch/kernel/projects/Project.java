package dev.orch.kernel.projects;

import dev.orch.kernel.store.Sql;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.function.Function;

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
    String gitWorktreePath,
    JsonObject gitState) {

  /** The columns {@link #from} reads. */
  public static final String COLUMNS = "id, name, requirements, status, created_at, updated_at, completed_at, config_json,"
      + " owner_id, repo_path, git_base_branch, git_project_branch, git_worktree_path, git_state_json";

  /** A row selected with {@link #COLUMNS}; a damaged JSON column reads as empty. */
  public static Project from(Row row) {
    return from(row::getString, row::getDouble);
  }

  /** The same, from a row read inside a group-commit unit. */
  public static Project from(Sql.Rec row) {
    return from(row::getString, row::getDouble);
  }

  private static Project from(Function<String, String> text, Function<String, Double> number) {
    return new Project(text.apply("id"), text.apply("name"), text.apply("requirements"), text.apply("status"),
        number.apply("created_at"), number.apply("updated_at"), number.apply("completed_at"),
        json(text.apply("config_json")), text.apply("owner_id"), text.apply("repo_path"),
        text.apply("git_base_branch"), text.apply("git_project_branch"), text.apply("git_worktree_path"), json(text.apply("git_state_json")));
  }

  /** {@code config.planning_rigor} when valid, else L2 (API.md §9.1). */
  public String planningRigor() {
    Object rigor = config.getValue("planning_rigor");
    return "L1".equals(rigor) || "L3".equals(rigor) ? (String) rigor : "L2";
  }

  /** A JSON column as an object; a damaged or empty value reads as empty. */
  public static JsonObject json(String text) {
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
