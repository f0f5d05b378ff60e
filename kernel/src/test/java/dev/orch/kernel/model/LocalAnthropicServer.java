package dev.orch.kernel.model;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Speaks the Anthropic Messages API ({@code POST /v1/messages}, {@code GET /v1/models}) like the
 * real one: {@code x-api-key} and {@code anthropic-version} are required, the body is checked
 * (model, max_tokens, alternating roles, non-empty text blocks, tool results matching the previous
 * tool uses, at most 4 {@code cache_control} breakpoints), and errors have the
 * {@code {"type": "error", "error": {...}}} shape.
 *
 * <p>The default answer simulates prompt caching: the prefix up to the last {@code cache_control}
 * breakpoint (tools, then system, then messages) is written to the cache on first sight
 * ({@code cache_creation_input_tokens}) and read from it afterwards ({@code cache_read_input_tokens});
 * a token is 4 characters of the block's JSON.
 */
public final class LocalAnthropicServer extends LocalModelServer {
  public static final String KEY = "sk-ant-test-0123456789abcdef";
  public static final List<String> MODELS = List.of("claude-haiku-4-5-20251001", "claude-sonnet-4-6", "claude-opus-4-6");

  private final Set<String> cache = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();

  public LocalAnthropicServer(Vertx vertx) {
    super(vertx);
  }

  public static JsonObject error(String type, String message) {
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message))
        .put("request_id", "req_test");
  }

  public static Reply errorReply(int status, String type, String message) {
    return Reply.json(status, error(type, message));
  }

  public static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  public static JsonObject toolUse(String id, String name, JsonObject input) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", name).put("input", input);
  }

  /** A scripted message answer. */
  public static Reply message(String model, String stopReason, JsonObject usage, JsonObject... content) {
    return Reply.json(200, new JsonObject().put("id", "msg_scripted").put("type", "message").put("role", "assistant")
        .put("model", model).put("content", new JsonArray(List.of((Object[]) content)))
        .put("stop_reason", stopReason).putNull("stop_sequence").put("usage", usage));
  }

  public static JsonObject usage(long input, long output) {
    return new JsonObject().put("input_tokens", input).put("output_tokens", output)
        .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0);
  }

  @Override
  protected Reply validate(Recorded r, boolean bodyIsJson) {
    boolean messages = r.method().equals("POST") && r.path().equals("/v1/messages");
    boolean models = r.method().equals("GET") && r.path().equals("/v1/models");
    if (!messages && !models) {
      return errorReply(404, "not_found_error", "Not found");
    }
    if (r.header("x-api-key") == null) {
      return errorReply(401, "authentication_error", "x-api-key header is required");
    }
    if (!KEY.equals(r.header("x-api-key"))) {
      return errorReply(401, "authentication_error", "invalid x-api-key");
    }
    if (!"2023-06-01".equals(r.header("anthropic-version"))) {
      return errorReply(400, "invalid_request_error", "anthropic-version: header is required");
    }
    if (models) {
      return null;
    }
    if (!bodyIsJson || r.body() == null) {
      return errorReply(400, "invalid_request_error", "There was an issue with the request body: not JSON");
    }
    String problem = problem(r.body());
    return problem == null ? null : errorReply(400, "invalid_request_error", problem);
  }

  private static String problem(JsonObject body) {
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      return "model: Field required";
    }
    if (!MODELS.contains(model)) {
      return null; // the real API answers 404 not_found_error; checked in answer() so scripts can override
    }
    if (!(body.getValue("max_tokens") instanceof Integer maxTokens)) {
      return "max_tokens: Field required";
    }
    if (maxTokens < 1) {
      return "max_tokens: Input should be greater than or equal to 1";
    }
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      return "messages: at least one message is required";
    }
    int breakpoints = 0;
    Object system = body.getValue("system");
    if (system != null && !(system instanceof String)) {
      if (!(system instanceof JsonArray blocks)) {
        return "system: Input should be a valid list";
      }
      for (Object b : blocks) {
        if (!(b instanceof JsonObject block) || !"text".equals(block.getString("type"))) {
          return "system: blocks must be of type text";
        }
        if (block.getString("text", "").isEmpty()) {
          return "system: text content blocks must be non-empty";
        }
        breakpoints += block.containsKey("cache_control") ? 1 : 0;
      }
    }
    if (body.getValue("tools") instanceof JsonArray tools) {
      for (Object t : tools) {
        if (!(t instanceof JsonObject tool) || !(tool.getValue("name") instanceof String)
            || !(tool.getValue("input_schema") instanceof JsonObject)) {
          return "tools: each tool needs a name and an input_schema";
        }
        breakpoints += tool.containsKey("cache_control") ? 1 : 0;
      }
    }
    Set<String> pendingToolUses = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m)) {
        return "messages." + i + ": Input should be an object";
      }
      String expected = i % 2 == 0 ? "user" : "assistant";
      if (!expected.equals(m.getString("role"))) {
        return "messages: roles must alternate between \"user\" and \"assistant\", starting with \"user\"";
      }
      Object content = m.getValue("content");
      if (content instanceof String s) {
        if (s.isEmpty() && i < messages.size() - 1) {
          return "messages." + i + ": all messages must have non-empty content";
        }
        if (!pendingToolUses.isEmpty()) {
          return "messages." + i + ": tool_use ids were found without tool_result blocks immediately after: "
              + pendingToolUses;
        }
        continue;
      }
      if (!(content instanceof JsonArray blocks) || blocks.isEmpty()) {
        return "messages." + i + ": all messages must have non-empty content";
      }
      Set<String> answered = new HashSet<>();
      Set<String> uses = new HashSet<>();
      for (Object b : blocks) {
        if (!(b instanceof JsonObject block)) {
          return "messages." + i + ".content: Input should be an object";
        }
        breakpoints += block.containsKey("cache_control") ? 1 : 0;
        switch (block.getString("type", "")) {
          case "text" -> {
            if (block.getString("text", "").isEmpty()) {
              return "messages: text content blocks must be non-empty";
            }
          }
          case "tool_use" -> {
            if (!expected.equals("assistant")) {
              return "messages." + i + ": tool_use blocks are only allowed in assistant messages";
            }
            uses.add(block.getString("id"));
          }
          case "tool_result" -> {
            if (!expected.equals("user")) {
              return "messages." + i + ": tool_result blocks are only allowed in user messages";
            }
            String id = block.getString("tool_use_id");
            if (!pendingToolUses.contains(id)) {
              return "messages." + i + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id
                  + ". Each `tool_result` block must have a corresponding `tool_use` block in the previous message.";
            }
            answered.add(id);
          }
          default -> {
            return "messages." + i + ": unknown content block type " + block.getString("type");
          }
        }
      }
      if (expected.equals("user")) {
        if (!answered.containsAll(pendingToolUses)) {
          return "messages." + i + ": tool_use ids were found without tool_result blocks immediately after";
        }
        pendingToolUses.clear();
      } else {
        pendingToolUses = uses;
      }
    }
    if (breakpoints > 4) {
      return "A maximum of 4 blocks with cache_control may be provided. Found " + breakpoints + ".";
    }
    return null;
  }

  @Override
  protected Reply answer(Recorded r) {
    if (r.path().equals("/v1/models")) {
      JsonArray data = new JsonArray();
      MODELS.forEach(m -> data.add(new JsonObject().put("type", "model").put("id", m).put("display_name", m)));
      return Reply.json(200, new JsonObject().put("data", data).put("has_more", false));
    }
    JsonObject body = r.body();
    String model = body.getString("model");
    if (!MODELS.contains(model)) {
      return errorReply(404, "not_found_error", "model: " + model);
    }
    // The prompt in cache order: tools, system, messages; each segment is one block.
    List<String> segments = new ArrayList<>();
    List<Integer> breakpoints = new ArrayList<>();
    for (Object t : body.getJsonArray("tools", new JsonArray())) {
      add(segments, breakpoints, (JsonObject) t);
    }
    Object system = body.getValue("system");
    if (system instanceof String s) {
      segments.add(s);
    } else if (system instanceof JsonArray blocks) {
      blocks.forEach(b -> add(segments, breakpoints, (JsonObject) b));
    }
    for (Object m : body.getJsonArray("messages")) {
      Object content = ((JsonObject) m).getValue("content");
      if (content instanceof JsonArray blocks) {
        blocks.forEach(b -> add(segments, breakpoints, (JsonObject) b));
      } else {
        segments.add(String.valueOf(content));
      }
    }
    long total = 0;
    long[] prefixTokens = new long[segments.size()];
    StringBuilder prefix = new StringBuilder();
    String[] prefixes = new String[segments.size()];
    for (int i = 0; i < segments.size(); i++) {
      total += tokens(segments.get(i));
      prefixTokens[i] = total;
      prefix.append(segments.get(i)).append('\u0000');
      prefixes[i] = model + '\u0000' + prefix;
    }
    long read = 0;
    long cached = 0;
    for (int bp : breakpoints) {
      if (cache.contains(prefixes[bp])) {
        read = prefixTokens[bp];
      }
    }
    if (!breakpoints.isEmpty()) {
      int lastBp = breakpoints.get(breakpoints.size() - 1);
      cached = prefixTokens[lastBp];
      breakpoints.forEach(bp -> cache.add(prefixes[bp]));
    }
    JsonObject usage = new JsonObject()
        .put("input_tokens", total - cached)
        .put("cache_creation_input_tokens", cached - read)
        .put("cache_read_input_tokens", read)
        .put("output_tokens", 3);
    return Reply.json(200, new JsonObject().put("id", "msg_" + ids.incrementAndGet()).put("type", "message")
        .put("role", "assistant").put("model", model)
        .put("content", new JsonArray().add(text("ok")))
        .put("stop_reason", "end_turn").putNull("stop_sequence").put("usage", usage));
  }

  private static void add(List<String> segments, List<Integer> breakpoints, JsonObject block) {
    JsonObject copy = block.copy();
    boolean breakpoint = copy.remove("cache_control") != null;
    segments.add(copy.encode());
    if (breakpoint) {
      breakpoints.add(segments.size() - 1);
    }
  }

  private static long tokens(String s) {
    return Math.max(1, s.length() / 4);
  }
}
