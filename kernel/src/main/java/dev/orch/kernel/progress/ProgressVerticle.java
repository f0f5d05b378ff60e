package dev.orch.kernel.progress;

import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress log on the bus: stores each event of {@link ProgressAddresses#EMIT} with the
 * project's next number, then publishes it on {@link ProgressAddresses#project(String)}. The
 * publish goes over the clustered bus, so SSE clients on every node see it. It keeps no state
 * beyond requests in flight, so every node runs one against the same database.
 */
public final class ProgressVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressVerticle.class);

  private final EventRepository events;
  private final Clock clock;
  public ProgressVerticle(Db db, Clock clock) {
    this.events = new EventRepository(db);
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<Object>consumer(ProgressAddresses.EMIT, this::onEmit).completion()
        .onSuccess(v -> LOG.info("progress listening [address: {}]", ProgressAddresses.EMIT));
  }

  private void onEmit(Message<Object> msg) {
    Emit emit;
    try {
      emit = Emit.from(msg.body());
    } catch (OrchestratorException invalid) {
      msg.fail(invalid.status(), invalid.getMessage());
      return;
    }
    String projectId = emit.projectId();
    // Group commits run and complete in submission order, so the bus's order of one sender's
    // messages is also the order of their numbers and of their publishes (a task's start before
    // its completion).
    events.append(projectId, emit.taskId(), emit.type(), emit.message(), emit.data(), Times.now(clock))
        .onSuccess(event -> {
          // Only after the commit: a client that sees this event can find it, and all before it, stored.
          vertx.eventBus().publish(ProgressAddresses.project(projectId), event.payload());
          msg.reply(new JsonObject().put("id", event.id()));
        })
        .onFailure(err -> Failures.reply(msg, err));
  }

  /** A validated {@link ProgressAddresses#EMIT} body. */
  private record Emit(String projectId, String taskId, String type, String message, JsonObject data) {
    static Emit from(Object body) {
      if (!(body instanceof JsonObject json)) {
        throw OrchestratorException.badRequest("body must be a JSON object");
      }
      String projectId = text(json, "project_id", true);
      String type = text(json, "type", true);
      if (type.chars().anyMatch(c -> c <= ' ')) {
        // It becomes an SSE "event:" line, which a line break would split.
        throw OrchestratorException.badRequest("type must not contain spaces or control characters");
      }
      String message = text(json, "message", false);
      Object taskId = json.getValue("task_id");
      if (taskId != null && !(taskId instanceof String)) {
        throw OrchestratorException.badRequest("task_id must be a string or null");
      }
      Object data = json.getValue("data");
      if (data != null && !(data instanceof JsonObject)) {
        throw OrchestratorException.badRequest("data must be an object or null");
      }
      return new Emit(projectId, (String) taskId, type, message == null ? "" : message, (JsonObject) data);
    }

    private static String text(JsonObject json, String field, boolean required) {
      Object value = json.getValue(field);
      if (value == null && !required) {
        return null;
      }
      if (!(value instanceof String s) || (required && s.isEmpty())) {
        throw OrchestratorException.badRequest(field + " must be a " + (required ? "non-empty " : "") + "string");
      }
      return s;
    }
  }
}
