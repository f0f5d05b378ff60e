package dev.orch.kernel.executor;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the executor what the API changed, through {@link ExecutorAddresses}. Callers publish only
 * after their transaction committed, so the executor never looks before the change is visible.
 */
public final class ExecutorSignals {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorSignals.class);

  /** Landing runs a handful of git commands, each under {@code git.command_timeout}. */
  private static final long LAND_TIMEOUT_MS = 180_000;

  private final EventBus bus;

  public ExecutorSignals(EventBus bus) {
    this.bus = bus;
  }

  /** Work of the project may have become ready. */
  public void wake(String projectId) {
    LOG.debug("executor woken [project: {}]", projectId);
    bus.publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
  }

  /** Work in flight for the project ({@code taskId} null) or one task must stop: cancellation wins (API.md §18.8). */
  public void cancel(String projectId, String taskId) {
    LOG.debug("executor told to stop [project: {}, task: {}]", projectId, taskId);
    bus.publish(ExecutorAddresses.CANCEL, new JsonObject().put("project_id", projectId).put("task_id", taskId));
  }

  /**
   * Before a review approval is stored: a git project's task lands its work on the project branch
   * ({@link ExecutorAddresses#LAND}). Fails 409 on a conflict (the task gets a checkpoint), 502 when
   * git fails; succeeds at once for a project without a repository.
   */
  public Future<Void> land(String taskId) {
    return bus.<JsonObject>request(ExecutorAddresses.LAND, new JsonObject().put("task_id", taskId),
        new DeliveryOptions().setSendTimeout(LAND_TIMEOUT_MS)).mapEmpty();
  }

  /** An external agent's result was stored: the executor forwards context and extracts knowledge. */
  public void completedExternally(String projectId, String taskId) {
    bus.publish(ExecutorAddresses.COMPLETED, new JsonObject().put("project_id", projectId).put("task_id", taskId)
        .put("external", true));
  }
}
