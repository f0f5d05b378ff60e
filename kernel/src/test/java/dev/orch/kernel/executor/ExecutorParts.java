package dev.orch.kernel.executor;

import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.model.ModelRouter;
import dev.orch.kernel.model.ModelsConfig;
import dev.orch.kernel.state.ExecutionSettings;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Consumer;

/** Builds the executor's parts from the shipped configuration, for unit tests of each part alone. */
final class ExecutorParts {
  private ExecutorParts() {}

  /** The shipped configuration with {@code tweak} applied to its {@code execution} section. */
  static JsonObject config(Consumer<JsonObject> tweak) {
    JsonObject json = ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, Map.of());
    tweak.accept(json.getJsonObject("execution"));
    return json;
  }

  static ExecutorConfig executor(Consumer<JsonObject> tweak) {
    return ExecutorConfig.from(config(tweak));
  }

  static ModelRouter router() {
    return new ModelRouter(ModelsConfig.from(config(e -> {})));
  }

  static TaskStore.ExecutingProject project(String id, ExecutionSettings.Mode mode, int waveReleased) {
    return new TaskStore.ExecutingProject(id, "project " + id, new ExecutionSettings(mode, null, null, false),
        waveReleased);
  }

  /** A claimed task of {@code tier} with {@code retries} of {@code maxRetries} used. */
  static TaskStore.Claimed claimed(String id, String tier, int retries, int maxRetries) {
    return new TaskStore.Claimed(id, "p1", "Title " + id, "Do " + id + ".", "code", tier,
        new JsonArray().add(new JsonObject().put("type", "task_description").put("content", "x")).encode(),
        new JsonArray(), null, 4096, retries, maxRetries, 0, 1, 1_000);
  }
}
