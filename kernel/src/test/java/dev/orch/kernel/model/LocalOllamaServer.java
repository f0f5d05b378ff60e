package dev.orch.kernel.model;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;

/**
 * Speaks Ollama's API ({@code POST /api/chat}, {@code GET /api/tags}) like the real server: errors
 * are {@code {"error": "..."}}, an unknown model is 404, tools sent to a model without tool support
 * are 400 "... does not support tools", and a request without {@code "stream": false} gets the
 * streamed NDJSON answer Ollama sends by default.
 */
public final class LocalOllamaServer extends LocalModelServer {
  public static final String TOOL_MODEL = "qwen2.5-coder:14b";
  public static final String PLAIN_MODEL = "gemma:2b";
  /** Installed models and whether each supports tools. */
  private static final Map<String, Boolean> MODELS = Map.of(TOOL_MODEL, true, PLAIN_MODEL, false);
  private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");
  /** Installed embedding models and the size of their vectors. */
  public static final String EMBED_MODEL = "nomic-embed-text";
  private static final Map<String, Integer> EMBED_MODELS = Map.of(EMBED_MODEL, 768);

  public LocalOllamaServer(Vertx vertx) {
    super(vertx);
  }

  public static Reply error(int status, String message) {
    return Reply.json(status, new JsonObject().put("error", message));
  }

  /** A scripted chat answer. */
  public static Reply chat(String model, JsonObject message, String doneReason, long promptEvalCount, long evalCount) {
    return Reply.json(200, new JsonObject().put("model", model).put("created_at", "2026-01-01T00:00:00.000000Z")
        .put("message", message).put("done_reason", doneReason).put("done", true)
        .put("total_duration", 1_000_000).put("load_duration", 10_000).put("prompt_eval_count", promptEvalCount)
        .put("prompt_eval_duration", 100_000).put("eval_count", evalCount).put("eval_duration", 500_000));
  }

  public static JsonObject toolCall(String name, JsonObject arguments) {
    return new JsonObject().put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }

  @Override
  protected Reply validate(Recorded r, boolean bodyIsJson) {
    boolean chat = r.method().equals("POST") && r.path().equals("/api/chat");
    boolean tags = r.method().equals("GET") && r.path().equals("/api/tags");
    boolean embeddings = r.method().equals("POST") && r.path().equals("/api/embeddings");
    if (!chat && !tags && !embeddings) {
      return Reply.text(404, "text/plain", "404 page not found");
    }
    if (tags) {
      return null;
    }
    if (embeddings) {
      if (!bodyIsJson || r.body() == null) {
        return error(400, "invalid character 'x' looking for beginning of value");
      }
      String model = r.body().getValue("model") instanceof String m ? m : "";
      if (!EMBED_MODELS.containsKey(model)) {
        return error(404, "model \"" + model + "\" not found, try pulling it first");
      }
      return r.body().getValue("prompt") instanceof String ? null : error(400, "prompt is required");
    }
    if (!bodyIsJson || r.body() == null) {
      return error(400, "invalid character 'x' looking for beginning of value");
    }
    JsonObject body = r.body();
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      return error(400, "model is required");
    }
    if (!MODELS.containsKey(model)) {
      return error(404, "model \"" + model + "\" not found, try pulling it first");
    }
    if (!(body.getValue("messages") instanceof JsonArray messages)) {
      return error(400, "messages is required");
    }
    for (Object m : messages) {
      if (!(m instanceof JsonObject message) || !ROLES.contains(message.getString("role"))) {
        return error(400, "invalid message role");
      }
    }
    if (body.getValue("tools") instanceof JsonArray tools && !tools.isEmpty()) {
      if (!MODELS.get(model)) {
        return error(400, "registry.ollama.ai/library/" + model + " does not support tools");
      }
      for (Object t : tools) {
        if (!(t instanceof JsonObject tool) || !"function".equals(tool.getString("type"))
            || !(tool.getValue("function") instanceof JsonObject f) || !(f.getValue("name") instanceof String)) {
          return error(400, "json: cannot unmarshal tool");
        }
      }
    }
    if (body.getValue("options") != null && !(body.getValue("options") instanceof JsonObject)) {
      return error(400, "json: cannot unmarshal options");
    }
    return null;
  }

  @Override
  protected Reply answer(Recorded r) {
    if (r.path().equals("/api/tags")) {
      JsonArray models = new JsonArray();
      MODELS.keySet().stream().sorted().forEach(m -> models.add(new JsonObject().put("name", m).put("model", m)
          .put("modified_at", "2026-01-01T00:00:00Z").put("size", 1_000_000).put("digest", "sha256:00")));
      return Reply.json(200, new JsonObject().put("models", models));
    }
    JsonObject body = r.body();
    String model = body.getString("model");
    if (r.path().equals("/api/embeddings")) {
      // A unit vector fixed by the prompt: the same text always embeds the same.
      java.util.Random rnd = new java.util.Random(body.getString("prompt").hashCode());
      JsonArray vector = new JsonArray();
      for (int i = 0; i < EMBED_MODELS.get(model); i++) {
        vector.add(rnd.nextGaussian() / Math.sqrt(EMBED_MODELS.get(model)));
      }
      return Reply.json(200, new JsonObject().put("embedding", vector));
    }
    if (!Boolean.FALSE.equals(body.getValue("stream"))) {
      // Ollama streams by default: one JSON object per line.
      String line1 = new JsonObject().put("model", model).put("message",
          new JsonObject().put("role", "assistant").put("content", "o")).put("done", false).encode();
      String line2 = new JsonObject().put("model", model).put("message",
          new JsonObject().put("role", "assistant").put("content", "k")).put("done", true).encode();
      return Reply.text(200, "application/x-ndjson", line1 + "\n" + line2 + "\n");
    }
    long prompt = body.getJsonArray("messages").encode().length() / 4;
    return chat(model, new JsonObject().put("role", "assistant").put("content", "ok"), "stop", prompt, 2);
  }
}
