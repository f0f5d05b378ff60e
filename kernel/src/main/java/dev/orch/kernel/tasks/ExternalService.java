package dev.orch.kernel.tasks;

import dev.orch.kernel.state.ExecutionSettings;

import dev.orch.kernel.state.TaskView;
import dev.orch.kernel.executor.ExecutorSignals;

import dev.orch.kernel.auth.Principal;
import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.model.Usage;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.projects.Project;
import dev.orch.kernel.projects.ProjectAccess;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import dev.orch.kernel.tasks.TaskRepository.TaskState;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External execution (API.md §3.7, §12): an outside agent lists claimable tasks, claims one, and
 * hands back its result or releases it. Foreign projects are hidden behind 404s. A result's spend
 * goes through the budget's reservation path like internal work (§18.1 decision 23), and the
 * executor is told about the completion so that it forwards context and extracts knowledge.
 */
public final class ExternalService {
  private static final Logger LOG = LoggerFactory.getLogger(ExternalService.class);
  static final String PROVIDER = "anthropic";
  static final String PURPOSE = ExternalSpend.PURPOSE;
  private static final int DESCRIPTION_PREVIEW = 500;

  private final Db db;
  private final ProjectAccess access;
  private final ExecutorSignals signals;
  private final Budget budget;
  private final Progress progress;
  private final Pricing pricing;
  private final Clock clock;
  private final ExternalSpend spend;
  private final TaskRepository repo = new TaskRepository();

  ExternalService(Db db, ProjectAccess access, ExecutorSignals signals, EventBus bus, Pricing pricing,
      ExternalSpend spend, Clock clock) {
    this.spend = spend;
    this.db = db;
    this.access = access;
    this.signals = signals;
    this.budget = new Budget(bus);
    this.progress = new Progress(bus);
    this.pricing = pricing;
    this.clock = clock;
  }

  /** The result an agent hands in (API.md §3.7). */
  public record Result(String outputText, String modelUsed, long promptTokens, long completionTokens) {}

  /**
   * Pending tasks of the current wave whose dependencies are completed, best first; without
   * {@code ollama} tasks in hybrid mode. Empty unless the project executes in a non-auto mode.
   */
  public Future<JsonArray> claimable(Principal caller, String projectId) {
    return visibleProject(caller, projectId).compose(project -> {
      if (!project.status().equals("executing") || auto(project)) {
        return Future.succeededFuture(new JsonArray());
      }
      SqlClient c = db.client();
      return repo.currentWave(c, projectId)
          .compose(wave -> Future.all(repo.claimable(c, projectId, wave, hybrid(project)),
              TaskView.dependencies(c, projectId)))
          .map(all -> {
            List<Row> rows = all.resultAt(0);
            Map<String, JsonArray> deps = all.resultAt(1);
            JsonArray out = new JsonArray();
            rows.forEach(r -> out.add(new JsonObject()
                .put("id", r.getString("id"))
                .put("title", r.getString("title"))
                .put("description", preview(r.getString("description")))
                .put("model_tier", r.getString("model_tier"))
                .put("wave", r.getInteger("wave"))
                .put("priority", r.getInteger("priority"))
                .put("phase", r.getString("phase"))
                .put("task_type", r.getString("task_type"))
                .put("depends_on", deps.getOrDefault(r.getString("id"), new JsonArray()))));
            return out;
          });
    });
  }

  /**
   * {@code pending} → {@code running} for the caller, after the checks of API.md §3.7 in their order.
   * Replies {@code TaskClaimResponse}.
   */
  public Future<JsonObject> claim(Principal caller, String taskId) {
    return task(taskId).compose(task -> visibleProject(caller, task.projectId()).compose(project -> {
      if (!project.status().equals("executing")) {
        return Future.failedFuture(notExecuting(project.status()));
      }
      if (auto(project)) {
        return Future.failedFuture(OrchestratorException.conflict(
            "Project uses auto execution mode — external claiming not allowed"));
      }
      if (hybrid(project) && "ollama".equals(task.modelTier())) {
        return Future.failedFuture(OrchestratorException.conflict("Ollama tasks are handled internally in hybrid mode"));
      }
      // The agent's whole work is held against the limits before it may start.
      return budget.reserve(spend.claimHold(task)).recover(err -> Future.failedFuture(Budget.refused(err)
              ? OrchestratorException.budgetExhausted(err.getMessage()) : err))
          .compose(reservationId -> repo.claim(db.client(), taskId, caller.id(), now()).compose(won -> {
            if (won) {
              LOG.info("task claimed [project: {}, task: {}, by: {}]", task.projectId(), taskId, caller.id());
              return claimResponse(taskId);
            }
            // The claim also requires an executing project: say which condition failed.
            return budget.release(reservationId).compose(v -> repo.projectStatus(db.client(), task.projectId()))
                .compose(status -> Future.failedFuture(status != null && !status.equals("executing")
                    ? notExecuting(status) : OrchestratorException.conflict(
                        "Task not claimable — already claimed or not pending")));
          }));
    }));
  }

  /**
   * Stores the caller's result of a task it claimed: its spend through the budget, then the task
   * {@code completed} (unless it was cancelled or released meanwhile), a {@code task_complete}
   * event, and a completion notice to the executor. Replies {@code TaskResultResponse}.
   */
  public Future<JsonObject> result(Principal caller, String taskId, Result result) {
    return visibleTask(caller, taskId).compose(claimed -> {
      TaskState task = claimed.task();
      double cost = pricing.cost(result.modelUsed(), new Usage(result.promptTokens(), result.completionTokens(), 0, 0))
          .doubleValue();
      OrchestratorException refused = refusal(task, caller);
      String impossible = spend.tokenRefusal(result.modelUsed(), result.promptTokens(), result.completionTokens());
      if (impossible != null && (refused == null || task.status().equals("cancelled"))) {
        return Future.failedFuture(new OrchestratorException(422, impossible, false));
      }
      if (refused != null) {
        if (task.status().equals("cancelled") && caller.id().equals(task.claimedBy())) {
          // Cancelled while the caller worked on it: cancellation wins over the result (API.md §18.8),
          // but the caller's spend is real and is recorded all the same.
          return recordSpend(task, result, cost).transform(ignored -> Future.failedFuture(refused));
        }
        return Future.failedFuture(refused);
      }
      return recordSpend(task, result, cost)
          .compose(v -> db.pool().withTransaction(tx -> repo.completeExternal(tx, taskId, caller.id(),
                  result.outputText(), result.modelUsed(), result.promptTokens(), result.completionTokens(), cost, now())
              .compose(won -> won ? Future.succeededFuture() : refusal(tx, caller, taskId))))
          .compose(v -> {
            LOG.info("external result stored [project: {}, task: {}, model: {}, cost: {}, by: {}]", task.projectId(),
                taskId, result.modelUsed(), cost, caller.id());
            // Stored before the executor hears of the completion, so the events stay in order.
            return progress.emit(task.projectId(), taskId, EventTypes.TASK_COMPLETE, task.title(),
                new JsonObject().put("cost_usd", cost));
          })
          .compose(eventId -> {
            signals.completedExternally(task.projectId(), taskId);
            return nextClaimable(claimed.project());
          })
          .map(next -> new JsonObject()
              .put("task_id", taskId)
              .put("status", "completed")
              .put("verification_status", null)
              .put("verification_notes", null)
              .put("next_claimable_task_id", next));
    });
  }

  /** Gives a claimed task back: {@code pending}, claim cleared, {@code retry_count} unchanged. */
  public Future<JsonObject> release(Principal caller, String taskId) {
    return visibleTask(caller, taskId)
        .compose(claimed -> {
          OrchestratorException refused = refusal(claimed.task(), caller);
          return refused == null ? Future.succeededFuture(claimed) : Future.<Claimed>failedFuture(refused);
        })
        .compose(claimed -> db.pool().withTransaction(tx -> repo.release(tx, taskId, caller.id(), now())
                .compose(won -> won ? Future.succeededFuture() : refusal(tx, caller, taskId)))
            .compose(v -> budget.held(taskId, PURPOSE)
                .compose(held -> budget.release(held.getString("reservation_id")))
                .otherwiseEmpty())
            .map(v -> {
              LOG.info("task released [project: {}, task: {}, by: {}]", claimed.task().projectId(), taskId, caller.id());
              signals.wake(claimed.task().projectId());
              return new JsonObject().put("status", "released").put("task_id", taskId);
            }));
  }

  private record Claimed(TaskState task, Project project) {}

  /** The first checks of result and release: 404 {@code Task not found}, 404 {@code Project not found}. */
  private Future<Claimed> visibleTask(Principal caller, String taskId) {
    return task(taskId).compose(task -> visibleProject(caller, task.projectId()).map(project -> new Claimed(task, project)));
  }

  /** The next checks of result and release: 409 not running, then 403 not the claimant; null when both pass. */
  private static OrchestratorException refusal(TaskState task, Principal caller) {
    if (!task.status().equals("running")) {
      return OrchestratorException.conflict("Task is not running (status: " + task.status() + ")");
    }
    if (!caller.id().equals(task.claimedBy())) {
      return OrchestratorException.forbidden("Task is claimed by a different user");
    }
    return null;
  }

  /** Why a compare-and-set on a claimed task matched nothing: the task moved after the checks. */
  private Future<Void> refusal(SqlClient tx, Principal caller, String taskId) {
    return repo.state(tx, taskId).compose(task -> {
      if (task == null) {
        return Future.failedFuture(OrchestratorException.notFound("Task not found"));
      }
      OrchestratorException refused = refusal(task, caller);
      return Future.failedFuture(refused != null ? refused
          : OrchestratorException.conflict("Task is not running (status: " + task.status() + ")"));
    });
  }

  /**
   * Records the cost against the hold the claim took (API.md §18.1 decision 23), or against a new
   * one when that hold expired. A cost the hold cannot cover is refused with 422 and a refused new
   * hold with 402: nothing is recorded, the claim stays, and the agent may report again or release.
   * The call id is the claim's, so a resent result is counted once.
   */
  private Future<Void> recordSpend(TaskState task, Result result, double cost) {
    String callId = "external:" + task.id() + ":"
        + (task.claimedAt() == null ? "" : BigDecimal.valueOf(task.claimedAt()).toPlainString());
    return hold(task, cost).compose(reservationId -> {
      UsageRecord usage = new UsageRecord(callId, reservationId, task.projectId(), task.id(), PROVIDER,
          result.modelUsed(), result.promptTokens(), result.completionTokens(), cost, PURPOSE);
      return budget.record(usage).<Void>mapEmpty().onFailure(err -> LOG.warn("external spend not recorded [project: {},"
          + " task: {}, reason: {}]", task.projectId(), task.id(), err.getMessage()));
    });
  }

  /** The reservation the cost is recorded against: the claim's live hold, or a new one. */
  private Future<String> hold(TaskState task, double cost) {
    double cap = spend.claimHold(task).amountUsd();
    return budget.held(task.id(), PURPOSE).compose(held -> {
      String id = held.getString("reservation_id");
      double amount = id == null ? cap : held.getDouble("amount_usd");
      if (cost > amount + 1e-9) {
        return Future.failedFuture(new OrchestratorException(422, String.format(java.util.Locale.ROOT,
            "Reported cost $%.6f exceeds the $%.6f this task's claim may spend (its estimate times"
                + " budget.external_overrun_factor)", cost, amount), false));
      }
      if (id != null || cost <= 0) {
        return Future.succeededFuture(id);
      }
      return budget.reserve(new ReserveRequest(cost, task.projectId(), task.id(), PURPOSE, null))
          .recover(err -> Future.failedFuture(Budget.refused(err)
              ? OrchestratorException.budgetExhausted(err.getMessage()) : err));
    });
  }

  /**
   * The suggestion after a result: the first claimable task by the same rule and tier filter as the
   * claimable list (API.md §18 item 15), or null in auto mode.
   */
  private Future<String> nextClaimable(Project project) {
    if (auto(project)) {
      return Future.succeededFuture(null);
    }
    return repo.currentWave(db.client(), project.id())
        .compose(wave -> repo.claimable(db.client(), project.id(), wave, hybrid(project)))
        .map(rows -> rows.isEmpty() ? null : rows.get(0).getString("id"));
  }

  private Future<JsonObject> claimResponse(String taskId) {
    return Future.all(repo.claimed(db.client(), taskId), repo.dependsOn(db.client(), taskId)).map(all -> {
      Row r = all.resultAt(0);
      String systemPrompt = r.getString("system_prompt");
      return new JsonObject()
          .put("id", r.getString("id"))
          .put("project_id", r.getString("project_id"))
          .put("title", r.getString("title"))
          .put("description", r.getString("description"))
          .put("task_type", r.getString("task_type"))
          .put("model_tier", r.getString("model_tier"))
          .put("wave", r.getInteger("wave"))
          .put("priority", r.getInteger("priority"))
          .put("phase", r.getString("phase"))
          .put("system_prompt", systemPrompt == null ? "" : systemPrompt)
          .put("context", TaskView.jsonArray(r.getString("context_json")))
          .put("tools", TaskView.jsonArray(r.getString("tools_json")))
          .put("depends_on", all.<JsonArray>resultAt(1))
          .put("max_tokens", r.getInteger("max_tokens"))
          .put("requirement_ids", TaskView.jsonArray(r.getString("requirement_ids_json")));
    });
  }

  /** The task, or 404 {@code Task not found}. */
  private Future<TaskState> task(String taskId) {
    return repo.state(db.client(), taskId).compose(task -> task != null ? Future.succeededFuture(task)
        : Future.failedFuture(OrchestratorException.notFound("Task not found")));
  }

  /** The project when the caller may see it; missing and foreign alike are 404 {@code Project not found}. */
  private Future<Project> visibleProject(Principal caller, String projectId) {
    return access.project(caller, projectId).recover(err -> Future.failedFuture(
        err instanceof OrchestratorException oe && (oe.status() == 403 || oe.status() == 404)
            ? OrchestratorException.notFound("Project not found") : err));
  }

  /** The project's execution mode, read as everywhere else ({@link ExecutionSettings}). */
  static ExecutionSettings.Mode mode(Project project) {
    return ExecutionSettings.of(project.config()).mode();
  }

  private static boolean auto(Project project) {
    return mode(project) == ExecutionSettings.Mode.AUTO;
  }

  private static boolean hybrid(Project project) {
    return mode(project) == ExecutionSettings.Mode.HYBRID;
  }

  private static OrchestratorException notExecuting(String status) {
    return OrchestratorException.conflict("Project is not executing (status: " + status + ")");
  }

  /** The first 500 characters (code points, as the original counts them). */
  private static String preview(String text) {
    if (text == null || text.codePointCount(0, text.length()) <= DESCRIPTION_PREVIEW) {
      return text;
    }
    return text.substring(0, text.offsetByCodePoints(0, DESCRIPTION_PREVIEW));
  }


  private double now() {
    return Times.now(clock);
  }
}
