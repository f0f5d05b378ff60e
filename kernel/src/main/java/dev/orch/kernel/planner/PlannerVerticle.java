package dev.orch.kernel.planner;

import dev.orch.kernel.budget.Budget;
import dev.orch.kernel.budget.ReserveRequest;
import dev.orch.kernel.budget.UsageRecord;
import dev.orch.kernel.bus.Failures;
import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.model.ChatRequest;
import dev.orch.kernel.model.ChatResponse;
import dev.orch.kernel.model.ModelException;
import dev.orch.kernel.model.ModelProviders;
import dev.orch.kernel.model.Pricing;
import dev.orch.kernel.projects.Project;
import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plan generation and approval (API.md §9, §10). Every planning call is preceded by a budget
 * reservation and followed by its recorded spend; approval writes the task DAG in one transaction.
 */
public final class PlannerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PlannerVerticle.class);
  static final long ESTIMATE_INPUT_TOKENS = 2000;
  static final long ESTIMATE_OUTPUT_TOKENS = 2000;

  private final Db db;
  private final ModelProviders models;
  private final Pricing pricing;
  private final String planningModel;
  private final Decomposer decomposer;
  private final Clock clock;
  private final PlanRepository repo = new PlanRepository();
  private Budget budget;

  public PlannerVerticle(Db db, ModelProviders models, Pricing pricing, String planningModel, Decomposer decomposer,
      Clock clock) {
    this.db = db;
    this.models = models;
    this.pricing = pricing;
    this.planningModel = planningModel;
    this.decomposer = decomposer;
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    budget = new Budget(vertx.eventBus());
    var generate = vertx.eventBus().<JsonObject>consumer(PlannerAddresses.GENERATE, msg -> reply(msg, generate(msg.body())));
    var approve = vertx.eventBus().<JsonObject>consumer(PlannerAddresses.APPROVE, msg -> reply(msg, approve(msg.body())));
    LOG.info("planner listening [addresses: {}, {}, model: {}]", PlannerAddresses.GENERATE, PlannerAddresses.APPROVE,
        planningModel);
    return Future.all(generate.completion(), approve.completion());
  }

  private static void reply(Message<JsonObject> msg, Future<JsonObject> result) {
    result.onSuccess(msg::reply).onFailure(err -> Failures.reply(msg, err));
  }

  private double now() {
    return Times.now(clock);
  }

  // ---- generate ----

  private Future<JsonObject> generate(JsonObject body) {
    String projectId = body == null ? null : body.getString("project_id");
    if (projectId == null) {
      return Future.failedFuture(OrchestratorException.badRequest("project_id is required"));
    }
    return repo.project(db.client(), projectId).compose(project -> {
      if (project == null) {
        return Future.failedFuture(OrchestratorException.notFound("Project " + projectId + " not found"));
      }
      return repo.startPlanning(db.client(), projectId, now()).compose(started -> {
        if (!started) {
          return repo.project(db.client(), projectId).compose(current -> Future.failedFuture(
              OrchestratorException.badRequest("Cannot plan a project in '" + current.status() + "' state")));
        }
        LOG.info("planning started [project: {}, rigor: {}, model: {}]", projectId, project.planningRigor(), planningModel);
        return reserve(projectId)
            .compose(reservationId -> callAndStore(project, reservationId))
            // Back to draft in every outcome (API.md §8.2).
            .eventually(() -> repo.endPlanning(db.client(), projectId, now()));
      });
    });
  }

  private Future<String> reserve(String projectId) {
    double estimate = pricing.estimate(planningModel, ESTIMATE_INPUT_TOKENS, ESTIMATE_OUTPUT_TOKENS).doubleValue();
    return budget.reserve(new ReserveRequest(estimate, projectId, null, "planning", null))
        .recover(err -> Future.failedFuture(Budget.refused(err)
            ? OrchestratorException.budgetExhausted("Budget limit reached. Cannot generate plan.") : err));
  }

  private Future<JsonObject> callAndStore(Project project, String reservationId) {
    ChatRequest request = ChatRequest.of(planningModel, PlannerPrompts.maxTokens(project.planningRigor()),
            PlannerPrompts.user(project.name(), project.requirements()))
        .withSystem(PlannerPrompts.system(project.planningRigor()));
    String callId = Ids.hex32();
    return models.chat(request)
        .recover(err -> {
          // A call whose outcome is unknown may have been billed: its hold counts until it expires.
          boolean unknown = err instanceof ModelException me && me.outcomeUnknown();
          return (unknown ? Future.<Void>succeededFuture() : budget.release(reservationId)).transform(ignored -> {
            LOG.warn("planning call failed [project: {}, model: {}, reason: {}]", project.id(), planningModel,
                err.getMessage());
            // The provider's own text stays in the log: it may echo the request or name internals.
            return Future.failedFuture(new OrchestratorException(500, "Planning call to " + planningModel + " failed"
                + why(err)));
          });
        })
        .compose(response -> {
          double cost = pricing.cost(response.model(), response.usage()).doubleValue();
          return record(project.id(), reservationId, callId, response, cost).compose(v -> store(project, response, cost));
        });
  }

  /** What a caller may learn of a failed call: the provider's status or a timeout, never its text. */
  private static String why(Throwable err) {
    if (err instanceof ModelException me) {
      if (me.kind() == ModelException.Kind.TIMEOUT) {
        return " (timed out)";
      }
      if (me.kind() == ModelException.Kind.NOT_CONFIGURED) {
        return " (the provider is not configured)";
      }
      if (me.upstreamStatus() > 0) {
        return " (the provider answered HTTP " + me.upstreamStatus() + ")";
      }
    }
    return "";
  }

  /** The spend is recorded as soon as the model answered, whether or not the answer is usable. */
  private Future<Void> record(String projectId, String reservationId, String callId, ChatResponse response,
      double cost) {
    UsageRecord usage = new UsageRecord(callId, reservationId, projectId, null, response.provider(), response.model(),
        response.usage().totalInput(), response.usage().output(), cost, "planning");
    return budget.record(usage).mapEmpty();
  }

  private Future<JsonObject> store(Project project, ChatResponse response, double cost) {
    String text = response.text();
    if (text == null || text.isBlank()) {
      return failParse(project.id(), text, "Claude returned an empty response");
    }
    var parsed = PlanParser.parse(text);
    if (parsed.isEmpty()) {
      return failParse(project.id(), text, "Failed to parse plan JSON from Claude response");
    }
    JsonObject plan = parsed.get();
    String planId = Ids.short12();
    long promptTokens = response.usage().totalInput();
    long completionTokens = response.usage().output();
    double now = now();
    return db.pool().withTransaction(tx -> repo.insertPlan(tx, planId, project.id(), response.model(), promptTokens,
            completionTokens, cost, plan, now))
        .map(version -> {
          LOG.info("plan stored [project: {}, plan: {}, version: {}, cost: {}]", project.id(), planId, version, cost);
          return new JsonObject()
              .put("plan_id", planId)
              .put("version", version)
              .put("plan", plan)
              .put("model_used", response.model())
              .put("prompt_tokens", promptTokens)
              .put("completion_tokens", completionTokens)
              .put("cost_usd", cost);
        });
  }

  /** Keeps the unusable answer as a project event, for the user to read in the export. */
  private Future<JsonObject> failParse(String projectId, String answer, String detail) {
    LOG.warn("plan answer unusable [project: {}, chars: {}]", projectId, answer == null ? 0 : answer.length());
    JsonObject data = new JsonObject().put("raw_response", answer == null ? "" : answer).put("model", planningModel);
    return new dev.orch.kernel.progress.Progress(vertx.eventBus()).emit(projectId, null, dev.orch.kernel.progress.EventTypes.PLANNING_FAILED, detail, data)
        .transform(ignored -> Future.failedFuture(new OrchestratorException(422, detail)));
  }

  // ---- approve ----

  private Future<JsonObject> approve(JsonObject body) {
    String projectId = body == null ? null : body.getString("project_id");
    String planId = body == null ? null : body.getString("plan_id");
    if (projectId == null || planId == null) {
      return Future.failedFuture(OrchestratorException.badRequest("project_id and plan_id are required"));
    }
    double now = now();
    return db.pool().<JsonObject>withTransaction(tx -> repo.project(tx, projectId).compose(project -> {
      if (project == null) {
        return Future.failedFuture(OrchestratorException.notFound("Project " + projectId + " not found"));
      }
      return repo.plan(tx, planId, projectId).compose(plan -> {
        if (plan == null) {
          return Future.failedFuture(OrchestratorException.notFound("Plan " + planId + " not found"));
        }
        if (!plan.status().equals("draft")) {
          return Future.failedFuture(OrchestratorException.badRequest("Plan is already " + plan.status()));
        }
        Decomposition d = decomposer.decompose(plan.plan(), project.requirements());
        return repo.markApproved(tx, planId)
            .compose(won -> won ? Future.succeededFuture()
                : Future.failedFuture(OrchestratorException.badRequest("Plan is already approved")))
            .compose(v -> repo.insertTasks(tx, projectId, planId, d, now))
            .compose(ids -> repo.approved(tx, projectId, now)
                .compose(ready -> ready ? repo.blockWaiting(tx, projectId, now) : Future.failedFuture(
                    OrchestratorException.conflict("Cannot approve a plan of a project in '" + project.status()
                        + "' state")))
                .map(v -> {
                  d.warnings().forEach(w -> LOG.warn("plan dependency dropped [project: {}, plan: {}, {}]", projectId,
                      planId, w));
                  return new JsonObject()
                      .put("tasks_created", ids.size())
                      .put("task_ids", new JsonArray(ids))
                      .put("estimated_cost_usd", d.estimatedCostUsd().doubleValue())
                      .put("summary", d.summary())
                      .put("total_waves", d.totalWaves())
                      .put("warnings", new JsonArray(d.warnings()));
                }));
      });
    })).onSuccess(result -> LOG.info("plan approved [project: {}, plan: {}, tasks: {}, waves: {}]", projectId, planId,
        result.getInteger("tasks_created"), result.getInteger("total_waves")));
  }
}
