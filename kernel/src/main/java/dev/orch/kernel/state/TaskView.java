package dev.orch.kernel.state;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads tasks as the API shows them ({@code TaskOut}, API.md §4), with their dependency ids. */
public final class TaskView {
  public static final String COLUMNS = "id, project_id, plan_id, title, description, task_type, priority, status,"
      + " model_tier, model_used, wave, phase, tools_json, verification_status, verification_notes,"
      + " requirement_ids_json, prompt_tokens, completion_tokens, cost_usd, output_text, error, started_at,"
      + " completed_at, created_at, updated_at, git_branch, git_commit_sha";
  private static final String DEPS_OF_PROJECT = "SELECT d.task_id, d.depends_on FROM task_deps d"
      + " JOIN tasks t ON t.id = d.task_id WHERE t.project_id = ? ORDER BY d.task_id, d.depends_on";

  private TaskView() {}

  /** The project's tasks in {@code orderBy} order, each with {@code depends_on}. */
  public static Future<JsonArray> ofProject(SqlClient client, String projectId, String orderBy) {
    Future<List<Row>> tasks = client.preparedQuery("SELECT " + COLUMNS + " FROM tasks WHERE project_id = ? ORDER BY "
        + orderBy).execute(Tuple.of(projectId)).map(rows -> {
          List<Row> out = new ArrayList<>();
          rows.forEach(out::add);
          return out;
        });
    Future<Map<String, JsonArray>> deps = dependencies(client, projectId);
    return Future.all(tasks, deps).map(all -> {
      JsonArray out = new JsonArray();
      tasks.result().forEach(row -> out.add(taskOut(row,
          deps.result().getOrDefault(row.getString("id"), new JsonArray()))));
      return out;
    });
  }

  /** task id → ids it depends on, for every task of the project. */
  public static Future<Map<String, JsonArray>> dependencies(SqlClient client, String projectId) {
    return client.preparedQuery(DEPS_OF_PROJECT).execute(Tuple.of(projectId)).map(rows -> {
      Map<String, JsonArray> out = new HashMap<>();
      rows.forEach(r -> out.computeIfAbsent(r.getString("task_id"), k -> new JsonArray()).add(r.getString("depends_on")));
      return out;
    });
  }

  /** {@code TaskOut}: field order and defaults as in the contract. */
  public static JsonObject taskOut(Row row, JsonArray dependsOn) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("project_id", row.getString("project_id"))
        .put("plan_id", row.getString("plan_id"))
        .put("title", row.getString("title"))
        .put("description", row.getString("description"))
        .put("task_type", row.getString("task_type"))
        .put("priority", row.getInteger("priority"))
        .put("status", row.getString("status"))
        .put("model_tier", row.getString("model_tier"))
        .put("model_used", row.getString("model_used"))
        .put("wave", row.getInteger("wave"))
        .put("phase", row.getString("phase"))
        .put("tools", jsonArray(row.getString("tools_json")))
        .put("verification_status", row.getString("verification_status"))
        .put("verification_notes", row.getString("verification_notes"))
        .put("requirement_ids", jsonArray(row.getString("requirement_ids_json")))
        .put("prompt_tokens", row.getLong("prompt_tokens"))
        .put("completion_tokens", row.getLong("completion_tokens"))
        .put("cost_usd", row.getDouble("cost_usd"))
        .put("output_text", row.getString("output_text"))
        .put("output_artifacts", new JsonArray())
        .put("error", row.getString("error"))
        .put("depends_on", dependsOn)
        .put("started_at", row.getDouble("started_at"))
        .put("completed_at", row.getDouble("completed_at"))
        .put("created_at", row.getDouble("created_at"))
        .put("updated_at", row.getDouble("updated_at"))
        .put("git_branch", row.getString("git_branch"))
        .put("git_commit_sha", row.getString("git_commit_sha"));
  }

  /** A stored JSON array column; a damaged value reads as empty rather than failing the request. */
  public static JsonArray jsonArray(String text) {
    if (text == null || text.isBlank() || text.equals("[]")) {
      return new JsonArray(); // the common empty list, without starting a parser
    }
    try {
      return new JsonArray(text);
    } catch (RuntimeException e) {
      return new JsonArray();
    }
  }
}
