package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp server, LM Studio):
 * {@code POST {base}/v1/chat/completions}, health from {@code GET {base}/v1/models}. The base URL
 * may or may not end in {@code /v1}. A bearer token is sent when a key is configured.
 *
 * <p>Usage: {@code prompt_tokens} includes the cached prompt tokens that
 * {@code prompt_tokens_details.cached_tokens} reports, so they are moved from
 * {@link Usage#input()} to {@link Usage#cacheRead()}. A 429 {@code insufficient_quota} is a used-up
 * spend limit and is not retried; other 429s are.
 */
public final class OpenAiCompatibleProvider implements ModelProvider {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiCompatibleProvider.class);

  private final WebClient client;
  private final ModelsConfig.OpenAi settings;
  private final RetryPolicy retry;

  public OpenAiCompatibleProvider(WebClient client, ModelsConfig.OpenAi settings, RetryPolicy retry) {
    this.client = client;
    this.settings = settings;
    this.retry = retry;
  }

  @Override
  public String name() {
    return OPENAI;
  }

  @Override
  public Future<ChatResponse> chat(ChatRequest request) {
    if (!settings.configured()) {
      return Future.failedFuture(ModelException.notConfigured(OPENAI, "openai.base_url is not configured"));
    }
    JsonObject body = body(request);
    long start = System.nanoTime();
    return retry.run(OPENAI, request.model(), () -> HttpCalls.send(OPENAI,
                authorized(client.postAbs(url("/chat/completions"))), body, settings.timeout())
            .compose(resp -> resp.statusCode() / 100 == 2
                ? Future.succeededFuture(HttpCalls.json(OPENAI, resp))
                : Future.failedFuture(error(resp))))
        .map(json -> HttpCalls.parsed(OPENAI, () -> parse(request, json)))
        .onSuccess(r -> LOG.debug("model call done [provider: {}, model: {}, input: {}, output: {}, cacheRead: {}, "
            + "ms: {}]", OPENAI, r.model(), r.usage().input(), r.usage().output(), r.usage().cacheRead(),
            (System.nanoTime() - start) / 1_000_000));
  }

  @Override
  public Future<Health> health() {
    if (!settings.configured()) {
      return Future.succeededFuture(Health.down("openai.base_url is not configured"));
    }
    Duration timeout = HttpCalls.min(settings.timeout(), HttpCalls.HEALTH_TIMEOUT);
    return HttpCalls.send(OPENAI, authorized(client.getAbs(url("/models"))), null, timeout)
        .map(resp -> resp.statusCode() == 200
            ? Health.up(HttpCalls.ids(HttpCalls.json(OPENAI, resp).getJsonArray("data"), "id"))
            : Health.down(error(resp).getMessage()))
        .otherwise(err -> Health.down(err.getMessage()));
  }

  /** {@code {base}/v1{path}}, without doubling a {@code /v1} the base already has. */
  String url(String path) {
    String base = settings.baseUrl();
    return (base.endsWith("/v1") ? base : base + "/v1") + path;
  }

  private HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    if (!settings.apiKey().isBlank()) {
      request.putHeader("Authorization", "Bearer " + settings.apiKey());
    }
    return request;
  }

  static ModelException error(HttpResponse<Buffer> response) {
    HttpCalls.ErrorBody error = HttpCalls.errorBody(response.body());
    boolean quota = "insufficient_quota".equals(error.code()) || "insufficient_quota".equals(error.type())
        || (error.message() != null && error.message().toLowerCase(Locale.ROOT).contains("exceeded your current quota"));
    ModelException.Kind kind = quota ? ModelException.Kind.SPEND_LIMIT : HttpCalls.kindOf(response.statusCode());
    return HttpCalls.failure(OPENAI, response, kind, error);
  }

  /** The chat-completions request body. */
  static JsonObject body(ChatRequest request) {
    JsonArray messages = new JsonArray();
    String system = request.joinedSystem();
    if (!system.isBlank()) {
      messages.add(new JsonObject().put("role", "system").put("content", system));
    }
    for (ChatMessage m : request.messages()) {
      if (m.role() == ChatMessage.Role.ASSISTANT) {
        JsonObject turn = new JsonObject().put("role", "assistant");
        if (m.toolCalls().isEmpty()) {
          turn.put("content", m.text());
        } else {
          turn.put("content", m.text().isEmpty() ? null : m.text());
          JsonArray calls = new JsonArray();
          m.toolCalls().forEach(c -> calls.add(new JsonObject().put("id", c.id()).put("type", "function")
              .put("function", new JsonObject().put("name", c.name()).put("arguments", c.arguments().encode()))));
          turn.put("tool_calls", calls);
        }
        messages.add(turn);
        continue;
      }
      for (ToolResult r : m.toolResults()) {
        messages.add(new JsonObject().put("role", "tool").put("tool_call_id", r.toolCallId())
            .put("content", r.content()));
      }
      if (!m.text().isEmpty() || m.toolResults().isEmpty()) {
        messages.add(new JsonObject().put("role", "user").put("content", m.text()));
      }
    }
    // max_tokens rather than max_completion_tokens: vLLM, llama.cpp and LM Studio all read it.
    JsonObject body = new JsonObject().put("model", request.model()).put("messages", messages)
        .put("max_tokens", request.maxTokens()).put("stream", false);
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    if (!request.tools().isEmpty()) {
      body.put("tools", HttpCalls.functions(request.tools()));
    }
    return body;
  }

  static ChatResponse parse(ChatRequest request, JsonObject json) {
    JsonArray choices = json.getJsonArray("choices");
    if (choices == null || choices.isEmpty() || !(choices.getValue(0) instanceof JsonObject choice)
        || !(choice.getValue("message") instanceof JsonObject message)) {
      throw HttpCalls.badResponse(OPENAI, "answer has no choices[0].message");
    }
    List<ToolCall> calls = new ArrayList<>();
    if (message.getValue("tool_calls") instanceof JsonArray list) {
      for (Object item : list) {
        if (item instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
          String id = call.getValue("id") instanceof String s && !s.isBlank() ? s : HttpCalls.generatedId();
          calls.add(new ToolCall(id, function.getString("name"),
              HttpCalls.arguments(OPENAI, function.getValue("arguments"))));
        }
      }
    }
    String finish = choice.getString("finish_reason", "");
    ChatResponse.StopReason stop = !calls.isEmpty() ? ChatResponse.StopReason.TOOL_USE : switch (finish) {
      case "stop" -> ChatResponse.StopReason.END_TURN;
      case "length" -> ChatResponse.StopReason.MAX_TOKENS;
      default -> ChatResponse.StopReason.OTHER;
    };
    JsonObject usage = json.getJsonObject("usage", new JsonObject());
    long prompt = HttpCalls.count(usage, "prompt_tokens");
    long cached = Math.min(prompt, HttpCalls.count(usage.getJsonObject("prompt_tokens_details"), "cached_tokens"));
    String text = message.getValue("content") instanceof String s ? s : "";
    return new ChatResponse(OPENAI, json.getString("model", request.model()), text, calls, stop,
        new Usage(prompt - cached, HttpCalls.count(usage, "completion_tokens"), 0, cached));
  }
}
