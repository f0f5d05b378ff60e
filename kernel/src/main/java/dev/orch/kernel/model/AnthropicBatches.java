package dev.orch.kernel.model;

import dev.orch.kernel.store.Ids;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model calls through Anthropic's Message Batches API, at half the price of the Messages API, for
 * economy projects (docs/cost.md). Calls arriving within {@code anthropic.batch_window_ms} of each
 * other go out as one batch ({@code POST /v1/messages/batches}, each call a
 * {@code {custom_id, params}} request with the body the Messages API would get, cache marks
 * included). The batch is polled ({@code GET /v1/messages/batches/{id}}) after
 * {@code anthropic.batch_poll_min_sec}, each wait twice the last up to
 * {@code anthropic.batch_poll_max_sec}, until its {@code processing_status} is {@code ended}; then its
 * results ({@code GET results_url}, one JSON line per request) answer each call: {@code succeeded}
 * with the message, {@code errored} with its error ({@code invalid_request_error} is not worth a retry,
 * others are), {@code expired} and {@code canceled} as transient failures. A batch that cannot be
 * created fails its calls with the API's error; a poll that fails transiently is tried again at the
 * next wait, one that fails for good (the batch is gone) fails the calls. Every HTTP call has
 * {@code anthropic.timeout}.
 */
public final class AnthropicBatches {
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicBatches.class);
  private static final String PROVIDER = ModelProvider.ANTHROPIC;

  private record Pending(String customId, ChatRequest request, Promise<ChatResponse> answer) {}

  private final Vertx vertx;
  private final WebClient client;
  private final ModelsConfig.Anthropic settings;
  private final Pricing pricing;
  private final Object lock = new Object();
  private List<Pending> gathering = new ArrayList<>();

  public AnthropicBatches(Vertx vertx, WebClient client, ModelsConfig.Anthropic settings, Pricing pricing) {
    this.vertx = vertx;
    this.client = client;
    this.settings = settings;
    this.pricing = pricing;
  }

  /** Sends {@code request} with the next batch; completes when the batch's result for it is read. */
  public Future<ChatResponse> chat(ChatRequest request) {
    if (!settings.hasKey()) {
      return Future.failedFuture(ModelException.notConfigured(PROVIDER, "no Anthropic API key is configured"));
    }
    Pending pending = new Pending(Ids.hex32(), request, Promise.promise());
    boolean first;
    synchronized (lock) {
      first = gathering.isEmpty();
      gathering.add(pending);
    }
    if (first) {
      vertx.setTimer(Math.max(1, settings.batch().window().toMillis()), id -> submit());
    }
    return pending.answer().future();
  }

  private void submit() {
    List<Pending> batch;
    synchronized (lock) {
      batch = gathering;
      gathering = new ArrayList<>();
    }
    if (batch.isEmpty()) {
      return;
    }
    JsonArray requests = new JsonArray();
    Map<String, Pending> byId = new LinkedHashMap<>();
    for (Pending p : batch) {
      byId.put(p.customId(), p);
      requests.add(new JsonObject().put("custom_id", p.customId()).put("params", AnthropicProvider.body(p.request(),
          settings.cacheTtl(), pricing.minCacheTokens(p.request().model()))));
    }
    HttpRequest<Buffer> create = authorized(client.postAbs(settings.baseUrl() + "/v1/messages/batches"))
        .putHeader("content-type", "application/json");
    HttpCalls.send(PROVIDER, create, new JsonObject().put("requests", requests), settings.timeout())
        .compose(resp -> resp.statusCode() / 100 == 2 ? Future.succeededFuture(HttpCalls.json(PROVIDER, resp))
            : Future.failedFuture(AnthropicProvider.error(resp)))
        .onSuccess(created -> {
          String id = created.getString("id");
          LOG.info("message batch created [batch: {}, requests: {}]", id, byId.size());
          poll(id, byId, settings.batch().pollMin().toMillis());
        })
        .onFailure(err -> failAll(byId, err));
  }

  private void poll(String id, Map<String, Pending> byId, long waitMs) {
    vertx.setTimer(Math.max(1, waitMs), t -> {
      HttpRequest<Buffer> get = authorized(client.getAbs(settings.baseUrl() + "/v1/messages/batches/" + id));
      HttpCalls.send(PROVIDER, get, null, settings.timeout())
          .compose(resp -> resp.statusCode() / 100 == 2 ? Future.succeededFuture(HttpCalls.json(PROVIDER, resp))
              : Future.failedFuture(AnthropicProvider.error(resp)))
          .onSuccess(batch -> {
            if (!"ended".equals(batch.getString("processing_status"))) {
              poll(id, byId, next(waitMs));
            } else if (!(batch.getValue("results_url") instanceof String url) || url.isBlank()) {
              failAll(byId, HttpCalls.badResponse(PROVIDER, "batch " + id + " ended without results_url"));
            } else {
              results(id, url, byId);
            }
          })
          .onFailure(err -> {
            if (err instanceof ModelException me && me.retryable()) {
              LOG.info("message batch poll failed, trying again [batch: {}, reason: {}]", id, err.getMessage());
              poll(id, byId, next(waitMs));
            } else {
              failAll(byId, err);
            }
          });
    });
  }

  private long next(long waitMs) {
    return Math.min(waitMs * 2, settings.batch().pollMax().toMillis());
  }

  private void results(String id, String url, Map<String, Pending> byId) {
    HttpCalls.send(PROVIDER, authorized(client.getAbs(url)), null, settings.timeout())
        .compose(resp -> resp.statusCode() / 100 == 2 ? Future.succeededFuture(resp.bodyAsString())
            : Future.failedFuture(AnthropicProvider.error(resp)))
        .onSuccess(jsonl -> {
          for (String line : (jsonl == null ? "" : jsonl).split("\n")) {
            if (!line.isBlank()) {
              answer(id, line, byId);
            }
          }
          failAll(byId, new ModelException(PROVIDER, ModelException.Kind.TRANSIENT, 0, null,
              "message batch " + id + " has no result for the request", null));
        })
        .onFailure(err -> failAll(byId, err));
  }

  private void answer(String id, String line, Map<String, Pending> byId) {
    JsonObject item;
    try {
      item = new JsonObject(line);
    } catch (DecodeException e) {
      LOG.warn("message batch result line is not JSON [batch: {}]", id);
      return;
    }
    Pending p = byId.remove(item.getString("custom_id", ""));
    if (p == null) {
      return;
    }
    JsonObject result = item.getValue("result") instanceof JsonObject r ? r : new JsonObject();
    String type = String.valueOf(result.getValue("type"));
    switch (type) {
      case "succeeded" -> {
        try {
          p.answer().complete(AnthropicProvider.parse(p.request(),
              result.getValue("message") instanceof JsonObject m ? m : new JsonObject()));
        } catch (RuntimeException e) {
          p.answer().fail(e);
        }
      }
      case "errored" -> {
        JsonObject error = result.getValue("error") instanceof JsonObject e ? e : new JsonObject();
        JsonObject inner = error.getValue("error") instanceof JsonObject e ? e : error;
        String errorType = inner.getString("type", "api_error");
        ModelException.Kind kind = "invalid_request_error".equals(errorType) ? ModelException.Kind.INVALID_REQUEST
            : ModelException.Kind.TRANSIENT;
        p.answer().fail(new ModelException(PROVIDER, kind, 0, errorType, "message batch " + id + " request errored: "
            + errorType + (inner.getValue("message") instanceof String m ? ": " + m : ""), null));
      }
      default -> p.answer().fail(new ModelException(PROVIDER, ModelException.Kind.TRANSIENT, 0, type,
          "message batch " + id + " request " + type + " before it was processed", null));
    }
  }

  private static void failAll(Map<String, Pending> byId, Throwable err) {
    byId.values().forEach(p -> p.answer().tryFail(err));
    byId.clear();
  }

  private HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    return request.putHeader("x-api-key", settings.apiKey()).putHeader("anthropic-version", AnthropicProvider.API_VERSION);
  }
}
