package dev.orch.tools.comfyui;

import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;

/**
 * One checked {@code generate_image} call: the model's arguments and the server's settings.
 *
 * @param url the host's base URL, from {@code comfyui.hosts}
 * @param checkpoint {@code comfyui.default_checkpoint}
 * @param pollMs {@code comfyui.poll_interval} (seconds)
 * @param timeoutMs {@code comfyui.timeout} (seconds): the whole call, submission to saved image
 * @param maxImageBytes {@code tools.comfyui.max_image_bytes}: a larger image is refused
 */
record ComfyRequest(String hostKey, String url, String prompt, String negativePrompt, int width, int height,
    String checkpoint, long pollMs, long timeoutMs, long maxImageBytes) {
  static final String DEFAULT_HOST = "local";
  static final String DEFAULT_CHECKPOINT = "sd_xl_base_1.0.safetensors";
  static final int DEFAULT_SIZE = 1024;
  static final double DEFAULT_POLL_SEC = 2;
  static final double DEFAULT_TIMEOUT_SEC = 300;
  static final long DEFAULT_MAX_IMAGE_BYTES = 50L * 1024 * 1024;

  static ComfyRequest of(JsonObject arguments, JsonObject config) {
    JsonObject comfy = config.getJsonObject("comfyui", new JsonObject());
    String prompt = string(arguments, "prompt");
    if (prompt == null || prompt.isBlank()) {
      throw new ToolException("prompt is required: a description of the image");
    }
    String negative = string(arguments, "negative_prompt");
    JsonObject hosts = comfy.getJsonObject("hosts", new JsonObject());
    if (hosts.isEmpty()) {
      throw new ToolException("No ComfyUI host is configured on this server (comfyui.hosts)");
    }
    String fallback = hosts.containsKey(DEFAULT_HOST) ? DEFAULT_HOST : hosts.fieldNames().iterator().next();
    String hostKey = string(arguments, "host");
    hostKey = hostKey == null ? fallback : hostKey;
    if (!(hosts.getValue(hostKey) instanceof String url)) {
      throw new ToolException("Unknown ComfyUI host '" + hostKey + "'; this server has: "
          + String.join(", ", hosts.fieldNames()));
    }
    String checkpoint = comfy.getValue("default_checkpoint") instanceof String c && !c.isBlank() ? c : DEFAULT_CHECKPOINT;
    return new ComfyRequest(hostKey, url.replaceAll("/+$", ""), prompt, negative == null ? "" : negative,
        size(arguments, "width"), size(arguments, "height"), checkpoint,
        millis(comfy.getValue("poll_interval"), DEFAULT_POLL_SEC), millis(comfy.getValue("timeout"), DEFAULT_TIMEOUT_SEC),
        config.getValue("max_image_bytes") instanceof Number n && n.longValue() > 0 ? n.longValue()
            : DEFAULT_MAX_IMAGE_BYTES);
  }

  private static int size(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return DEFAULT_SIZE;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 64
        || n.intValue() > 2048 || n.intValue() % 8 != 0) {
      throw new ToolException(name + " must be a whole number of pixels from 64 to 2048, a multiple of 8");
    }
    return n.intValue();
  }

  private static long millis(Object seconds, double fallback) {
    double s = seconds instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : fallback;
    return Math.max(1, Math.round(s * 1000));
  }

  private static String string(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ToolException(name + " must be a string");
    }
    return s;
  }

  /**
   * The minimal SDXL text-to-image workflow of API.md §15.2 in ComfyUI's API format: the checkpoint,
   * the two prompts, an empty latent of the asked size, 20 euler steps at cfg 7, decode, save.
   */
  JsonObject workflow(long seed) {
    return new JsonObject()
        .put("4", node("CheckpointLoaderSimple", new JsonObject().put("ckpt_name", checkpoint)))
        .put("5", node("EmptyLatentImage", new JsonObject().put("width", width).put("height", height)
            .put("batch_size", 1)))
        .put("6", node("CLIPTextEncode", new JsonObject().put("text", prompt).put("clip", link("4", 1))))
        .put("7", node("CLIPTextEncode", new JsonObject().put("text", negativePrompt).put("clip", link("4", 1))))
        .put("3", node("KSampler", new JsonObject().put("seed", seed).put("steps", 20).put("cfg", 7)
            .put("sampler_name", "euler").put("scheduler", "normal").put("denoise", 1)
            .put("model", link("4", 0)).put("positive", link("6", 0)).put("negative", link("7", 0))
            .put("latent_image", link("5", 0))))
        .put("8", node("VAEDecode", new JsonObject().put("samples", link("3", 0)).put("vae", link("4", 2))))
        .put("9", node("SaveImage", new JsonObject().put("filename_prefix", "orch").put("images", link("8", 0))));
  }

  private static JsonObject node(String type, JsonObject inputs) {
    return new JsonObject().put("class_type", type).put("inputs", inputs);
  }

  private static io.vertx.core.json.JsonArray link(String node, int output) {
    return new io.vertx.core.json.JsonArray().add(node).add(output);
  }
}
