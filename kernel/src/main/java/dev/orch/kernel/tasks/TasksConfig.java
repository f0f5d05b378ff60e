package dev.orch.kernel.tasks;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;

/**
 * What the task, checkpoint and external endpoints read from the configuration.
 *
 * @param maxTaskRetries {@code execution.max_task_retries}: manual and review retries are refused once
 *     a task's {@code retry_count} has reached it (API.md §3.5)
 * @param diagnosticRagEnabled {@code execution.diagnostic_rag_enabled}: a checkpoint retried with
 *     guidance also writes an error→resolution record (API.md §14.5)
 * @param diagnosticIngestPath {@code rag.diagnostic_ingest_path}: the JSON-lines file those records go
 *     to; empty means nowhere
 */
public record TasksConfig(int maxTaskRetries, boolean diagnosticRagEnabled, String diagnosticIngestPath) {
  public static final int DEFAULT_MAX_TASK_RETRIES = 5;

  public TasksConfig {
    if (maxTaskRetries < 0) {
      throw new ConfigException("execution.max_task_retries must be >= 0, got " + maxTaskRetries);
    }
    diagnosticIngestPath = diagnosticIngestPath == null ? "" : diagnosticIngestPath;
  }

  /** Reads the keys from the layered configuration JSON; missing keys take the defaults. */
  public static TasksConfig from(JsonObject raw) {
    JsonObject execution = section(raw, "execution");
    JsonObject rag = section(raw, "rag");
    Object retries = execution.getValue("max_task_retries");
    if (retries != null && !(retries instanceof Integer)) {
      throw new ConfigException("execution.max_task_retries must be a whole number >= 0, got " + retries);
    }
    Object diagnostic = execution.getValue("diagnostic_rag_enabled");
    if (diagnostic != null && !(diagnostic instanceof Boolean)) {
      throw new ConfigException("execution.diagnostic_rag_enabled must be true or false, got " + diagnostic);
    }
    Object path = rag.getValue("diagnostic_ingest_path");
    if (path != null && !(path instanceof String)) {
      throw new ConfigException("rag.diagnostic_ingest_path must be a string, got " + path);
    }
    return new TasksConfig(retries == null ? DEFAULT_MAX_TASK_RETRIES : (Integer) retries,
        Boolean.TRUE.equals(diagnostic), (String) path);
  }

  private static JsonObject section(JsonObject raw, String name) {
    Object section = raw.getValue(name);
    if (section == null) {
      return new JsonObject();
    }
    if (!(section instanceof JsonObject object)) {
      throw new ConfigException(name + " must be an object, got " + section);
    }
    return object;
  }
}
