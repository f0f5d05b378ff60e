package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Ollama server: {@code POST {host}/api/chat} with {@code stream: false}, health from
 * {@code GET {host}/api/tags}.
 *
 * <p>Tools are sent in the function format. A model without tool support makes Ollama answer 400
 * "... does not support tools"; the provider then remembers the model and sends that request and
 * later ones without tools, so a tool-less model still answers in text.
 */
public final class OllamaProvider implements ModelProvider {
  private static final Logger LOG = LoggerFactory.getLogger(OllamaProvider.class);
  private static final String NO_TOOLS = "does not support tools";

  private final WebClient client;
  private final ModelsConfig.Ollama settings;
  private final RetryPolicy retry;
  private final Set<String> toolless = ConcurrentHashMap.newKeySet();

  public OllamaProvider(WebClient client, ModelsConfig.Ollama settings, RetryPolicy retry) {
    this.client = client;
    this.settings = settings;
    this.retry = retry.unbilled(); // a local model bills nothing
  }

  /** The resource monitor's id for this host ({@code ollama_<key>}), or null when none is configured. */
  public String resource() {
    return settings.resource();
  }

  @Override
  public String name() {
    return OLLAMA;
  }

  @Override
  public Future<ChatResponse> chat(ChatRequest request) {
    if (settings.host().isBlank()) {
      return Future.failedFuture(ModelException.notConfigured(OLLAMA, "no Ollama host is configured"));
    }
    boolean tools = !request.tools().isEmpty() && !toolless.contains(request.model());
    long start = System.nanoTime();
    return call(request, tools)
        .recover(err -> {
          if (tools && err instanceof ModelException me && me.kind() == ModelException.Kind.INVALID_REQUEST
              && me.getMessage().contains(NO_TOOLS)) {
            toolless.add(request.model());
            LOG.warn("model does not support tools, calling it without them [provider: {}, model: {}]",
                OLLAMA, request.model());
            return call(request, false);
          }
          return Future.failedFuture(err);
        })
        .onSuccess(r -> LOG.debug("model call done [provider: {}, model: {}, input: {}, output: {}, ms: {}]",
            OLLAMA, r.model(), r.usage().input(), r.usage().output(), (System.nanoTime() - start) / 1_000_000));
  }

  /**
   * The embedding of {@code prompt} by {@code model} ({@code /api/embeddings}), within {@code timeout};
   * fails with a {@link ModelException} on an error answer or one without an embedding.
   */
  public Future<float[]> embed(String model, String prompt, Duration timeout) {
    JsonObject body = new JsonObject().put("model", model).put("prompt", prompt);
    return HttpCalls.send(OLLAMA, client.postAbs(settings.host() + "/api/embeddings"), body, timeout)
        .compose(resp -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(HttpCalls.json(OLLAMA, resp))
            : Future.failedFuture(error(resp)))
        .map(json -> HttpCalls.parsed(OLLAMA, () -> {
          JsonArray values = json.getJsonArray("embedding");
          if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("no embedding in the answer");
          }
          float[] out = new float[values.size()];
          for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.getValue(i)).floatValue();
          }
          return out;
        }));
  }

  @Override
  public Future<Health> health() {
    if (settings.host().isBlank()) {
      return Future.succeededFuture(Health.down("no Ollama host is configured"));
    }
    Duration timeout = HttpCalls.min(settings.timeout(), HttpCalls.HEALTH_TIMEOUT);
    return HttpCalls.send(OLLAMA, client.getAbs(settings.host() + "/api/tags"), null, timeout)
        .map(resp -> resp.statusCode() == 200
            ? Health.up(HttpCalls.ids(HttpCalls.json(OLLAMA, resp).getJsonArray("models"), "name"))
            : Health.down(error(resp).getMessage()))
        .otherwise(err -> Health.down(err.getMessage()));
  }

  private Future<ChatResponse> call(ChatRequest request, boolean tools) {
    JsonObject body = body(request, tools);
    return retry.run(OLLAMA, request.model(), () -> HttpCalls.send(OLLAMA,
                client.postAbs(settings.host() + "/api/chat"), body, settings.timeout())
            .compose(resp -> resp.statusCode() / 100 == 2
                ? Future.succeededFuture(HttpCalls.json(OLLAMA, resp))
                : Future.failedFuture(error(resp))))
        .map(json -> HttpCalls.parsed(OLLAMA, () -> parse(request, json)));
  }

  static ModelException error(HttpResponse<Buffer> response) {
    return HttpCalls.failure(OLLAMA, response, HttpCalls.kindOf(response.statusCode()),
        HttpCalls.errorBody(response.body()));
  }

  /** The {@code /api/chat} request body. */
  static JsonObject body(ChatRequest request, boolean tools) {
    JsonArray messages = new JsonArray();
    String system = request.joinedSystem();
    if (!system.isBlank()) {
      messages.add(new JsonObject().put("role", "system").put("content", system));
    }
    for (ChatMessage m : request.messages()) {
      if (m.role() == ChatMessage.Role.ASSISTANT) {
        JsonObject turn = new JsonObject().put("role", "assistant").put("content", m.text());
        if (!m.toolCalls().isEmpty()) {
          JsonArray calls = new JsonArray();
          m.toolCalls().forEach(c -> calls.add(new JsonObject().put("id", c.id())
              .put("function", new JsonObject().put("name", c.name()).put("arguments", c.arguments()))));
          turn.put("tool_calls", calls);
        }
        messages.add(turn);
        continue;
      }
      for (ToolResult r : m.toolResults()) {
        messages.add(new JsonObject().put("role", "tool").put("content", r.content())
            .put("tool_name", r.toolName()).put("tool_call_id", r.toolCallId()));
      }
      if (!m.text().isEmpty() || m.toolResults().isEmpty()) {
        messages.add(new JsonObject().put("role", "user").put("content", m.text()));
      }
    }
    JsonObject options = new JsonObject().put("num_predict", request.maxTokens());
    if (request.temperature() != null) {
      options.put("temperature", request.temperature());
    }
    JsonObject body = new JsonObject().put("model", request.model()).put("messages", messages)
        .put("stream", false).put("options", options);
    if (tools && !request.tools().isEmpty()) {
      body.put("tools", HttpCalls.functions(request.tools()));
    }
    return body;
  }

  static ChatResponse parse(ChatRequest request, JsonObject json) {
    if (!(json.getValue("message") instanceof JsonObject message)) {
      throw HttpCalls.badResponse(OLLAMA, "answer has no message");
    }
    List<ToolCall> calls = new ArrayList<>();
    if (message.getValue("tool_calls") instanceof JsonArray list) {
      for (Object item : list) {
        if (item instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
          String id = call.getValue("id") instanceof String s && !s.isBlank() ? s : HttpCalls.generatedId();
          calls.add(new ToolCall(id, function.getString("name"), HttpCalls.arguments(OLLAMA, function.getValue("arguments"))));
        }
      }
    }
    ChatResponse.StopReason stop = !calls.isEmpty() ? ChatResponse.StopReason.TOOL_USE
        : "length".equals(json.getString("done_reason")) ? ChatResponse.StopReason.MAX_TOKENS
        : ChatResponse.StopReason.END_TURN;
    // prompt_eval_count is left out when Ollama reuses a cached prompt: that counts as 0.
    return new ChatResponse(OLLAMA, json.getString("model", request.model()), message.getString("content", ""),
        calls, stop, new Usage(HttpCalls.count(json, "prompt_eval_count"),
            HttpCalls.count(json, "eval_count"), 0, 0));
  }
}
