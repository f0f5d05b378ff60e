package dev.orch.kernel.agents;

import dev.orch.kernel.agents.CliAgentOutput.Kind;
import dev.orch.kernel.model.Usage;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Parses one run's stdout, line by line, in one CLI's stream format (see {@link AgentCommand}), and
 * keeps what the result needs: the final text, usage, cost, model, session and a reported error.
 *
 * <p>Lenient by design: CLIs add event types and fields between releases, so an unknown or
 * malformed line becomes an {@link Kind#EVENT} or {@link Kind#RAW} output, never an exception. The
 * reader thread parses while the context may read the state after a drain timeout, hence
 * {@code synchronized}.
 */
abstract class AgentStream {
  /** Bounds what a chatty CLI can make the server hold for the fallback text. */
  static final int MAX_FALLBACK_CHARS = 200_000;
  private static final int SUMMARY_CHARS = 200;

  private final StringBuilder rawText = new StringBuilder();
  private final StringBuilder modelText = new StringBuilder();
  private String finalText;
  private Usage usage;
  private Double costUsd;
  private String model;
  private String sessionId;
  private String error;

  static AgentStream of(CliAgent agent) {
    return switch (agent) {
      case CLAUDE_CODE -> new Claude();
      case CODEX -> new Codex();
      case GEMINI -> new Gemini();
    };
  }

  /** The output for one stdout line, updating the run's state. */
  final synchronized CliAgentOutput parse(String line) {
    JsonObject json = json(line);
    if (json == null) {
      append(rawText, rawText.length() == 0 ? line : "\n" + line);
      return CliAgentOutput.raw(line);
    }
    try {
      return event(json, line);
    } catch (RuntimeException e) {
      // A known type with an unexpected shape: keep the line, lose only its interpretation.
      return new CliAgentOutput(Kind.EVENT, "", null, json, line);
    }
  }

  abstract CliAgentOutput event(JsonObject json, String line);

  /** The CLI's final answer, else the model's text, else the non-JSON lines. */
  final synchronized String text() {
    if (finalText != null) {
      return finalText;
    }
    return modelText.length() > 0 ? modelText.toString().strip() : rawText.toString().strip();
  }

  final synchronized Usage usage() {
    return usage;
  }

  final synchronized Double costUsd() {
    return costUsd;
  }

  final synchronized String model() {
    return model;
  }

  final synchronized String sessionId() {
    return sessionId;
  }

  /** An error the CLI reported in its stream, even with exit code 0; null when none. */
  final synchronized String error() {
    return error;
  }

  // Setters for the subclasses; all called from parse, under its lock.

  void finalText(String text) {
    if (text != null) {
      finalText = text;
    }
  }

  void modelText(String text) {
    if (text != null && !text.isEmpty()) {
      append(modelText, text);
    }
  }

  /** A whole message: separated from the text before it by a line break. */
  void modelParagraph(String text) {
    modelText(modelText.length() == 0 ? text : "\n" + text);
  }

  void addUsage(Usage more) {
    usage = usage == null ? more : usage.plus(more);
  }

  void costUsd(Double cost) {
    if (cost != null) {
      costUsd = cost;
    }
  }

  void model(String name) {
    if (name != null && !name.isBlank()) {
      model = name;
    }
  }

  void sessionId(String id) {
    if (id != null && !id.isBlank()) {
      sessionId = id;
    }
  }

  void error(String message) {
    error = message == null || message.isBlank() ? "unknown error" : message;
  }

  private static void append(StringBuilder to, String text) {
    int room = MAX_FALLBACK_CHARS - to.length();
    if (room > 0) {
      to.append(text, 0, Math.min(room, text.length()));
    }
  }

  private static JsonObject json(String line) {
    String trimmed = line.strip();
    if (!trimmed.startsWith("{")) {
      return null;
    }
    try {
      return new JsonObject(trimmed);
    } catch (DecodeException e) {
      return null;
    }
  }

  static String str(JsonObject json, String key) {
    return json != null && json.getValue(key) instanceof String s ? s : null;
  }

  static JsonObject obj(JsonObject json, String key) {
    return json != null && json.getValue(key) instanceof JsonObject o ? o : null;
  }

  static JsonArray arr(JsonObject json, String key) {
    return json != null && json.getValue(key) instanceof JsonArray a ? a : null;
  }

  static long count(JsonObject json, String key) {
    return json != null && json.getValue(key) instanceof Number n ? Math.max(0, n.longValue()) : 0;
  }

  static Double number(JsonObject json, String key) {
    return json != null && json.getValue(key) instanceof Number n ? n.doubleValue() : null;
  }

  /** A one-line summary of a tool's input or output for task events. */
  static String summary(Object value) {
    if (value == null) {
      return "";
    }
    String text = value instanceof String s ? s : value instanceof JsonObject o ? o.encode()
        : value instanceof JsonArray a ? a.encode() : String.valueOf(value);
    text = text.replaceAll("\\s+", " ").strip();
    return text.length() <= SUMMARY_CHARS ? text : text.substring(0, SUMMARY_CHARS) + "…";
  }

  static CliAgentOutput output(Kind kind, String text, String tool, JsonObject json, String line) {
    return new CliAgentOutput(kind, text, tool, json, line);
  }

  /** Claude Code {@code --output-format stream-json --verbose}. */
  static final class Claude extends AgentStream {
    @Override
    CliAgentOutput event(JsonObject json, String line) {
      String type = str(json, "type");
      if ("system".equals(type)) {
        if ("init".equals(str(json, "subtype"))) {
          model(str(json, "model"));
          sessionId(str(json, "session_id"));
        }
        return output(Kind.EVENT, str(json, "subtype"), null, json, line);
      }
      if ("assistant".equals(type)) {
        JsonObject message = obj(json, "message");
        model(str(message, "model"));
        StringBuilder text = new StringBuilder();
        String tool = null;
        Object input = null;
        JsonArray content = arr(message, "content");
        for (int i = 0; content != null && i < content.size(); i++) {
          if (!(content.getValue(i) instanceof JsonObject block)) {
            continue;
          }
          if ("text".equals(str(block, "type")) && str(block, "text") != null) {
            text.append(str(block, "text"));
          } else if ("tool_use".equals(str(block, "type")) && tool == null) {
            tool = str(block, "name");
            input = block.getValue("input");
          }
        }
        if (text.length() > 0) {
          modelParagraph(text.toString());
        }
        return tool != null ? output(Kind.TOOL_USE, summary(input), tool, json, line)
            : output(Kind.TEXT, text.toString(), null, json, line);
      }
      if ("user".equals(type)) {
        JsonArray content = arr(obj(json, "message"), "content");
        for (int i = 0; content != null && i < content.size(); i++) {
          if (content.getValue(i) instanceof JsonObject block && "tool_result".equals(str(block, "type"))) {
            return output(Kind.TOOL_RESULT, summary(block.getValue("content")), null, json, line);
          }
        }
        return output(Kind.EVENT, "", null, json, line);
      }
      if ("stream_event".equals(type)) {
        // Only with --include-partial-messages: token deltas ahead of the whole assistant message,
        // which still follows and is what the answer is built from.
        JsonObject delta = obj(obj(json, "event"), "delta");
        if ("text_delta".equals(str(delta, "type"))) {
          return output(Kind.TEXT, str(delta, "text"), null, json, line);
        }
        return output(Kind.EVENT, "", null, json, line);
      }
      if ("result".equals(type)) {
        String result = str(json, "result");
        finalText(result);
        costUsd(number(json, "total_cost_usd"));
        sessionId(str(json, "session_id"));
        JsonObject u = obj(json, "usage");
        if (u != null) {
          // Anthropic's input_tokens already excludes the cached ones.
          addUsage(new Usage(count(u, "input_tokens"), count(u, "output_tokens"),
              count(u, "cache_creation_input_tokens"), count(u, "cache_read_input_tokens")));
        }
        if (Boolean.TRUE.equals(json.getValue("is_error")) || (str(json, "subtype") != null
            && str(json, "subtype").startsWith("error"))) {
          error(result != null && !result.isBlank() ? result : str(json, "subtype"));
        }
        return output(Kind.RESULT, result, null, json, line);
      }
      return output(Kind.EVENT, "", null, json, line);
    }
  }

  /** Codex {@code codex exec --json}. */
  static final class Codex extends AgentStream {
    @Override
    CliAgentOutput event(JsonObject json, String line) {
      String type = str(json, "type");
      if (type == null) {
        return output(Kind.EVENT, "", null, json, line);
      }
      switch (type) {
        case "thread.started" -> {
          sessionId(str(json, "thread_id"));
          return output(Kind.EVENT, "", null, json, line);
        }
        case "turn.completed" -> {
          JsonObject u = obj(json, "usage");
          if (u != null) {
            // OpenAI counts cached tokens inside input_tokens; Usage keeps them apart.
            long cached = count(u, "cached_input_tokens");
            addUsage(new Usage(Math.max(0, count(u, "input_tokens") - cached), count(u, "output_tokens"), 0, cached));
          }
          return output(Kind.RESULT, "", null, json, line);
        }
        case "turn.failed" -> {
          String message = str(obj(json, "error"), "message");
          error(message);
          return output(Kind.RESULT, message, null, json, line);
        }
        case "error" -> {
          return output(Kind.EVENT, str(json, "message"), null, json, line);
        }
        case "item.started", "item.updated", "item.completed" -> {
          return item(type.equals("item.completed"), obj(json, "item"), json, line);
        }
        default -> {
          return output(Kind.EVENT, "", null, json, line);
        }
      }
    }

    private CliAgentOutput item(boolean completed, JsonObject item, JsonObject json, String line) {
      String itemType = str(item, "type");
      if (itemType == null) {
        return output(Kind.EVENT, "", null, json, line);
      }
      switch (itemType) {
        case "agent_message" -> {
          String text = str(item, "text");
          if (completed) {
            // The last agent message of the turn is the answer.
            finalText(text);
          }
          return output(Kind.TEXT, text, null, json, line);
        }
        case "command_execution" -> {
          return output(completed ? Kind.TOOL_RESULT : Kind.TOOL_USE, summary(str(item, "command")),
              "command_execution", json, line);
        }
        case "file_change" -> {
          StringBuilder paths = new StringBuilder();
          JsonArray changes = arr(item, "changes");
          for (int i = 0; changes != null && i < changes.size(); i++) {
            if (changes.getValue(i) instanceof JsonObject change) {
              paths.append(paths.length() == 0 ? "" : " ").append(str(change, "kind")).append(' ')
                  .append(str(change, "path"));
            }
          }
          return output(completed ? Kind.TOOL_RESULT : Kind.TOOL_USE, summary(paths.toString()), "file_change", json,
              line);
        }
        case "mcp_tool_call" -> {
          String tool = str(item, "server") + "." + str(item, "tool");
          return output(completed ? Kind.TOOL_RESULT : Kind.TOOL_USE, summary(item.getValue("arguments")), tool,
              json, line);
        }
        case "web_search" -> {
          return output(completed ? Kind.TOOL_RESULT : Kind.TOOL_USE, summary(str(item, "query")), "web_search",
              json, line);
        }
        case "reasoning" -> {
          return output(Kind.EVENT, str(item, "text"), null, json, line);
        }
        case "error" -> {
          return output(Kind.EVENT, str(item, "message"), null, json, line);
        }
        default -> {
          return output(Kind.EVENT, "", null, json, line);
        }
      }
    }
  }

  /** Gemini CLI {@code --output-format stream-json}. */
  static final class Gemini extends AgentStream {
    @Override
    CliAgentOutput event(JsonObject json, String line) {
      String type = str(json, "type");
      if (type == null) {
        return output(Kind.EVENT, "", null, json, line);
      }
      switch (type) {
        case "init" -> {
          model(str(json, "model"));
          sessionId(str(json, "session_id"));
          return output(Kind.EVENT, "", null, json, line);
        }
        case "message" -> {
          String content = str(json, "content");
          if (!"assistant".equals(str(json, "role"))) {
            return output(Kind.EVENT, "", null, json, line);
          }
          // Assistant text arrives as deltas; their concatenation is the answer.
          modelText(content);
          return output(Kind.TEXT, content, null, json, line);
        }
        case "tool_use" -> {
          return output(Kind.TOOL_USE, summary(json.getValue("parameters")), str(json, "tool_name"), json, line);
        }
        case "tool_result" -> {
          String text = "error".equals(str(json, "status")) ? str(obj(json, "error"), "message") : str(json, "output");
          return output(Kind.TOOL_RESULT, summary(text), null, json, line);
        }
        case "error" -> {
          return output(Kind.EVENT, str(json, "message"), null, json, line);
        }
        case "result" -> {
          JsonObject stats = obj(json, "stats");
          if (stats != null) {
            long cached = count(stats, "cached");
            long uncached = stats.getValue("input") instanceof Number ? count(stats, "input")
                : Math.max(0, count(stats, "input_tokens") - cached);
            addUsage(new Usage(uncached, count(stats, "output_tokens"), 0, cached));
          }
          if ("error".equals(str(json, "status"))) {
            error(str(obj(json, "error"), "message"));
          }
          return output(Kind.RESULT, text(), null, json, line);
        }
        default -> {
          return output(Kind.EVENT, "", null, json, line);
        }
      }
    }
  }
}
