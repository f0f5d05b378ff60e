package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.testing.LocalProviders;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/services} and {@code /api/services/{id}} on a real kernel (API.md §3.10, §15.1). */
class ServiceRoutesIT {
  private static final String KEY = "sk-ant-api03-it-key-0123456789abcdef";

  @TempDir Path dir;
  Vertx providers;
  LocalProviders.Ollama ollama;
  LocalProviders.ComfyUi comfy;
  LocalProviders.Anthropic anthropic;
  TestKernel k;
  String token;

  @BeforeEach
  void start() {
    providers = Vertx.vertx();
    ollama = LocalProviders.Ollama.start(providers);
    comfy = LocalProviders.ComfyUi.start(providers);
    anthropic = LocalProviders.Anthropic.start(providers, KEY);
    JsonObject json = TestKernel.testConfig(dir);
    json.getJsonObject("ollama").put("hosts", new JsonObject().put("local", ollama.url()));
    json.getJsonObject("comfyui").put("hosts", new JsonObject().put("local", comfy.url()));
    json.getJsonObject("anthropic").put("api_key", KEY).put("base_url", anthropic.url());
    json.put("resource_check_interval_sec", 3600);
    k = TestKernel.start(json);
    token = k.signUp("user@example.com", "password1").getString("access_token");
  }

  @AfterEach
  void stop() throws Exception {
    if (k != null) {
      k.close();
    }
    providers.close().await(10, TimeUnit.SECONDS);
  }

  private static Map<String, JsonObject> byId(JsonArray list) {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    list.forEach(r -> out.put(((JsonObject) r).getString("id"), (JsonObject) r));
    return out;
  }

  @Test
  @DisplayName("both endpoints need a user: 401 with a Bearer challenge")
  void authenticated() {
    for (String path : List.of("/api/services", "/api/services?refresh=true", "/api/services/anthropic_api")) {
      HttpResponse<Buffer> res = k.get(path, null);
      assertThat(res.statusCode()).as(path).isEqualTo(401);
      assertThat(res.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    }
  }

  @Test
  @DisplayName("the list is ResourceOut[] in catalogue order, each host and provider checked")
  void list() {
    HttpResponse<Buffer> res = k.get("/api/services?refresh=true", token);

    assertThat(res.statusCode()).isEqualTo(200);
    Map<String, JsonObject> all = byId(res.bodyAsJsonArray());
    assertThat(all.keySet()).containsExactly("ollama_local", "comfyui_local", "anthropic_api", "gemini_cli", "codex_cli");
    assertThat(all.values()).allSatisfy(r -> assertThat(r.fieldNames())
        .containsExactly("id", "name", "status", "method", "details", "category"));
    assertThat(all.get("ollama_local")).isEqualTo(new JsonObject().put("id", "ollama_local").put("name", "Ollama (local)")
        .put("status", "online").put("method", "http")
        .put("details", new JsonObject().put("models", new JsonArray().add("qwen2.5-coder:14b").add("nomic-embed-text:latest")))
        .put("category", "ai"));
    assertThat(all.get("comfyui_local").getString("status")).isEqualTo("online");
    assertThat(all.get("anthropic_api").getString("status")).isEqualTo("online");
    assertThat(all.get("anthropic_api").getString("method")).isEqualTo("api_key");
    assertThat(all.get("gemini_cli").getString("method")).isEqualTo("cli");
    assertThat(res.bodyAsString()).doesNotContain(KEY);
  }

  @Test
  @DisplayName("a plain GET answers the cached states; refresh=true checks again and answers fresh ones")
  void refresh() {
    assertThat(byId(k.get("/api/services?refresh=true", token).bodyAsJsonArray()).get("anthropic_api")
        .getString("status")).isEqualTo("online");
    anthropic.forcedStatus = 500;

    assertThat(byId(k.get("/api/services", token).bodyAsJsonArray()).get("anthropic_api").getString("status"))
        .isEqualTo("online");
    JsonObject fresh = byId(k.get("/api/services?refresh=true", token).bodyAsJsonArray()).get("anthropic_api");
    assertThat(fresh.getString("status")).isEqualTo("degraded");
    assertThat(fresh.getJsonObject("details").getInteger("http_status")).isEqualTo(500);
    assertThat(k.get("/api/services/anthropic_api", token).bodyAsJsonObject().getString("status"))
        .isEqualTo("degraded");
  }

  @Test
  @DisplayName("one resource by id; an unknown id is 404 with the contract's text")
  void one() {
    k.get("/api/services?refresh=true", token);

    HttpResponse<Buffer> res = k.get("/api/services/comfyui_local", token);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("id", "comfyui_local").put("name", "ComfyUI (local)")
        .put("status", "online").put("method", "http").put("details", new JsonObject()).put("category", "ai"));

    HttpResponse<Buffer> missing = k.get("/api/services/nope", token);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject()).isEqualTo(new JsonObject().put("detail", "Resource nope not found"));
  }

  @Test
  @DisplayName("refresh accepts true/false, 1/0, yes/no, on/off in any case")
  void queryBooleans() {
    k.get("/api/services?refresh=true", token);
    // The startup sweep is over once a refresh has answered, so it cannot add to the counts below.
    int before = ollama.tagRequests.get();
    for (String yes : List.of("true", "TRUE", "1", "yes", "Yes", "on", "ON")) {
      assertThat(k.get("/api/services?refresh=" + yes, token).statusCode()).as(yes).isEqualTo(200);
    }
    int afterTrue = ollama.tagRequests.get();
    assertThat(afterTrue - before).as("each true value ran the checks").isEqualTo(7);
    for (String no : List.of("false", "False", "0", "no", "NO", "off", "Off")) {
      assertThat(k.get("/api/services?refresh=" + no, token).statusCode()).as(no).isEqualTo(200);
    }
    assertThat(ollama.tagRequests.get()).as("false values read the cache").isEqualTo(afterTrue);
  }

  @Test
  @DisplayName("any other refresh value is 422 in the validation layout")
  void queryBooleanRejected() {
    for (String bad : List.of("maybe", "", "2", "tru", "y")) {
      HttpResponse<Buffer> res = k.get("/api/services?refresh=" + bad, token);
      assertThat(res.statusCode()).as("'" + bad + "'").isEqualTo(422);
      JsonObject error = res.bodyAsJsonObject().getJsonArray("detail").getJsonObject(0);
      assertThat(error.getString("type")).isEqualTo("bool_parsing");
      assertThat(error.getJsonArray("loc")).isEqualTo(new JsonArray().add("query").add("refresh"));
      assertThat(error.getString("input")).isEqualTo(bad);
    }
  }

  @Test
  @DisplayName("a monitor host that is not an http(s) URL stops the kernel from starting")
  void badConfig() {
    JsonObject json = TestKernel.testConfig(dir.resolve("bad"));
    json.getJsonObject("ollama").put("hosts", new JsonObject().put("local", "ftp://files.example.com"));

    assertThatThrownBy(() -> TestKernel.start(json))
        .rootCause().hasMessageStartingWith("ollama.hosts.local must be an http(s) URL");
  }
}
