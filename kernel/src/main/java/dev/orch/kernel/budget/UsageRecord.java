package dev.orch.kernel.budget;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.json.JsonObject;

/**
 * The body of {@link BudgetAddresses#RECORD}: the spend of one model call.
 *
 * @param callId the caller's id of this call; a resend with the same id is stored once. Null lets
 *     the budget component make one up, which gives up idempotency
 * @param reservationId the reservation this spend settles, or null
 * @param projectId the project, or null (a deleted project is stored as null)
 * @param taskId the task, or null (planning)
 * @param provider {@code anthropic}, {@code ollama}, {@code openai}, ...
 * @param model the model name as priced
 * @param promptTokens input tokens, &gt;= 0
 * @param completionTokens output tokens, &gt;= 0
 * @param costUsd the call's cost, &gt;= 0
 * @param purpose {@code planning}, {@code execution}, {@code verification},
 *     {@code knowledge_extraction}, {@code external_execution}, or empty
 */
public record UsageRecord(
    String callId,
    String reservationId,
    String projectId,
    String taskId,
    String provider,
    String model,
    long promptTokens,
    long completionTokens,
    double costUsd,
    String purpose) {

  public UsageRecord {
    purpose = purpose == null ? "" : purpose;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    Bodies.putIfSet(json, "call_id", callId);
    Bodies.putIfSet(json, "reservation_id", reservationId);
    Bodies.putIfSet(json, "project_id", projectId);
    Bodies.putIfSet(json, "task_id", taskId);
    return json.put("provider", provider).put("model", model)
        .put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("cost_usd", costUsd).put("purpose", purpose);
  }

  /** Reads a request body; 400 names the first missing or malformed field. */
  public static UsageRecord fromJson(JsonObject json) {
    if (json == null) {
      throw OrchestratorException.badRequest("provider is required");
    }
    String provider = required(Bodies.text(json, "provider"), "provider");
    String model = required(Bodies.text(json, "model"), "model");
    Long prompt = required(Bodies.count(json, "prompt_tokens"), "prompt_tokens");
    Long completion = required(Bodies.count(json, "completion_tokens"), "completion_tokens");
    Double cost = required(Bodies.number(json, "cost_usd"), "cost_usd");
    if (cost < 0) {
      throw OrchestratorException.badRequest("cost_usd must be >= 0");
    }
    return new UsageRecord(Bodies.text(json, "call_id"), Bodies.text(json, "reservation_id"),
        Bodies.text(json, "project_id"), Bodies.text(json, "task_id"), provider, model, prompt, completion, cost,
        Bodies.text(json, "purpose"));
  }

  private static <T> T required(T value, String key) {
    if (value == null) {
      throw OrchestratorException.badRequest(key + " is required");
    }
    return value;
  }
}
