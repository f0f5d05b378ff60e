package dev.orch.kernel.monitor;

import io.vertx.core.json.JsonObject;

/** What one check found: the status, how it was found, and the details to show. */
record Outcome(ResourceStatus status, String method, JsonObject details) {

  Outcome {
    details = details.copy();
  }

  @Override
  public JsonObject details() {
    return details.copy();
  }

  static Outcome online(String method, JsonObject details) {
    return new Outcome(ResourceStatus.ONLINE, method, details);
  }

  static Outcome offline(String method, JsonObject details) {
    return new Outcome(ResourceStatus.OFFLINE, method, details);
  }

  static Outcome degraded(String method, JsonObject details) {
    return new Outcome(ResourceStatus.DEGRADED, method, details);
  }
}
