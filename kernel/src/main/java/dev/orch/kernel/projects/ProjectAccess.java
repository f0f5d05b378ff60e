package dev.orch.kernel.projects;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * The ownership rule of API.md §1.6, in one place: the owner or an admin may act on a project; a
 * project without an owner is reachable by admins only. Task, checkpoint and knowledge resources
 * are checked through their parent project.
 */
public final class ProjectAccess {
  private static final String BY_ID = "SELECT " + Project.COLUMNS + " FROM projects WHERE id = ?";
  private static final String TASK_PROJECT = "SELECT project_id FROM tasks WHERE id = ?";
  private static final String CHECKPOINT_PROJECT = "SELECT project_id FROM checkpoints WHERE id = ?";

  private final Db db;

  public ProjectAccess(Db db) {
    this.db = db;
  }

  /** The project, or 404 {@code Project {id} not found} / 403 {@code You do not own this project}. */
  public Future<Project> project(Principal caller, String projectId) {
    return project(db.reads(), caller, projectId);
  }

  public Future<Project> project(SqlClient client, Principal caller, String projectId) {
    return load(client, projectId).compose(project -> {
      if (project == null) {
        return Future.failedFuture(OrchestratorException.notFound("Project " + projectId + " not found"));
      }
      if (!allowed(caller, project)) {
        return Future.failedFuture(OrchestratorException.forbidden("You do not own this project"));
      }
      return Future.succeededFuture(project);
    });
  }

  /**
   * The parent project of a task, or 404 {@code Task {id} not found} / 403
   * {@code You do not own this task's project} (also when the parent row is missing).
   */
  public Future<Project> taskProject(Principal caller, String taskId) {
    return parent(caller, TASK_PROJECT, taskId, "Task " + taskId + " not found", "You do not own this task's project");
  }

  /** As {@link #taskProject} for checkpoints. */
  public Future<Project> checkpointProject(Principal caller, String checkpointId) {
    return parent(caller, CHECKPOINT_PROJECT, checkpointId, "Checkpoint " + checkpointId + " not found",
        "You do not own this checkpoint's project");
  }

  /** True when {@code caller} may act on {@code project}. */
  public static boolean allowed(Principal caller, Project project) {
    return caller.admin() || (project.ownerId() != null && project.ownerId().equals(caller.id()));
  }

  private Future<Project> parent(Principal caller, String sql, String id, String notFound, String forbidden) {
    return db.client().preparedQuery(sql).execute(Tuple.of(id)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(OrchestratorException.notFound(notFound));
      }
      return load(db.client(), rows.iterator().next().getString("project_id")).compose(project ->
          project == null || !allowed(caller, project)
              ? Future.failedFuture(OrchestratorException.forbidden(forbidden))
              : Future.succeededFuture(project));
    });
  }

  private static Future<Project> load(SqlClient client, String projectId) {
    return client.preparedQuery(BY_ID).execute(Tuple.of(projectId))
        .map(rows -> rows.size() == 0 ? null : Project.from(rows.iterator().next()));
  }
}
