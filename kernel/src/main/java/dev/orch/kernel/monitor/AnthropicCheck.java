package dev.orch.kernel.monitor;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Claude API. The original only looks for a key; this check also proves the key works with the
 * cheapest authenticated call there is, {@code GET /v1/models?limit=1}, which is not billed.
 *
 * <ul>
 *   <li>no key: offline, {@code {"key_configured": false, "hint": "Set ANTHROPIC_API_KEY env var"}};
 *   <li>2xx: online, {@code {"key_configured": true, "reachable": true}};
 *   <li>401/403: offline, the key is rejected, with {@code http_status} and a hint;
 *   <li>unreachable, timed out, 429, 5xx or any other status: degraded, with {@code http_status} when
 *       there was an answer and {@code error}.
 * </ul>
 *
 * The method is always {@code api_key}. The key goes only into the request header: it is never
 * logged, and any text shown from an answer or an error has it masked.
 */
final class AnthropicCheck implements ResourceCheck {
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicCheck.class);
  static final long TIMEOUT_MS = 5_000;
  static final String API_VERSION = "2023-06-01";
  static final String NO_KEY_HINT = "Set ANTHROPIC_API_KEY env var";
  static final String REJECTED_HINT = "ANTHROPIC_API_KEY was rejected by the API: check or replace the key";
  static final String FORBIDDEN_HINT = "ANTHROPIC_API_KEY is not permitted to use the API: check the key's workspace";
  private static final int MAX_ERROR_CHARS = 300;
  private static final String METHOD = "api_key";

  private final WebClient web;
  private final String apiKey;
  private final String baseUrl;

  AnthropicCheck(WebClient web, String apiKey, String baseUrl) {
    this.web = web;
    this.apiKey = apiKey;
    this.baseUrl = baseUrl;
  }

  @Override
  public String id() {
    return "anthropic_api";
  }

  @Override
  public String name() {
    return "Claude API";
  }

  @Override
  public String category() {
    return "api";
  }

  @Override
  public long budgetMillis() {
    return TIMEOUT_MS + 500;
  }

  @Override
  public Future<Outcome> run() {
    if (apiKey.isBlank()) {
      return Future.succeededFuture(Outcome.offline(METHOD,
          new JsonObject().put("key_configured", false).put("hint", NO_KEY_HINT)));
    }
    return web.getAbs(baseUrl + "/v1/models")
        .addQueryParam("limit", "1")
        .putHeader("x-api-key", apiKey)
        .putHeader("anthropic-version", API_VERSION)
        .connectTimeout(TIMEOUT_MS)
        .idleTimeout(TIMEOUT_MS)
        .send()
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(this::classify)
        .otherwise(this::unreachable);
  }

  private Outcome classify(HttpResponse<Buffer> res) {
    int status = res.statusCode();
    JsonObject details = new JsonObject().put("key_configured", true).put("reachable", true);
    if (status / 100 == 2) {
      return Outcome.online(METHOD, details);
    }
    details.put("http_status", status);
    if (status == 401 || status == 403) {
      return Outcome.offline(METHOD, details.put("hint", status == 401 ? REJECTED_HINT : FORBIDDEN_HINT));
    }
    String error = errorMessage(res);
    LOG.debug("anthropic check answered [status: {}, error: {}]", status, error);
    return Outcome.degraded(METHOD, details.put("error", error));
  }

  private Outcome unreachable(Throwable err) {
    String error = err instanceof TimeoutException ? "no answer within " + TIMEOUT_MS / 1000 + " s" : mask(String.valueOf(
        err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage()));
    LOG.debug("anthropic check failed [url: {}, error: {}]", baseUrl, error);
    return Outcome.degraded(METHOD, new JsonObject().put("key_configured", true).put("reachable", false)
        .put("error", error));
  }

  /** The API's {@code error.message} when the body is its error shape, else the status line. */
  private String errorMessage(HttpResponse<Buffer> res) {
    String text = null;
    try {
      JsonObject body = res.bodyAsJsonObject();
      JsonObject error = body == null ? null : body.getJsonObject("error");
      text = error == null ? null : error.getString("message");
    } catch (RuntimeException notTheApiShape) {
      // A proxy in front of the API may answer HTML; the status line says enough then.
    }
    if (text == null || text.isBlank()) {
      text = "HTTP " + res.statusCode() + (res.statusMessage() == null ? "" : " " + res.statusMessage());
    }
    text = mask(text);
    return text.length() > MAX_ERROR_CHARS ? text.substring(0, MAX_ERROR_CHARS) + "…" : text;
  }

  private String mask(String text) {
    return text.replace(apiKey, "***");
  }
}
