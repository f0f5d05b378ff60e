package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TaskStoreTest {
  private static final String ENTRY = new JsonObject().put("type", "dependency_output").put("content", "a \"quoted\" ]")
      .encode();

  @Test
  @DisplayName("forwarding extends a context array's text, and the result reads back as the array plus the entry")
  void appendsToTheArrayText() {
    String context = new JsonArray().add(new JsonObject().put("type", "task_description").put("content", "x]"))
        .encode();
    JsonArray out = new JsonArray(TaskStore.appended(" " + context + "\n", ENTRY));
    assertThat(out).hasSize(2);
    assertThat(out.getJsonObject(0).getString("content")).isEqualTo("x]");
    assertThat(out.getJsonObject(1)).isEqualTo(new JsonObject(ENTRY));
  }

  @Test
  @DisplayName("an empty, missing or damaged context becomes a sound array holding just the entry")
  void emptyOrDamagedContexts() {
    for (String context : new String[] {"[]", "[ ]", null, "", "{\"not\": \"an array\"}", "garbage"}) {
      assertThat(new JsonArray(TaskStore.appended(context, ENTRY))).as(String.valueOf(context))
          .containsExactly(new JsonObject(ENTRY));
    }
  }
}
