package dev.orch.tools.comfyui;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A local server speaking ComfyUI's protocol: {@code POST /prompt} validates the workflow in API format
 * (node types, links, the checkpoint among the installed ones) and answers {@code prompt_id} or the
 * {@code error}/{@code node_errors} shape; {@code GET /history/{id}} is {@code {}} while the prompt runs
 * (for {@link #pollsBeforeDone} polls) and then holds its outputs and status; {@code GET /view} serves
 * the PNG it "rendered" at the requested size.
 */
final class ComfyUiServer implements AutoCloseable {
  static final List<String> CHECKPOINTS = List.of("sd_xl_base_1.0.safetensors", "juggernautXL_v9.safetensors");
  final List<JsonObject> prompts = new CopyOnWriteArrayList<>();
  final AtomicInteger historyRequests = new AtomicInteger();
  volatile int pollsBeforeDone = 2;
  /** When set, the prompt fails in execution with this message. */
  volatile String executionError;
  /** When set, the prompt never finishes. */
  volatile boolean never;
  private final Map<String, JsonObject> running = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final AtomicInteger counter = new AtomicInteger();
  private final HttpServer server;

  ComfyUiServer(Vertx vertx) throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method().name().equals("POST") && path.equals("/prompt")) {
      req.body().onSuccess(body -> submit(req, body));
    } else if (req.method().name().equals("GET") && path.startsWith("/history/")) {
      history(req, path.substring("/history/".length()));
    } else if (req.method().name().equals("GET") && path.equals("/view")) {
      byte[] png = files.get(req.getParam("subfolder", "") + "/" + req.getParam("filename", ""));
      if (png == null || !"output".equals(req.getParam("type"))) {
        req.response().setStatusCode(404).end("404: Not Found");
      } else {
        req.response().putHeader("Content-Type", "image/png").end(Buffer.buffer(png));
      }
    } else {
      req.response().setStatusCode(404).end("404: Not Found");
    }
  }

  private void submit(HttpServerRequest req, Buffer raw) {
    JsonObject body;
    try {
      body = raw.toJsonObject();
    } catch (RuntimeException e) {
      json(req, 400, new JsonObject().put("error", new JsonObject().put("type", "invalid_prompt")
          .put("message", "Invalid prompt").put("details", "not JSON")).put("node_errors", new JsonObject()));
      return;
    }
    if (!(body.getValue("prompt") instanceof JsonObject workflow)) {
      json(req, 400, new JsonObject().put("error", new JsonObject().put("type", "no_prompt")
          .put("message", "No prompt provided").put("details", "")).put("node_errors", new JsonObject()));
      return;
    }
    prompts.add(body);
    JsonObject nodeErrors = new JsonObject();
    boolean output = false;
    for (String id : workflow.fieldNames()) {
      JsonObject node = workflow.getJsonObject(id);
      JsonObject inputs = node.getJsonObject("inputs", new JsonObject());
      for (String input : inputs.fieldNames()) {
        if (inputs.getValue(input) instanceof JsonArray link && !workflow.containsKey(String.valueOf(link.getValue(0)))) {
          nodeErrors.put(id, nodeError(node, "Required input is missing", input));
        }
      }
      switch (node.getString("class_type", "")) {
        case "CheckpointLoaderSimple" -> {
          String ckpt = inputs.getString("ckpt_name", "");
          if (!CHECKPOINTS.contains(ckpt)) {
            nodeErrors.put(id, nodeError(node, "Value not in list",
                "ckpt_name: '" + ckpt + "' not in " + CHECKPOINTS));
          }
        }
        case "SaveImage" -> output = true;
        default -> { }
      }
    }
    if (!output) {
      json(req, 400, new JsonObject().put("error", new JsonObject().put("type", "prompt_no_outputs")
          .put("message", "Prompt has no outputs").put("details", "")).put("node_errors", new JsonObject()));
      return;
    }
    if (!nodeErrors.isEmpty()) {
      json(req, 400, new JsonObject().put("error", new JsonObject().put("type", "prompt_outputs_failed_validation")
          .put("message", "Prompt outputs failed validation").put("details", "")).put("node_errors", nodeErrors));
      return;
    }
    String id = UUID.randomUUID().toString();
    running.put(id, workflow);
    polls.put(id, new AtomicInteger());
    json(req, 200, new JsonObject().put("prompt_id", id).put("number", counter.get()).put("node_errors", new JsonObject()));
  }

  private static JsonObject nodeError(JsonObject node, String message, String details) {
    return new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("type", "value_not_in_list")
        .put("message", message).put("details", details).put("extra_info", new JsonObject())))
        .put("dependent_outputs", new JsonArray().add("9")).put("class_type", node.getString("class_type"));
  }

  private void history(HttpServerRequest req, String id) {
    historyRequests.incrementAndGet();
    JsonObject workflow = running.get(id);
    if (workflow == null || never || polls.get(id).incrementAndGet() <= pollsBeforeDone) {
      json(req, 200, new JsonObject());
      return;
    }
    JsonObject entry = new JsonObject().put("prompt", new JsonArray().add(0).add(id).add(workflow));
    if (executionError != null) {
      entry.put("outputs", new JsonObject()).put("status", new JsonObject().put("status_str", "error")
          .put("completed", false).put("messages", new JsonArray()
              .add(new JsonArray().add("execution_start").add(new JsonObject().put("prompt_id", id)))
              .add(new JsonArray().add("execution_error").add(new JsonObject().put("prompt_id", id).put("node_id", "3")
                  .put("node_type", "KSampler").put("exception_message", executionError)
                  .put("exception_type", "torch.OutOfMemoryError")))));
      json(req, 200, new JsonObject().put(id, entry));
      return;
    }
    JsonObject latent = workflow.getJsonObject("5").getJsonObject("inputs");
    String filename = "orch_" + String.format("%05d", counter.incrementAndGet()) + "_.png";
    files.put("/" + filename, png(latent.getInteger("width") / 8, latent.getInteger("height") / 8));
    entry.put("outputs", new JsonObject().put("9", new JsonObject().put("images", new JsonArray()
            .add(new JsonObject().put("filename", filename).put("subfolder", "").put("type", "output")))))
        .put("status", new JsonObject().put("status_str", "success").put("completed", true).put("messages",
            new JsonArray().add(new JsonArray().add("execution_success").add(new JsonObject().put("prompt_id", id)))));
    json(req, 200, new JsonObject().put(id, entry));
  }

  private static byte[] png(int width, int height) {
    try {
      BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
