package dev.orch.kernel.config;

import io.vertx.core.json.JsonObject;

/**
 * The defaults of the configuration's maps, where a key left out of every layer still means
 * something: the same values {@code conf/config.json} ships (ConfigKeysTest holds the two together).
 */
public final class Defaults {
  private Defaults() {}

  /**
   * The layered configuration with these maps put where no layer set them, so that every reader
   * finds them: a copy, the argument is left alone.
   */
  static JsonObject filled(JsonObject layered) {
    JsonObject out = layered.copy();
    section(out, "ollama").getMap().putIfAbsent("hosts", ollamaHosts());
    section(out, "comfyui").getMap().putIfAbsent("hosts", comfyuiHosts());
    out.getMap().putIfAbsent("model_pricing", modelPricing());
    return out;
  }

  private static JsonObject section(JsonObject root, String name) {
    if (!(root.getValue(name) instanceof JsonObject section)) {
      if (root.getValue(name) == null) {
        root.put(name, new JsonObject());
      } else {
        return new JsonObject(); // not an object: its reader refuses it with the key's name
      }
    }
    return root.getJsonObject(name);
  }

  /** {@code ollama.hosts}: the local Ollama. */
  public static JsonObject ollamaHosts() {
    return new JsonObject().put("local", "http://localhost:11434");
  }

  /** {@code comfyui.hosts}: the local ComfyUI. */
  public static JsonObject comfyuiHosts() {
    return new JsonObject().put("local", "http://localhost:8188");
  }

  /** {@code model_pricing}: the Claude models of the default tiers, USD per million tokens, and their limits. */
  public static JsonObject modelPricing() {
    return new JsonObject()
        .put("claude-haiku-4-5-20251001", price(1.0, 5.0, 200_000, 64_000, 4096))
        .put("claude-sonnet-4-6", price(3.0, 15.0, 1_000_000, 64_000, 1024))
        .put("claude-opus-4-6", price(15.0, 75.0, 200_000, 32_000, 4096));
  }

  private static JsonObject price(double in, double out, long maxIn, long maxOut, long minCache) {
    return new JsonObject().put("input_per_mtok", in).put("output_per_mtok", out).put("max_input_tokens", maxIn)
        .put("max_output_tokens", maxOut).put("min_cache_tokens", minCache);
  }
}
