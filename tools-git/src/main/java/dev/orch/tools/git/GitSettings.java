package dev.orch.tools.git;

import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;

/**
 * What the git tools read from their configuration: the shared section {@code git} and their own
 * section {@code tools.git}.
 *
 * @param enabled {@code git.enabled}: false turns the tools off
 * @param timeoutMs {@code git.command_timeout} (seconds): the longest one git command may run
 * @param binary {@code tools.git.binary}: the git executable, looked up on the PATH unless absolute
 * @param maxOutputChars {@code tools.git.max_output_chars}: longer output is cut with a note
 */
record GitSettings(boolean enabled, long timeoutMs, String binary, int maxOutputChars) {
  static final double DEFAULT_TIMEOUT_SEC = 30;
  static final int DEFAULT_MAX_OUTPUT_CHARS = 50_000;

  static GitSettings from(JsonObject config) {
    JsonObject git = config.getJsonObject("git", new JsonObject());
    Object enabled = git.getValue("enabled", true);
    Object timeout = git.getValue("command_timeout", DEFAULT_TIMEOUT_SEC);
    Object binary = config.getValue("binary", "git");
    Object max = config.getValue("max_output_chars", DEFAULT_MAX_OUTPUT_CHARS);
    if (!(enabled instanceof Boolean on)) {
      throw invalid("git.enabled", enabled);
    }
    if (!(timeout instanceof Number t) || !(t.doubleValue() > 0)) {
      throw invalid("git.command_timeout", timeout);
    }
    if (!(binary instanceof String b) || b.isBlank()) {
      throw invalid("tools.git.binary", binary);
    }
    if (!(max instanceof Number m) || m.intValue() < 1) {
      throw invalid("tools.git.max_output_chars", max);
    }
    return new GitSettings(on, Math.round(t.doubleValue() * 1000), b, m.intValue());
  }

  private static ToolException invalid(String key, Object value) {
    return new ToolException("The server's setting " + key + " is invalid (" + value + "); ask the operator to fix it");
  }
}
