package dev.orch.kernel.progress;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The persisted event log ({@code task_events}) with its per-project numbering
 * ({@code event_counters}, migration V004). Appending is done by {@link ProgressVerticle} only; the
 * HTTP edge reads from here to replay what a reconnecting SSE client missed.
 *
 * <p>Events are handed out as the SSE payload of API.md §6.2 plus their number:
 * {@code {"type", "message", "project_id", "task_id", "timestamp", ...extra fields, "id"}}.
 */
public final class EventRepository {
  // Creates the counter on a project's first event; selecting from projects makes it a no-op for
  // an unknown project, which COUNTER_NEXT then reports as zero rows. On PostgreSQL a concurrent
  // first event waits here for the other's commit, then finds the row.
  private static final String COUNTER_INIT = "INSERT INTO event_counters (project_id, last_seq)"
      + " SELECT id, 0 FROM projects WHERE id = ? ON CONFLICT (project_id) DO NOTHING";
  // On PostgreSQL the UPDATE holds the counter row's lock until commit, so the next event of the
  // project is numbered only after this one is visible: numbers commit in order, without gaps.
  // SQLite has a single connection, so its transactions never interleave anyway.
  private static final String COUNTER_NEXT = "UPDATE event_counters SET last_seq = last_seq + 1 WHERE project_id = ?";
  private static final String COUNTER_READ = "SELECT last_seq FROM event_counters WHERE project_id = ?";
  private static final String TASK_OF_PROJECT = "SELECT 1 FROM tasks WHERE id = ? AND project_id = ?";
  private static final String INSERT = "INSERT INTO task_events (project_id, task_id, event_type, message, data_json,"
      + " timestamp, seq) VALUES (?, ?, ?, ?, ?, ?, ?)";
  private static final String AFTER = "SELECT seq, task_id, event_type, message, data_json, timestamp"
      + " FROM task_events WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?";

  private final Db db;

  public EventRepository(Db db) {
    this.db = db;
  }

  /** One stored event: its number and its payload (which also carries the number as {@code id}). */
  public record Stored(long id, JsonObject payload) {}

  /**
   * Stores one event with the project's next number, in the next group commit: events submitted
   * one after the other are numbered in that order.
   *
   * @param data extra fields, or null
   * @return the stored event; fails 404 when the project, or the task within it, does not exist
   */
  public Future<Stored> append(String projectId, String taskId, String type, String message, JsonObject data,
      double timestamp) {
    String dataJson = data == null ? null : data.encode();
    return db.group().submit(sql -> {
      if (next(sql, projectId) == 0) {
        throw OrchestratorException.notFound("Project " + projectId + " not found");
      }
      if (taskId != null && sql.first(TASK_OF_PROJECT, taskId, projectId) == null) {
        throw OrchestratorException.notFound("Task " + taskId + " not found");
      }
      long seq = sql.first(COUNTER_READ, projectId).getLong("last_seq");
      sql.update(INSERT, projectId, taskId, type, message, dataJson, timestamp, seq);
      return new Stored(seq, payload(seq, projectId, taskId, type, message, data, timestamp));
    });
  }

  /**
   * Up to {@code limit} events of the project numbered above {@code afterId}, in order.
   */
  public Future<List<Stored>> after(String projectId, long afterId, int limit) {
    return db.client().preparedQuery(AFTER).execute(Tuple.of(projectId, afterId, limit)).map(rows -> {
      List<Stored> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        long seq = r.getLong("seq");
        out.add(new Stored(seq, payload(seq, projectId, r.getString("task_id"), r.getString("event_type"),
            r.getString("message"), extras(r.getString("data_json")), r.getDouble("timestamp"))));
      }
      return out;
    });
  }

  /** The number of the project's latest event; 0 when it has none (or does not exist). */
  public Future<Long> latest(String projectId) {
    return db.client().preparedQuery(COUNTER_READ).execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong("last_seq"));
  }

  /**
   * The SSE data of API.md §6.2 plus {@code id}. The extra fields come after the standard ones and
   * cannot replace them, so a careless {@code data} never changes the type or project of an event.
   */
  static JsonObject payload(long seq, String projectId, String taskId, String type, String message, JsonObject data,
      double timestamp) {
    JsonObject out = new JsonObject().put("type", type).put("message", message).put("project_id", projectId)
        .put("task_id", taskId).put("timestamp", timestamp);
    if (data != null) {
      data.forEach(field -> {
        if (!out.containsKey(field.getKey()) && !"id".equals(field.getKey())) {
          out.put(field.getKey(), field.getValue());
        }
      });
    }
    return out.put("id", seq);
  }

  /** Takes the project's next number; 0 rows when the project does not exist. */
  private static int next(Sql sql, String projectId) throws java.sql.SQLException {
    int updated = sql.update(COUNTER_NEXT, projectId);
    if (updated > 0) {
      return updated;
    }
    // The project's first event: create its counter, then take the number as usual.
    sql.update(COUNTER_INIT, projectId);
    return sql.update(COUNTER_NEXT, projectId);
  }

  /** Stored extras; a row that is not a JSON object (none are written so) contributes none. */
  private static JsonObject extras(String dataJson) {
    if (dataJson == null) {
      return null;
    }
    try {
      return new JsonObject(dataJson);
    } catch (RuntimeException notAnObject) {
      return null;
    }
  }
}
