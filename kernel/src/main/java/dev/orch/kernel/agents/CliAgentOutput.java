package dev.orch.kernel.agents;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * One line a CLI agent printed, as it arrives, parsed when the CLI streams JSON lines. The executor
 * turns these into task events.
 *
 * @param kind what the line is
 * @param text the text of a {@link Kind#TEXT} delta, a short summary of a tool call or result, the
 *     final answer of a {@link Kind#RESULT}, or the line itself for {@link Kind#RAW} and
 *     {@link Kind#STDERR}; never null
 * @param tool the tool's name for {@link Kind#TOOL_USE} and, where the CLI names it,
 *     {@link Kind#TOOL_RESULT}; null otherwise
 * @param event the parsed JSON line, in the CLI's own shape; null for {@link Kind#RAW} and
 *     {@link Kind#STDERR}. Owned by the receiver
 * @param line the line as printed
 */
public record CliAgentOutput(Kind kind, String text, String tool, JsonObject event, String line) {

  /** What a line is. */
  public enum Kind {
    /** Text the model wrote (a delta or a whole message). */
    TEXT,
    /** The agent calls a tool or runs a command. */
    TOOL_USE,
    /** What a tool or command returned. */
    TOOL_RESULT,
    /** The CLI's final line: answer, usage, cost or error. */
    RESULT,
    /** Any other JSON line: session start, reasoning, warnings. */
    EVENT,
    /** A stdout line that is not JSON. */
    RAW,
    /** A stderr line. */
    STDERR;

    /** The lower-case name used in event data, e.g. {@code tool_use}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public CliAgentOutput {
    text = text == null ? "" : text;
    line = line == null ? "" : line;
  }

  static CliAgentOutput raw(String line) {
    return new CliAgentOutput(Kind.RAW, line, null, null, line);
  }

  static CliAgentOutput stderr(String line) {
    return new CliAgentOutput(Kind.STDERR, line, null, null, line);
  }

  /** {@code {"kind", "text", "tool"?}}: the part worth a task event, without the CLI's raw JSON. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("kind", kind.wire()).put("text", text);
    if (tool != null) {
      json.put("tool", tool);
    }
    return json;
  }
}
