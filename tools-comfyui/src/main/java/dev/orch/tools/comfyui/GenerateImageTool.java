package dev.orch.tools.comfyui;

import dev.orch.tool.Tool;
import dev.orch.tool.ToolContext;
import dev.orch.tool.ToolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.pf4j.Extension;

/**
 * {@code generate_image} (API.md §15.2): submits an SDXL text-to-image workflow to a ComfyUI host
 * ({@code POST /prompt}), polls {@code GET /history/{id}} every {@code comfyui.poll_interval} until it
 * is done, fetches each image ({@code GET /view}) into the project folder under {@code images/}, and
 * returns each image's path in the project folder and its view URL. The whole call is bounded by
 * {@code comfyui.timeout}; ComfyUI's errors and a host that cannot be reached come back as text.
 */
@Extension
public final class GenerateImageTool implements Tool {
  static final long REQUEST_TIMEOUT_MS = 30_000;
  private static final SecureRandom SEEDS = new SecureRandom();
  private static final int MAX_ERROR_CHARS = 500;

  @Override
  public String name() {
    return "generate_image";
  }

  @Override
  public String description() {
    return "Generate an image from a text prompt with Stable Diffusion XL on ComfyUI. The image is saved in the"
        + " project folder under images/; returns its path there and a URL to view it.";
  }

  @Override
  public JsonObject parameters() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("prompt", property("string", "What the image shows"))
            .put("negative_prompt", property("string", "What the image must not show"))
            .put("width", property("integer", "Width in pixels, a multiple of 8 up to 2048; default 1024"))
            .put("height", property("integer", "Height in pixels, a multiple of 8 up to 2048; default 1024"))
            .put("host", property("string", "Which ComfyUI host of the server's configuration; default 'local'")))
        .put("required", new JsonArray().add("prompt"));
  }

  /** With the configured host keys as the {@code host} enum, so the model can only pick one of them. */
  @Override
  public JsonObject parameters(JsonObject config) {
    JsonObject schema = parameters();
    JsonObject hosts = config.getJsonObject("comfyui", new JsonObject()).getJsonObject("hosts", new JsonObject());
    if (!hosts.isEmpty()) {
      schema.getJsonObject("properties").getJsonObject("host").put("enum", new JsonArray(List.copyOf(hosts.fieldNames())));
    }
    return schema;
  }

  @Override
  public Future<String> invoke(JsonObject arguments, ToolContext context) {
    ComfyRequest request;
    try {
      request = ComfyRequest.of(arguments, context.config());
    } catch (ToolException e) {
      return Future.failedFuture(e);
    }
    WebClient web = WebClient.create(context.vertx(), new WebClientOptions()
        .setConnectTimeout((int) Math.min(REQUEST_TIMEOUT_MS, request.timeoutMs())).setUserAgent("orch-generate-image"));
    Run run = new Run(context, web, request);
    return run.submit()
        .compose(run::poll)
        .compose(run::save)
        .timeout(request.timeoutMs(), TimeUnit.MILLISECONDS)
        .recover(err -> Future.failedFuture(run.failure(err)))
        .onComplete(ar -> {
          run.done = true;
          web.close();
        });
  }

  private static JsonObject property(String type, String description) {
    return new JsonObject().put("type", type).put("description", description);
  }

  /** One image generation, from submission to the saved files. */
  private static final class Run {
    final ToolContext context;
    final WebClient web;
    final ComfyRequest request;
    volatile boolean done;

    Run(ToolContext context, WebClient web, ComfyRequest request) {
      this.context = context;
      this.web = web;
      this.request = request;
    }

    Future<String> submit() {
      JsonObject body = new JsonObject().put("prompt", request.workflow(SEEDS.nextLong() & 0xFFFFFFFFFFFFL))
          .put("client_id", UUID.randomUUID().toString());
      return web.postAbs(request.url() + "/prompt").idleTimeout(REQUEST_TIMEOUT_MS).sendJsonObject(body)
          .compose(res -> {
            JsonObject json = json(res);
            if (res.statusCode() == 200 && json != null && json.getValue("prompt_id") instanceof String id) {
              context.log().debug("image submitted [project: {}, task: {}, host: {}, prompt id: {}]",
                  context.projectId(), context.taskId(), request.hostKey(), id);
              return Future.succeededFuture(id);
            }
            return Future.failedFuture(new ToolException("ComfyUI (" + request.hostKey() + ") refused the workflow: "
                + refusal(res, json), res.statusCode() >= 500));
          });
    }

    /** Asks for the history until the prompt has finished; completes with its history entry. */
    Future<JsonObject> poll(String promptId) {
      return web.getAbs(request.url() + "/history/" + promptId).idleTimeout(REQUEST_TIMEOUT_MS).send()
          .compose(res -> {
            JsonObject json = json(res);
            JsonObject entry = json == null ? null : json.getJsonObject(promptId);
            if (res.statusCode() != 200) {
              return Future.failedFuture(new ToolException("ComfyUI (" + request.hostKey() + ") answered "
                  + res.statusCode() + " to a history request", true));
            }
            JsonObject status = entry == null ? null : entry.getJsonObject("status");
            if (status != null && "error".equals(status.getString("status_str"))) {
              return Future.failedFuture(new ToolException("ComfyUI could not make the image: " + executionError(status)));
            }
            if (entry != null && (status == null || status.getBoolean("completed", false))) {
              return Future.succeededFuture(entry.put("prompt_id", promptId));
            }
            if (done) {
              return Future.failedFuture(new ToolException("cancelled", true));
            }
            Promise<Void> later = Promise.promise();
            context.vertx().setTimer(request.pollMs(), t -> later.complete());
            return later.future().compose(v -> poll(promptId));
          });
    }

    /** Fetches every output image into the project folder; the text lists them. */
    Future<String> save(JsonObject entry) {
      List<JsonObject> images = new ArrayList<>();
      entry.getJsonObject("outputs", new JsonObject()).forEach(output -> {
        if (output.getValue() instanceof JsonObject o) {
          o.getJsonArray("images", new JsonArray()).forEach(i -> {
            if (i instanceof JsonObject image && image.getValue("filename") instanceof String) {
              images.add(image);
            }
          });
        }
      });
      if (images.isEmpty()) {
        return Future.failedFuture(new ToolException("ComfyUI finished without an image"));
      }
      String promptId = entry.getString("prompt_id");
      Future<List<String>> lines = Future.succeededFuture(new ArrayList<>());
      for (JsonObject image : images) {
        lines = lines.compose(list -> fetch(image).compose(bytes -> context.vertx().executeBlocking(() ->
            ImageFolder.save(context.workspace(), promptId, image.getString("filename"), bytes), false))
            .map(saved -> {
              list.add("Image saved: " + saved + " (" + request.width() + "x" + request.height() + "). View: "
                  + viewUrl(image));
              return list;
            }));
      }
      return lines.map(list -> String.join("\n", list));
    }

    private Future<Buffer> fetch(JsonObject image) {
      return web.getAbs(request.url() + "/view")
          .addQueryParam("filename", image.getString("filename"))
          .addQueryParam("subfolder", image.getString("subfolder", ""))
          .addQueryParam("type", image.getString("type", "output"))
          .idleTimeout(REQUEST_TIMEOUT_MS)
          .send()
          .compose(res -> {
            if (res.statusCode() != 200 || res.body() == null) {
              return Future.failedFuture(new ToolException("ComfyUI (" + request.hostKey() + ") answered "
                  + res.statusCode() + " for the image", true));
            }
            if (res.body().length() > request.maxImageBytes()) {
              return Future.failedFuture(new ToolException("The image is " + res.body().length()
                  + " bytes, over the limit of " + request.maxImageBytes() + " bytes"));
            }
            return Future.succeededFuture(res.body());
          });
    }

    private String viewUrl(JsonObject image) {
      return request.url() + "/view?filename=" + encode(image.getString("filename")) + "&subfolder="
          + encode(image.getString("subfolder", "")) + "&type=" + encode(image.getString("type", "output"));
    }

    ToolException failure(Throwable err) {
      if (err instanceof ToolException te) {
        return te;
      }
      if (err instanceof TimeoutException) {
        return new ToolException("ComfyUI (" + request.hostKey() + ") did not finish within "
            + seconds(request.timeoutMs()) + " s", true);
      }
      String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
      return new ToolException("ComfyUI host '" + request.hostKey() + "' is not reachable: " + cut(reason), true);
    }
  }

  /** ComfyUI's reason for refusing a workflow: its error message and each node's errors. */
  static String refusal(HttpResponse<Buffer> res, JsonObject json) {
    if (json == null) {
      return "HTTP " + res.statusCode();
    }
    StringBuilder out = new StringBuilder();
    Object error = json.getValue("error");
    if (error instanceof JsonObject e) {
      out.append(e.getString("message", "error"));
    } else if (error != null) {
      out.append(error);
    }
    if (json.getValue("node_errors") instanceof JsonObject nodes) {
      nodes.forEach(n -> {
        if (n.getValue() instanceof JsonObject node) {
          node.getJsonArray("errors", new JsonArray()).forEach(e -> {
            if (e instanceof JsonObject ne) {
              out.append("; ").append(node.getString("class_type", n.getKey())).append(": ")
                  .append(ne.getString("message", "")).append(ne.getString("details", "").isEmpty() ? ""
                      : " (" + ne.getString("details") + ")");
            }
          });
        }
      });
    }
    return cut(out.length() == 0 ? "HTTP " + res.statusCode() : out.toString());
  }

  /** The {@code execution_error} message in a failed prompt's status. */
  static String executionError(JsonObject status) {
    for (Object m : status.getJsonArray("messages", new JsonArray())) {
      if (m instanceof JsonArray message && "execution_error".equals(message.getValue(0))
          && message.getValue(1) instanceof JsonObject details) {
        return cut(details.getString("node_type", "a node") + ": " + details.getString("exception_message", "error"));
      }
    }
    return "the prompt failed";
  }

  private static JsonObject json(HttpResponse<Buffer> res) {
    try {
      return res.body() == null ? null : res.bodyAsJsonObject();
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String cut(String text) {
    String oneLine = text.strip();
    return oneLine.length() > MAX_ERROR_CHARS ? oneLine.substring(0, MAX_ERROR_CHARS) + "…" : oneLine;
  }

  static String seconds(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
  }
}
