package dev.orch.tools.ollama;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.pf4j.Extension;

/**
 * {@code local_llm} (API.md §15.2): one prompt to a model on an Ollama host, through its non-streaming
 * {@code POST /api/generate}. The host is a key of {@code ollama.hosts} (default {@code local}), the
 * model defaults to {@code ollama.default_model}, and the call is bounded by
 * {@code ollama.generate_timeout}. A host that cannot be reached, an error answer or a timeout comes
 * back as a message.
 */
@Extension
public final class LocalLlmTool implements Tool {
  static final String DEFAULT_HOST = "local";
  static final String DEFAULT_MODEL = "qwen2.5-coder:14b";
  static final double DEFAULT_TIMEOUT_SEC = 120;
  private static final int MAX_ERROR_CHARS = 500;

  @Override
  public String name() {
    return "local_llm";
  }

  @Override
  public String description() {
    return "Ask a local model (Ollama) to answer a prompt, e.g. to draft, summarise or transform text cheaply."
        + " Returns the model's answer.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("prompt", property("The prompt"))
            .put("system", property("An optional system prompt"))
            .put("model", property("The Ollama model; default: the server's default model"))
            .put("host", property("Which Ollama host of the server's configuration; default 'local'")))
        .put("required", new JsonArray().add("prompt"));
  }

  /** With the configured host keys as the {@code host} enum, so the model can only pick one of them. */
  @Override
  public JsonObject parameters(JsonObject config) {
    JsonObject schema = parameters();
    JsonObject hosts = config.getJsonObject("ollama", new JsonObject()).getJsonObject("hosts", new JsonObject());
    if (!hosts.isEmpty()) {
      schema.getJsonObject("properties").getJsonObject("host").put("enum", new JsonArray(List.copyOf(hosts.fieldNames())));
    }
    return schema;
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    Request request;
    try {
      request = Request.of(arguments, context.config().getJsonObject("ollama", new JsonObject()));
    } catch (ToolException e) {
      return Future.failedFuture(e);
    }
    JsonObject body = new JsonObject().put("model", request.model()).put("prompt", request.prompt()).put("stream", false);
    if (request.system() != null) {
      body.put("system", request.system());
    }
    long timeoutMs = request.timeoutMs();
    WebClient web = WebClient.create(context.vertx(), new WebClientOptions().setConnectTimeout((int) Math.min(timeoutMs,
        10_000)).setUserAgent("orch-local-llm"));
    context.log().debug("local llm call [project: {}, task: {}, host: {}, model: {}]", context.projectId(),
        context.taskId(), request.hostKey(), request.model());
    return web.postAbs(request.url() + "/api/generate")
        .idleTimeout(timeoutMs)
        .sendJsonObject(body)
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .transform(ar -> ar.succeeded() ? answer(request, ar.result()) : Future.failedFuture(failure(request, ar.cause())))
        .onComplete(ar -> web.close());
  }

  private static Future<String> answer(Request request, HttpResponse<Buffer> res) {
    JsonObject json = null;
    try {
      json = res.bodyAsJsonObject();
    } catch (RuntimeException notJson) {
      // Described below from the status alone.
    }
    if (res.statusCode() != 200) {
      String error = json != null && json.getValue("error") instanceof String e ? e : "HTTP " + res.statusCode();
      return Future.failedFuture(new ToolException("Ollama (" + request.hostKey() + ") answered " + res.statusCode() + ": "
          + cut(error), res.statusCode() >= 500 || res.statusCode() == 429));
    }
    if (json == null || !(json.getValue("response") instanceof String text)) {
      return Future.failedFuture(new ToolException("Ollama (" + request.hostKey() + ") sent an answer that is not"
          + " an /api/generate response", true));
    }
    return Future.succeededFuture(text.isBlank() ? "(the model answered with no text)" : text);
  }

  private static ToolException failure(Request request, Throwable err) {
    if (err instanceof TimeoutException || err.getClass().getSimpleName().contains("Timeout")) {
      return new ToolException("Ollama (" + request.hostKey() + ") did not answer within " + seconds(request.timeoutMs())
          + " s", true);
    }
    String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    return new ToolException("Ollama host '" + request.hostKey() + "' is not reachable: " + cut(reason), true);
  }

  private static String cut(String text) {
    return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "…" : text;
  }

  static String seconds(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
  }

  private static JsonObject property(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  /** One checked call: which host, model and prompt, and how long it may take. */
  record Request(String hostKey, String url, String model, String prompt, String system, long timeoutMs) {
    static Request of(JsonObject arguments, JsonObject ollama) {
      String prompt = string(arguments, "prompt", null);
      if (prompt == null || prompt.isBlank()) {
        throw new ToolException("prompt is required");
      }
      JsonObject hosts = ollama.getJsonObject("hosts", new JsonObject());
      if (hosts.isEmpty()) {
        throw new ToolException("No Ollama host is configured on this server (ollama.hosts)");
      }
      String fallback = hosts.containsKey(DEFAULT_HOST) ? DEFAULT_HOST : hosts.fieldNames().iterator().next();
      String hostKey = string(arguments, "host", fallback);
      if (!(hosts.getValue(hostKey) instanceof String url)) {
        throw new ToolException("Unknown Ollama host '" + hostKey + "'; this server has: "
            + String.join(", ", hosts.fieldNames()));
      }
      String model = string(arguments, "model", null);
      if (model == null || model.isBlank()) {
        model = ollama.getValue("default_model") instanceof String m ? m : DEFAULT_MODEL;
      }
      Object timeout = ollama.getValue("generate_timeout", DEFAULT_TIMEOUT_SEC);
      double seconds = timeout instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : DEFAULT_TIMEOUT_SEC;
      String system = string(arguments, "system", null);
      return new Request(hostKey, url.replaceAll("/+$", ""), model, prompt, system == null || system.isBlank()
          ? null : system, Math.max(1, Math.round(seconds * 1000)));
    }

    private static String string(JsonObject arguments, String name, String fallback) {
      Object value = arguments.getValue(name);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof String s)) {
        throw new ToolException(name + " must be a string");
      }
      return s;
    }
  }
}
