package dev.orch.kernel.tasks;

import dev.orch.kernel.state.TaskView;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/** SQL for {@code checkpoints} (API.md §3.6, §17). */
final class CheckpointRepository {
  static final String COLUMNS = "id, project_id, task_id, checkpoint_type, summary, attempts_json, question, response,"
      + " resolved_at, created_at";
  static final String ONE = "SELECT " + COLUMNS + " FROM checkpoints WHERE id = ?";
  /** Newest first; the id breaks ties so that pages never overlap. */
  static final String OF_PROJECT = "SELECT " + COLUMNS + " FROM checkpoints WHERE project_id = ?%s"
      + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
  static final String UNRESOLVED = " AND resolved_at IS NULL";
  /** Resolved once: the second of two concurrent resolutions matches no row. */
  static final String RESOLVE = "UPDATE checkpoints SET response = ?, resolved_at = ? WHERE id = ? AND resolved_at IS NULL";

  /** The stored row of one checkpoint, or null. */
  Future<Row> row(SqlClient client, String checkpointId) {
    return client.preparedQuery(ONE).execute(Tuple.of(checkpointId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /**
   * A page of the project's checkpoints: unresolved ones only, or with {@code all} every one of them.
   * ({@code ?resolved=true} lists all, not only the resolved ones: API.md §18 item 21, kept.)
   */
  Future<JsonArray> ofProject(SqlClient client, String projectId, boolean all, int limit, int offset) {
    return client.preparedQuery(OF_PROJECT.formatted(all ? "" : UNRESOLVED)).execute(Tuple.of(projectId, limit, offset))
        .map(rows -> {
          JsonArray out = new JsonArray();
          rows.forEach(row -> out.add(checkpointOut(row)));
          return out;
        });
  }

  Future<Boolean> resolve(SqlClient client, String checkpointId, String response, double now) {
    return client.preparedQuery(RESOLVE).execute(Tuple.of(response, now, checkpointId)).map(rows -> rows.rowCount() > 0);
  }

  /** {@code CheckpointOut} (API.md §4). */
  static JsonObject checkpointOut(Row row) {
    return new JsonObject()
        .put("id", row.getString("id"))
        .put("project_id", row.getString("project_id"))
        .put("task_id", row.getString("task_id"))
        .put("checkpoint_type", row.getString("checkpoint_type"))
        .put("summary", row.getString("summary"))
        .put("attempts", TaskView.jsonArray(row.getString("attempts_json")))
        .put("question", row.getString("question"))
        .put("response", row.getString("response"))
        .put("resolved_at", row.getDouble("resolved_at"))
        .put("created_at", row.getDouble("created_at"));
  }
}
