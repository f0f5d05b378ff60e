package dev.orch.kernel.model;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Speaks the OpenAI chat-completions API ({@code POST /v1/chat/completions}, {@code GET /v1/models})
 * as OpenAI, vLLM or llama.cpp do: with a key configured a {@code Bearer} token is required, the body
 * is checked (model, messages, tool messages answering an earlier assistant tool call, tool-call
 * arguments as JSON strings, tools in the function format), and errors are
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class LocalOpenAiServer extends LocalModelServer {
  public static final String KEY = "sk-openai-test-abcdef0123456789";
  public static final List<String> MODELS = List.of("gpt-4o-mini", "Qwen/Qwen2.5-7B-Instruct");

  private final String key;

  /** @param key the required bearer token; null for a local server without auth (vLLM, LM Studio) */
  LocalOpenAiServer(Vertx vertx, String key) {
    super(vertx);
    this.key = key;
  }

  public static JsonObject error(String message, String type, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .putNull("param").put("code", code));
  }

  public static Reply errorReply(int status, String message, String type, String code) {
    return Reply.json(status, error(message, type, code));
  }

  /** A scripted completion. */
  public static Reply completion(String model, JsonObject message, String finishReason, JsonObject usage) {
    return Reply.json(200, new JsonObject().put("id", "chatcmpl-scripted").put("object", "chat.completion")
        .put("created", 1_767_225_600).put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
            .putNull("logprobs").put("finish_reason", finishReason)))
        .put("usage", usage));
  }

  public static JsonObject toolCall(String id, String name, String arguments) {
    return new JsonObject().put("id", id).put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }

  @Override
  protected Reply validate(Recorded r, boolean bodyIsJson) {
    boolean chat = r.method().equals("POST") && r.path().equals("/v1/chat/completions");
    boolean models = r.method().equals("GET") && r.path().equals("/v1/models");
    if (!chat && !models) {
      return errorReply(404, "Unknown request URL: " + r.method() + " " + r.path(), "invalid_request_error", "unknown_url");
    }
    if (key != null) {
      String auth = r.header("Authorization");
      if (auth == null) {
        return errorReply(401, "You didn't provide an API key.", "invalid_request_error", null);
      }
      if (!auth.equals("Bearer " + key)) {
        return errorReply(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
      }
    }
    if (models) {
      return null;
    }
    if (!bodyIsJson || r.body() == null) {
      return errorReply(400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
    }
    String problem = problem(r.body());
    return problem == null ? null : errorReply(400, problem, "invalid_request_error", null);
  }

  private static String problem(JsonObject body) {
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      return "you must provide a model parameter";
    }
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      return "'messages' must contain at least one message";
    }
    if (body.containsKey("max_tokens") && !(body.getValue("max_tokens") instanceof Integer)) {
      return "Invalid type for 'max_tokens'";
    }
    Set<String> calls = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m)) {
        return "Invalid type for 'messages[" + i + "]'";
      }
      switch (m.getString("role", "")) {
        case "system", "user" -> {
          if (!(m.getValue("content") instanceof String)) {
            return "Invalid type for 'messages[" + i + "].content'";
          }
        }
        case "assistant" -> {
          if (m.getValue("tool_calls") instanceof JsonArray toolCalls) {
            for (Object c : toolCalls) {
              JsonObject call = (JsonObject) c;
              if (!(call.getValue("function") instanceof JsonObject f) || !(f.getValue("arguments") instanceof String)) {
                return "Invalid type for 'messages[" + i + "].tool_calls.function.arguments': expected a string";
              }
              calls.add(call.getString("id"));
            }
          } else if (!(m.getValue("content") instanceof String)) {
            return "Invalid value for 'messages[" + i + "].content'";
          }
        }
        case "tool" -> {
          if (!calls.contains(m.getString("tool_call_id"))) {
            return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message "
                + "with 'tool_calls'.";
          }
        }
        default -> {
          return "Invalid value for 'messages[" + i + "].role'";
        }
      }
    }
    if (body.getValue("tools") instanceof JsonArray tools) {
      for (Object t : tools) {
        if (!(t instanceof JsonObject tool) || !"function".equals(tool.getString("type"))
            || !(tool.getValue("function") instanceof JsonObject f) || !(f.getValue("name") instanceof String)) {
          return "Missing required parameter: 'tools[0].function'";
        }
      }
    }
    return null;
  }

  @Override
  protected Reply answer(Recorded r) {
    if (r.path().equals("/v1/models")) {
      JsonArray data = new JsonArray();
      MODELS.forEach(m -> data.add(new JsonObject().put("id", m).put("object", "model").put("owned_by", "test")));
      return Reply.json(200, new JsonObject().put("object", "list").put("data", data));
    }
    JsonObject body = r.body();
    String model = body.getString("model");
    if (!MODELS.contains(model)) {
      return errorReply(404, "The model `" + model + "` does not exist or you do not have access to it.",
          "invalid_request_error", "model_not_found");
    }
    long prompt = body.getJsonArray("messages").encode().length() / 4;
    return completion(model, new JsonObject().put("role", "assistant").put("content", "ok"), "stop",
        new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", 2).put("total_tokens", prompt + 2)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0)));
  }
}
