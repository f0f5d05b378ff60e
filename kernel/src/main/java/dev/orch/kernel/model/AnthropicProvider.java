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
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Anthropic Messages API ({@code POST {base}/v1/messages}, non-streaming).
 *
 * <p>Prompt caching (docs/cost.md): the prompt is tools, then the system blocks ({@code system},
 * {@code sharedContext}, {@code taskContext}), then the turns. The stable prefix is marked with
 * {@code cache_control: {"type": "ephemeral"}} (with {@code "ttl": "1h"} when
 * {@code anthropic.cache_ttl} says so) at up to four breakpoints: the last tool definition, the
 * system block, the shared-context block, and, from the second round of a tool loop on, the last
 * block of the last turn. A breakpoint is set only where the prefix up to it reaches the model's
 * minimum cacheable length ({@link Pricing#minCacheTokens}, a token counted as 4 characters of the
 * block's JSON): below it Anthropic would cache nothing, so a mark there would only mislead. The
 * task's own context is never marked. Usage reports the cache writes (1-hour ones apart) and reads,
 * which {@link Pricing} prices at their own rates.
 *
 * <p>Errors ({@code {"type": "error", "error": {"type", "message"}}}): 408, 429, 5xx and 529
 * ({@code overloaded_error}) are retried; 401/403, a used-up credit balance or spend limit (400
 * {@code invalid_request_error} naming it, 402 {@code billing_error}, 429 with
 * {@code enforced_spend_limit_reached}) and other 4xx are not.
 */
public final class AnthropicProvider implements ModelProvider {
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicProvider.class);
  /** The Messages API version this client speaks. */
  public static final String API_VERSION = "2023-06-01";
  private static final Pattern SPEND_LIMIT = Pattern.compile(
      "credit balance|spend(ing)? limit|usage limit|billing", Pattern.CASE_INSENSITIVE);

  /** Characters of a block's JSON per token, for placing breakpoints; the local test server counts alike. */
  public static final int CHARS_PER_TOKEN = 4;

  private final WebClient client;
  private final ModelsConfig.Anthropic settings;
  private final Pricing pricing;
  private final RetryPolicy retry;

  public AnthropicProvider(WebClient client, ModelsConfig.Anthropic settings, RetryPolicy retry) {
    this(client, settings, new Pricing(java.util.Map.of()), retry);
  }

  /** @param pricing the models' minimum cacheable lengths */
  public AnthropicProvider(WebClient client, ModelsConfig.Anthropic settings, Pricing pricing, RetryPolicy retry) {
    this.client = client;
    this.settings = settings;
    this.pricing = pricing;
    this.retry = retry;
  }

  @Override
  public String name() {
    return ANTHROPIC;
  }

  @Override
  public Future<ChatResponse> chat(ChatRequest request) {
    if (!settings.hasKey()) {
      return Future.failedFuture(ModelException.notConfigured(ANTHROPIC, "no Anthropic API key is configured"));
    }
    JsonObject body = body(request, settings.cacheTtl(), pricing.minCacheTokens(request.model()));
    long start = System.nanoTime();
    return retry.run(ANTHROPIC, request.model(), () -> post(body))
        .map(json -> HttpCalls.parsed(ANTHROPIC, () -> parse(request, json)))
        .onSuccess(r -> LOG.debug("model call done [provider: {}, model: {}, input: {}, output: {}, cacheWrite: {}, "
            + "cacheRead: {}, ms: {}]", ANTHROPIC, r.model(), r.usage().input(), r.usage().output(),
            r.usage().cacheCreation(), r.usage().cacheRead(), (System.nanoTime() - start) / 1_000_000));
  }

  @Override
  public Future<Health> health() {
    if (!settings.hasKey()) {
      return Future.succeededFuture(Health.down("no Anthropic API key is configured"));
    }
    Duration timeout = HttpCalls.min(settings.timeout(), HttpCalls.HEALTH_TIMEOUT);
    return HttpCalls.send(ANTHROPIC, authorized(client.getAbs(settings.baseUrl() + "/v1/models")), null, timeout)
        .map(resp -> resp.statusCode() == 200
            ? Health.up(HttpCalls.ids(HttpCalls.json(ANTHROPIC, resp).getJsonArray("data"), "id"))
            : Health.down(error(resp).getMessage()))
        .otherwise(err -> Health.down(err.getMessage()));
  }

  private Future<JsonObject> post(JsonObject body) {
    HttpRequest<Buffer> request = authorized(client.postAbs(settings.baseUrl() + "/v1/messages"))
        .putHeader("content-type", "application/json");
    return HttpCalls.send(ANTHROPIC, request, body, settings.timeout())
        .compose(resp -> resp.statusCode() / 100 == 2
            ? Future.succeededFuture(HttpCalls.json(ANTHROPIC, resp))
            : Future.failedFuture(error(resp)));
  }

  private HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    return request.putHeader("x-api-key", settings.apiKey()).putHeader("anthropic-version", API_VERSION);
  }

  static ModelException error(HttpResponse<Buffer> response) {
    HttpCalls.ErrorBody error = HttpCalls.errorBody(response.body());
    int status = response.statusCode();
    ModelException.Kind kind;
    if (status == 402 || "billing_error".equals(error.type())
        || (status == 429 && "enforced_spend_limit_reached".equals(error.code()))
        || (status == 400 && error.message() != null && SPEND_LIMIT.matcher(error.message()).find())) {
      kind = ModelException.Kind.SPEND_LIMIT;
    } else if ("overloaded_error".equals(error.type())) {
      kind = ModelException.Kind.TRANSIENT;
    } else {
      kind = HttpCalls.kindOf(status);
    }
    return HttpCalls.failure(ANTHROPIC, response, kind, error);
  }

  /** The Messages API request body, with 5-minute cache marks where a prefix reaches 1,024 tokens. */
  static JsonObject body(ChatRequest request) {
    return body(request, "5m", 1024);
  }

  /**
   * The Messages API request body.
   *
   * @param cacheTtl {@code 5m} or {@code 1h}
   * @param minCacheTokens the shortest prefix the model caches
   */
  public static JsonObject body(ChatRequest request, String cacheTtl, long minCacheTokens) {
    JsonObject body = new JsonObject()
        .put("model", request.model())
        .put("max_tokens", request.maxTokens());
    JsonObject mark = new JsonObject().put("type", "ephemeral");
    if ("1h".equals(cacheTtl)) {
      mark.put("ttl", "1h");
    }
    long prefix = 0;
    if (!request.tools().isEmpty()) {
      JsonArray tools = new JsonArray();
      for (ToolSpec tool : request.tools()) {
        JsonObject definition = new JsonObject().put("name", tool.name());
        if (!tool.description().isBlank()) {
          definition.put("description", tool.description());
        }
        definition.put("input_schema", tool.parameters());
        prefix += tokens(definition);
        tools.add(definition);
      }
      if (prefix >= minCacheTokens) {
        tools.getJsonObject(tools.size() - 1).put("cache_control", mark.copy());
      }
      body.put("tools", tools);
    }
    JsonArray system = new JsonArray();
    for (String text : List.of(request.system(), request.sharedContext())) {
      if (!text.isBlank()) {
        JsonObject block = new JsonObject().put("type", "text").put("text", text);
        prefix += tokens(block);
        system.add(prefix >= minCacheTokens ? block.put("cache_control", mark.copy()) : block);
      }
    }
    if (!request.taskContext().isBlank()) {
      JsonObject block = new JsonObject().put("type", "text").put("text", request.taskContext());
      prefix += tokens(block);
      system.add(block);
    }
    if (!system.isEmpty()) {
      body.put("system", system);
    }
    JsonArray messages = new JsonArray();
    request.messages().forEach(m -> messages.add(message(m)));
    // From the second round of a tool loop, the conversation so far is the next round's prefix.
    if (messages.size() >= 3) {
      for (Object m : messages) {
        Object content = ((JsonObject) m).getValue("content");
        prefix += content instanceof JsonArray blocks
            ? blocks.stream().mapToLong(b -> tokens((JsonObject) b)).sum() : tokens(String.valueOf(content));
      }
      JsonObject last = messages.getJsonObject(messages.size() - 1);
      if (prefix >= minCacheTokens && last.getValue("content") instanceof JsonArray blocks && !blocks.isEmpty()) {
        blocks.getJsonObject(blocks.size() - 1).put("cache_control", mark.copy());
      }
    }
    body.put("messages", messages);
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    return body;
  }

  /** About how many tokens a block is: its JSON's characters / {@link #CHARS_PER_TOKEN}. */
  public static long tokens(JsonObject block) {
    return tokens(block.encode());
  }

  static long tokens(String text) {
    return Math.max(1, text.length() / CHARS_PER_TOKEN);
  }

  private static JsonObject message(ChatMessage message) {
    boolean user = message.role() == ChatMessage.Role.USER;
    if (user && message.toolResults().isEmpty()) {
      return new JsonObject().put("role", "user").put("content", message.text());
    }
    JsonArray content = new JsonArray();
    // tool_result blocks must come first in their user turn.
    for (ToolResult result : message.toolResults()) {
      JsonObject block = new JsonObject().put("type", "tool_result").put("tool_use_id", result.toolCallId())
          .put("content", result.content());
      if (result.error()) {
        block.put("is_error", true);
      }
      content.add(block);
    }
    if (!message.text().isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", message.text()));
    }
    for (ToolCall call : message.toolCalls()) {
      content.add(new JsonObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
          .put("input", call.arguments()));
    }
    return new JsonObject().put("role", user ? "user" : "assistant").put("content", content);
  }

  static ChatResponse parse(ChatRequest request, JsonObject json) {
    if (!(json.getValue("content") instanceof JsonArray content)) {
      throw HttpCalls.badResponse(ANTHROPIC, "answer has no content array");
    }
    List<String> texts = new ArrayList<>();
    List<ToolCall> calls = new ArrayList<>();
    for (Object item : content) {
      if (!(item instanceof JsonObject block)) {
        continue;
      }
      switch (String.valueOf(block.getValue("type"))) {
        case "text" -> texts.add(block.getString("text", ""));
        case "tool_use" -> calls.add(new ToolCall(block.getString("id"), block.getString("name"),
            block.getValue("input") instanceof JsonObject input ? input : new JsonObject()));
        default -> { } // thinking and server-tool blocks carry nothing the executor uses
      }
    }
    JsonObject usage = json.getJsonObject("usage", new JsonObject());
    return new ChatResponse(ANTHROPIC, json.getString("model", request.model()), String.join("\n", texts), calls,
        stopReason(json.getString("stop_reason")),
        new Usage(HttpCalls.count(usage, "input_tokens"), HttpCalls.count(usage, "output_tokens"),
            HttpCalls.count(usage, "cache_creation_input_tokens"), HttpCalls.count(usage, "cache_read_input_tokens"),
            Math.min(HttpCalls.count(usage, "cache_creation_input_tokens"),
                HttpCalls.count(usage.getValue("cache_creation") instanceof JsonObject c ? c : null,
                    "ephemeral_1h_input_tokens"))));
  }

  private static ChatResponse.StopReason stopReason(String reason) {
    if (reason == null) {
      return ChatResponse.StopReason.OTHER;
    }
    return switch (reason.toLowerCase(Locale.ROOT)) {
      case "end_turn", "stop_sequence" -> ChatResponse.StopReason.END_TURN;
      case "tool_use" -> ChatResponse.StopReason.TOOL_USE;
      case "max_tokens" -> ChatResponse.StopReason.MAX_TOKENS;
      default -> ChatResponse.StopReason.OTHER;
    };
  }

}
