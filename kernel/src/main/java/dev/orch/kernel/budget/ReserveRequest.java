package dev.orch.kernel.budget;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.json.JsonObject;

/**
 * The body of {@link BudgetAddresses#RESERVE}.
 *
 * @param amountUsd the estimated cost to hold; &lt;= 0 holds nothing and always succeeds
 * @param projectId the project whose limit also applies, or null for global limits only
 * @param taskId the task the call is for, or null (planning)
 * @param purpose what the call is for ({@code planning}, {@code execution}, ...), or empty
 * @param ttlSeconds how long the hold lasts if never recorded nor released; null for the configured TTL
 */
public record ReserveRequest(double amountUsd, String projectId, String taskId, String purpose, Double ttlSeconds) {

  public ReserveRequest {
    purpose = purpose == null ? "" : purpose;
  }

  /** A hold of {@code amountUsd} against the global limits and, when not null, {@code projectId}'s. */
  public static ReserveRequest of(double amountUsd, String projectId) {
    return new ReserveRequest(amountUsd, projectId, null, "", null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("amount_usd", amountUsd).put("purpose", purpose);
    Bodies.putIfSet(json, "project_id", projectId);
    Bodies.putIfSet(json, "task_id", taskId);
    if (ttlSeconds != null) {
      json.put("ttl_seconds", ttlSeconds);
    }
    return json;
  }

  /** Reads a request body; 400 when {@code amount_usd} is missing or a field has the wrong type. */
  public static ReserveRequest fromJson(JsonObject json) {
    if (json == null) {
      throw OrchestratorException.badRequest("amount_usd is required");
    }
    Double amount = Bodies.number(json, "amount_usd");
    if (amount == null) {
      throw OrchestratorException.badRequest("amount_usd is required");
    }
    Double ttl = Bodies.number(json, "ttl_seconds");
    if (ttl != null && ttl <= 0) {
      throw OrchestratorException.badRequest("ttl_seconds must be > 0");
    }
    return new ReserveRequest(amount, Bodies.text(json, "project_id"), Bodies.text(json, "task_id"),
        Bodies.text(json, "purpose"), ttl);
  }
}
