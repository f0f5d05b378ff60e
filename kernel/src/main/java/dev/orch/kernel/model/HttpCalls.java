package dev.orch.kernel.model;

import io.vertx.core.Future;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** HTTP plumbing shared by the providers: sending with a timeout, error bodies, failure mapping. */
final class HttpCalls {
  private static final Logger LOG = LoggerFactory.getLogger(HttpCalls.class);
  /** Health checks are listings: they get at most this long, or the call timeout when shorter. */
  static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(10);
  /** Statuses worth another try: request timeout, rate limit, server errors, Anthropic's overload. */
  static final Set<Integer> TRANSIENT_STATUSES = Set.of(408, 429, 500, 502, 503, 504, 529);
  private static final int MAX_MESSAGE = 300;

  private HttpCalls() {}

  /**
   * The error fields of any of the protocols' error bodies.
   *
   * @param type Anthropic/OpenAI {@code error.type}; null when none
   * @param code OpenAI {@code error.code} or Anthropic {@code error.details.error_code}; null when none
   */
  record ErrorBody(String type, String code, String message) {}

  /**
   * Sends {@code body} (or nothing) with {@code timeout} as the request timeout, and maps transport
   * failures (timeout, refused or dropped connection) to a retryable {@link ModelException}.
   */
  static Future<HttpResponse<Buffer>> send(String provider, HttpRequest<Buffer> request, JsonObject body,
      Duration timeout) {
    long ms = Math.max(1, timeout.toMillis());
    request.timeout(ms);
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    // The request timeout only fires when no bytes arrive for that long; a server that trickles
    // bytes would never trip it, so the whole call gets the same deadline too.
    return sent.timeout(ms, TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(transport(provider, timeout, err)));
  }

  static Throwable transport(String provider, Duration timeout, Throwable err) {
    if (err instanceof TimeoutException) {
      return new ModelException(provider, ModelException.Kind.TIMEOUT, 0, null,
          provider + " did not answer within " + timeout.toMillis() + " ms", null);
    }
    // JSON (en|de)coding errors are VertxExceptions too, but our own bugs: never retried.
    boolean json = err instanceof DecodeException || err instanceof EncodeException;
    if (!json && (err instanceof IOException || err instanceof VertxException)) {
      // A connection that was never opened carried no request; any other break may have come after it.
      boolean unsent = err instanceof java.net.ConnectException;
      return new ModelException(provider, unsent ? ModelException.Kind.TRANSIENT : ModelException.Kind.DROPPED, 0,
          null, provider + " connection failed: " + err.getClass().getSimpleName() + ": " + err.getMessage(), null);
    }
    return err;
  }

  /** The JSON object of a success answer; a body that is not one fails with {@code BAD_RESPONSE}. */
  static JsonObject json(String provider, HttpResponse<Buffer> response) {
    Buffer body = response.body();
    try {
      if (body != null && Json.decodeValue(body) instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException ignored) {
      // reported below
    }
    throw badResponse(provider, "answer " + response.statusCode() + " is not a JSON object: " + preview(body));
  }

  /** Runs a response parser; a field of the wrong shape becomes {@code BAD_RESPONSE}. */
  static <T> T parsed(String provider, Supplier<T> parser) {
    try {
      return parser.get();
    } catch (ModelException e) {
      throw e;
    } catch (RuntimeException e) {
      throw badResponse(provider, "answer does not follow the protocol: " + e.getMessage());
    }
  }

  static ModelException badResponse(String provider, String message) {
    return new ModelException(provider, ModelException.Kind.BAD_RESPONSE, 0, null, provider + " " + message, null);
  }

  /** Reads the Anthropic, OpenAI, vLLM, llama.cpp and Ollama error shapes. */
  static ErrorBody errorBody(Buffer body) {
    Object parsed;
    try {
      parsed = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException notJson) {
      parsed = null;
    }
    if (!(parsed instanceof JsonObject root)) {
      return new ErrorBody(null, null, preview(body));
    }
    Object error = root.getValue("error");
    if (error instanceof JsonObject e) {
      String code = text(e.getValue("code"));
      if (code == null && e.getValue("details") instanceof JsonObject details) {
        code = text(details.getValue("error_code"));
      }
      return new ErrorBody(text(e.getValue("type")), code, truncate(text(e.getValue("message"))));
    }
    if (error instanceof String s) {
      return new ErrorBody(null, null, truncate(s));
    }
    return new ErrorBody(text(root.getValue("type")), text(root.getValue("code")),
        truncate(text(root.getValue("message"))));
  }

  /** A failure for an error answer, with the wait its headers ask for. */
  static ModelException failure(String provider, HttpResponse<Buffer> response, ModelException.Kind kind,
      ErrorBody error) {
    String type = error.type() != null ? error.type() : error.code();
    String message = provider + " answered " + response.statusCode() + (type == null ? "" : " " + type)
        + (error.message() == null || error.message().isBlank() ? "" : ": " + error.message());
    return new ModelException(provider, kind, response.statusCode(), type, message,
        RetryPolicy.retryAfter(response.headers(), Instant.now()).orElse(null));
  }

  /** The kind of an error status that needs no protocol-specific reading. */
  static ModelException.Kind kindOf(int status) {
    if (status == 401 || status == 403) {
      return ModelException.Kind.AUTH;
    }
    if (status == 402) {
      return ModelException.Kind.SPEND_LIMIT;
    }
    return TRANSIENT_STATUSES.contains(status) ? ModelException.Kind.TRANSIENT : ModelException.Kind.INVALID_REQUEST;
  }

  static List<String> ids(JsonArray items, String field) {
    List<String> out = new ArrayList<>();
    if (items != null) {
      for (Object item : items) {
        if (item instanceof JsonObject o && o.getValue(field) instanceof String id) {
          out.add(id);
        }
      }
    }
    return out;
  }

  /** A token count; absent or null (no cache activity, a reused prompt) is 0. */
  static long count(JsonObject usage, String field) {
    return usage != null && usage.getValue(field) instanceof Number n ? Math.max(0, n.longValue()) : 0;
  }

  static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Tool definitions in the function format of OpenAI and Ollama. */
  static JsonArray functions(List<ToolSpec> tools) {
    JsonArray out = new JsonArray();
    for (ToolSpec tool : tools) {
      JsonObject function = new JsonObject().put("name", tool.name());
      if (!tool.description().isBlank()) {
        function.put("description", tool.description());
      }
      out.add(new JsonObject().put("type", "function").put("function", function.put("parameters", tool.parameters())));
    }
    return out;
  }

  /**
   * Tool-call arguments: Ollama sends an object, OpenAI a JSON string. Anything else becomes an empty
   * object, so the tool reports the missing arguments to the model instead of the call failing.
   */
  static JsonObject arguments(String provider, Object value) {
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value instanceof String s && !s.isBlank()) {
      try {
        if (Json.decodeValue(s) instanceof JsonObject object) {
          return object;
        }
      } catch (DecodeException notJson) {
        // logged below
      }
      LOG.warn("tool call arguments are not a JSON object, passing an empty one [provider: {}, length: {}]",
          provider, s.length());
    }
    return new JsonObject();
  }

  /** An id for a tool call whose server sent none. */
  static String generatedId() {
    return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static String preview(Buffer body) {
    return body == null || body.length() == 0 ? "(empty body)" : truncate(body.toString().strip());
  }

  private static String truncate(String s) {
    if (s == null) {
      return null;
    }
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }
}
