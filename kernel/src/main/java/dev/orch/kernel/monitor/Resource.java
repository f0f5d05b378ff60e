package dev.orch.kernel.monitor;

import io.vertx.core.json.JsonObject;

/**
 * One monitored resource as the contract shows it: {@code ResourceOut} of API.md §4, in its field
 * order. Deeply immutable: {@link #details()} returns a copy.
 *
 * @param id e.g. {@code ollama_local}, {@code anthropic_api}
 * @param name e.g. {@code Ollama (local)}
 * @param method how the status was found: {@code http}, {@code tcp}, {@code none}, {@code api_key},
 *     {@code cli}; {@code ""} while {@code checking}
 * @param category {@code ai}, {@code api} or {@code cli}
 */
public record Resource(String id, String name, ResourceStatus status, String method, JsonObject details,
    String category) {

  public Resource {
    details = details == null ? new JsonObject() : details.copy();
    method = method == null ? "" : method;
  }

  @Override
  public JsonObject details() {
    return details.copy();
  }

  /** A resource not checked yet. */
  static Resource checking(String id, String name, String category) {
    return new Resource(id, name, ResourceStatus.CHECKING, "", new JsonObject(), category);
  }

  /** This resource with the outcome of a check. */
  Resource with(Outcome outcome) {
    return new Resource(id, name, outcome.status(), outcome.method(), outcome.details(), category);
  }

  /** The {@code ResourceOut} JSON. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("status", status.wire())
        .put("method", method)
        .put("details", details.copy())
        .put("category", category);
  }

  /**
   * Reads a {@code ResourceOut}, e.g. from a {@link MonitorAddresses#CHANGED} body.
   *
   * @throws IllegalArgumentException when {@code status} is not one of the four
   */
  public static Resource fromJson(JsonObject json) {
    return new Resource(json.getString("id"), json.getString("name"), ResourceStatus.of(json.getString("status")),
        json.getString("method", ""), json.getJsonObject("details", new JsonObject()), json.getString("category"));
  }
}
