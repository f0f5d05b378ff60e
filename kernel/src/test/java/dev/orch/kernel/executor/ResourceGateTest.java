package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.Tier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ResourceGateTest {
  final ResourceGate gate = new ResourceGate(ExecutorParts.router(), "ollama_local");

  static JsonObject resource(String id, String status) {
    return new JsonObject().put("id", id).put("name", id).put("status", status).put("method", "http")
        .put("details", new JsonObject()).put("category", "ai");
  }

  static TaskStore.Ready ollamaTask() {
    return new TaskStore.Ready("t", "p", "ollama", 0);
  }

  @Test
  @DisplayName("the local tier needs its Ollama host, the Claude tiers the Claude API")
  void resourcesByTier() {
    assertThat(gate.resourceOf(Tier.OLLAMA)).isEqualTo("ollama_local");
    assertThat(gate.resourceOf(Tier.HAIKU)).isEqualTo("anthropic_api");
    assertThat(gate.resourceOf(Tier.OPUS)).isEqualTo("anthropic_api");
    assertThat(new ResourceGate(ExecutorParts.router(), null).resourceOf(Tier.OLLAMA)).as("no host configured").isNull();
  }

  @Test
  @DisplayName("a snapshot asked for before a change does not undo the change when its answer comes after it")
  void snapshotsDoNotUndoChanges() {
    long mark = gate.mark();
    gate.changed(resource("ollama_local", "online"));
    gate.snapshot(new JsonObject().put("resources", new JsonArray().add(resource("ollama_local", "checking"))), mark);
    assertThat(gate.passedOver(ollamaTask())).isFalse();

    gate.snapshot(new JsonObject().put("resources", new JsonArray().add(resource("ollama_local", "offline"))),
        gate.mark());
    assertThat(gate.passedOver(ollamaTask())).isTrue();
  }

  @Test
  @DisplayName("a resource the monitor does not report, or reports unreadably, gates nothing")
  void unknownGatesNothing() {
    assertThat(gate.passedOver(ollamaTask())).isFalse();
    gate.changed(new JsonObject().put("id", "ollama_local").put("status", "on fire"));
    assertThat(gate.passedOver(ollamaTask())).isFalse();
  }
}
