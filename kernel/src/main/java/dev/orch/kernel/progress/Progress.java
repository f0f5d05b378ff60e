package dev.orch.kernel.progress;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sending side of {@link ProgressAddresses#EMIT}, for every component that reports progress. */
public final class Progress {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
  private static final long TIMEOUT_MS = 10_000;
  /**
   * To this node's progress verticle (every node runs one): a clustered send may go to any node, and
   * two events sent one after the other to two nodes could be numbered in the opposite order.
   */
  private static final DeliveryOptions DELIVERY = new DeliveryOptions().setSendTimeout(TIMEOUT_MS).setLocalOnly(true);

  private final EventBus bus;

  public Progress(EventBus bus) {
    this.bus = bus;
  }

  /**
   * Emits one event. Events sent from one verticle are numbered in the order they were sent.
   *
   * @param taskId the task the event is about, or null; must belong to the project
   * @param type one of {@link EventTypes}, or an engine-internal type
   * @param data the extra fields of API.md §6.4 (e.g. {@code {"cost_usd": 0.01}}), or null
   * @return the event's id, or null when it could not be logged (which is logged here and never fails
   *     the caller's state change)
   */
  public Future<Long> emit(String projectId, String taskId, String type, String message, JsonObject data) {
    JsonObject body = new JsonObject().put("project_id", projectId).put("task_id", taskId).put("type", type)
        .put("message", message).put("data", data);
    return bus.<JsonObject>request(ProgressAddresses.EMIT, body, DELIVERY)
        .map(reply -> reply.body().getLong("id"))
        .otherwise(err -> {
          LOG.warn("progress event not logged [project: {}, task: {}, type: {}, reason: {}]", projectId, taskId, type,
              err.getMessage());
          return null;
        });
  }

  public Future<Long> emit(String projectId, String taskId, String type, String message) {
    return emit(projectId, taskId, type, message, null);
  }
}
