package dev.orch.kernel.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.testing.LocalProviders;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The monitor on the bus, checking local servers that speak each provider's protocol (API.md §15.1). */
@ExtendWith(VertxExtension.class)
class MonitorVerticleTest {
  private static final String KEY = "sk-ant-api03-test-key-0123456789abcdef";

  @TempDir Path bin;
  // The PATH the monitor searches: a temporary folder, never the JVM's environment.
  private volatile String path;
  private HealthChecks health;
  private final List<JsonObject> changes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    path = bin.toString();
    health = HealthChecks.create(vertx);
    vertx.eventBus().<JsonObject>consumer(MonitorAddresses.CHANGED, msg -> changes.add(msg.body()))
        .completion().await(5, TimeUnit.SECONDS);
  }

  // ---- fixtures ----

  /** A config with these hosts, no Anthropic key, and one sweep an hour unless a test says otherwise. */
  private static JsonObject config(JsonObject ollamaHosts, JsonObject comfyuiHosts) {
    return new JsonObject()
        .put("ollama", new JsonObject().put("hosts", ollamaHosts))
        .put("comfyui", new JsonObject().put("hosts", comfyuiHosts))
        .put("anthropic", new JsonObject().put("api_key", "").put("base_url", "http://127.0.0.1:" + LocalProviders.closedPort()))
        .put("resource_check_interval_sec", 3600);
  }

  private static JsonObject hosts(String... keyUrl) {
    JsonObject out = new JsonObject();
    for (int i = 0; i < keyUrl.length; i += 2) {
      out.put(keyUrl[i], keyUrl[i + 1]);
    }
    return out;
  }

  private static JsonObject withAnthropic(JsonObject config, String key, String baseUrl) {
    config.getJsonObject("anthropic").put("api_key", key).put("base_url", baseUrl);
    return config;
  }

  private void deploy(Vertx vertx, JsonObject raw) throws Exception {
    vertx.deployVerticle(new MonitorVerticle(MonitorConfig.from(raw, () -> path), health)).await(10, TimeUnit.SECONDS);
  }

  private static JsonObject ask(Vertx vertx, JsonObject body) throws Exception {
    return vertx.eventBus().<JsonObject>request(MonitorAddresses.STATUS, body,
            new DeliveryOptions().setSendTimeout(MonitorAddresses.REFRESH_TIMEOUT_MS))
        .await(20, TimeUnit.SECONDS).body();
  }

  /** Resource id → ResourceOut, in reply order. */
  private static Map<String, JsonObject> resources(Vertx vertx, boolean refresh) throws Exception {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    ask(vertx, new JsonObject().put("refresh", refresh)).getJsonArray("resources")
        .forEach(r -> out.put(((JsonObject) r).getString("id"), (JsonObject) r));
    return out;
  }

  /** The states once every resource has been checked at least once. */
  private static Map<String, JsonObject> settled(Vertx vertx) throws Exception {
    eventually(() -> {
      try {
        return resources(vertx, false).values().stream().noneMatch(r -> r.getString("status").equals("checking"));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    return resources(vertx, false);
  }

  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 15 s");
      }
      Thread.sleep(20);
    }
  }

  private Path executable(String name) throws IOException {
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/bin/sh\necho \"" + name + " 0.1.0\"\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private List<JsonObject> changesOf(String id) {
    List<JsonObject> out = new ArrayList<>();
    changes.stream().filter(c -> c.getString("id").equals(id)).forEach(out::add);
    return out;
  }

  // ---- catalogue ----

  @Test
  @DisplayName("the catalogue is built from config: each Ollama and ComfyUI host, then Claude, Gemini and Codex")
  void catalogue(Vertx vertx) throws Exception {
    int down = LocalProviders.closedPort();
    deploy(vertx, config(hosts("local", "http://127.0.0.1:" + down, "server", "http://127.0.0.1:" + down),
        hosts("local", "http://127.0.0.1:" + down)));

    Map<String, JsonObject> all = resources(vertx, false);
    assertThat(all.keySet()).containsExactly("ollama_local", "ollama_server", "comfyui_local", "anthropic_api",
        "gemini_cli", "codex_cli");
    assertThat(all.values()).extracting(r -> r.getString("name")).containsExactly("Ollama (local)",
        "Ollama (server)", "ComfyUI (local)", "Claude API", "Gemini CLI", "Codex CLI");
    assertThat(all.values()).extracting(r -> r.getString("category")).containsExactly("ai", "ai", "ai", "api", "cli",
        "cli");
    assertThat(all.values()).allSatisfy(r -> assertThat(r.fieldNames())
        .containsExactly("id", "name", "status", "method", "details", "category"));
  }

  @Test
  @DisplayName("a resource is 'checking' until its first check ends; a host whose HTTP hangs then counts via tcp")
  void checkingFirst(Vertx vertx) throws Exception {
    LocalProviders.Ollama slow = LocalProviders.Ollama.start(vertx);
    slow.delayMs = 5_000;
    deploy(vertx, config(hosts("local", slow.url()), new JsonObject()));

    JsonObject first = resources(vertx, false).get("ollama_local");
    assertThat(first.getString("status")).isEqualTo("checking");
    assertThat(first.getString("method")).isEmpty();
    assertThat(first.getJsonObject("details")).isEqualTo(new JsonObject());

    eventually(() -> !changesOf("ollama_local").isEmpty());
    JsonObject after = resources(vertx, false).get("ollama_local");
    assertThat(after.getString("status")).as("the port accepts, the 2 s HTTP step timed out").isEqualTo("online");
    assertThat(after.getString("method")).isEqualTo("tcp");
    assertThat(after.getJsonObject("details")).isEqualTo(new JsonObject());
  }

  // ---- hosts ----

  @Test
  @DisplayName("an Ollama host answering /api/tags is online via http with its model names")
  void ollamaOnline(Vertx vertx) throws Exception {
    LocalProviders.Ollama ollama = LocalProviders.Ollama.start(vertx);
    deploy(vertx, config(hosts("local", ollama.url()), new JsonObject()));

    JsonObject r = settled(vertx).get("ollama_local");
    assertThat(r.getString("status")).isEqualTo("online");
    assertThat(r.getString("method")).isEqualTo("http");
    assertThat(r.getJsonObject("details")).isEqualTo(new JsonObject()
        .put("models", new JsonArray().add("qwen2.5-coder:14b").add("nomic-embed-text:latest")));
  }

  @Test
  @DisplayName("an Ollama port that accepts TCP but does not speak HTTP is online via tcp, a closed one offline")
  void ollamaFallbacks(Vertx vertx) throws Exception {
    int tcp = LocalProviders.plainTcp(vertx);
    int closed = LocalProviders.closedPort();
    deploy(vertx, config(hosts("tcp", "http://127.0.0.1:" + tcp, "down", "127.0.0.1:" + closed), new JsonObject()));

    Map<String, JsonObject> all = settled(vertx);
    assertThat(all.get("ollama_tcp").getString("status")).isEqualTo("online");
    assertThat(all.get("ollama_tcp").getString("method")).isEqualTo("tcp");
    assertThat(all.get("ollama_tcp").getJsonObject("details")).isEqualTo(new JsonObject());
    assertThat(all.get("ollama_down").getString("status")).isEqualTo("offline");
    assertThat(all.get("ollama_down").getString("method")).isEqualTo("none");
    assertThat(all.get("ollama_down").getJsonObject("details")).isEqualTo(new JsonObject());
  }

  @Test
  @DisplayName("a ComfyUI host is online via http on /system_stats, via tcp on a non-HTTP port, else offline")
  void comfyui(Vertx vertx) throws Exception {
    LocalProviders.ComfyUi comfy = LocalProviders.ComfyUi.start(vertx);
    int tcp = LocalProviders.plainTcp(vertx);
    int closed = LocalProviders.closedPort();
    deploy(vertx, config(new JsonObject(), hosts("local", comfy.url(), "tcp", "http://127.0.0.1:" + tcp,
        "down", "http://127.0.0.1:" + closed)));

    Map<String, JsonObject> all = settled(vertx);
    assertThat(all.get("comfyui_local").getString("status")).isEqualTo("online");
    assertThat(all.get("comfyui_local").getString("method")).isEqualTo("http");
    assertThat(all.get("comfyui_local").getJsonObject("details")).as("no model details").isEqualTo(new JsonObject());
    assertThat(comfy.statsRequests.get()).isPositive();
    assertThat(all.get("comfyui_tcp").getString("status")).isEqualTo("online");
    assertThat(all.get("comfyui_tcp").getString("method")).isEqualTo("tcp");
    assertThat(all.get("comfyui_down").getString("status")).isEqualTo("offline");
    assertThat(all.get("comfyui_down").getString("method")).isEqualTo("none");
  }

  // ---- Anthropic ----

  @Test
  @DisplayName("without an Anthropic key the API is offline with a hint, and nothing is sent")
  void anthropicNoKey(Vertx vertx) throws Exception {
    LocalProviders.Anthropic api = LocalProviders.Anthropic.start(vertx, KEY);
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), "", api.url()));

    JsonObject r = settled(vertx).get("anthropic_api");
    assertThat(r.getString("status")).isEqualTo("offline");
    assertThat(r.getString("method")).isEqualTo("api_key");
    assertThat(r.getJsonObject("details")).isEqualTo(new JsonObject().put("key_configured", false)
        .put("hint", "Set ANTHROPIC_API_KEY env var"));
    assertThat(api.modelRequests.get()).isZero();
  }

  @Test
  @DisplayName("a key the API accepts on /v1/models makes it online; the request carries the key and version")
  void anthropicOnline(Vertx vertx) throws Exception {
    LocalProviders.Anthropic api = LocalProviders.Anthropic.start(vertx, KEY);
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), KEY, api.url() + "/"));

    JsonObject r = settled(vertx).get("anthropic_api");
    assertThat(r.getString("status")).isEqualTo("online");
    assertThat(r.getString("method")).isEqualTo("api_key");
    assertThat(r.getJsonObject("details")).isEqualTo(new JsonObject().put("key_configured", true)
        .put("reachable", true));
    assertThat(api.lastApiKey).isEqualTo(KEY);
    assertThat(api.lastVersion).isEqualTo("2023-06-01");
    assertThat(api.lastLimit).as("the cheapest page").isEqualTo("1");
  }

  @Test
  @DisplayName("a key the API rejects (401) is offline with a hint, and the key appears nowhere in the answer")
  void anthropicRejected(Vertx vertx) throws Exception {
    LocalProviders.Anthropic api = LocalProviders.Anthropic.start(vertx, "sk-ant-api03-another-key");
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), KEY, api.url()));

    JsonObject r = settled(vertx).get("anthropic_api");
    assertThat(r.getString("status")).isEqualTo("offline");
    assertThat(r.getString("method")).isEqualTo("api_key");
    JsonObject details = r.getJsonObject("details");
    assertThat(details.getBoolean("key_configured")).isTrue();
    assertThat(details.getInteger("http_status")).isEqualTo(401);
    assertThat(details.getString("hint")).contains("rejected");
    assertThat(ask(vertx, new JsonObject()).encode()).doesNotContain(KEY);
    assertThat(changes.toString()).doesNotContain(KEY);
  }

  @Test
  @DisplayName("a key with the API answering 5xx is degraded with the API's error message")
  void anthropicServerError(Vertx vertx) throws Exception {
    LocalProviders.Anthropic api = LocalProviders.Anthropic.start(vertx, KEY);
    api.forcedStatus = 529;
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), KEY, api.url()));

    JsonObject r = settled(vertx).get("anthropic_api");
    assertThat(r.getString("status")).isEqualTo("degraded");
    assertThat(r.getString("method")).isEqualTo("api_key");
    assertThat(r.getJsonObject("details")).isEqualTo(new JsonObject().put("key_configured", true)
        .put("reachable", true).put("http_status", 529).put("error", "Overloaded"));
  }

  @Test
  @DisplayName("a key with the API unreachable is degraded, not offline")
  void anthropicUnreachable(Vertx vertx) throws Exception {
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), KEY,
        "http://127.0.0.1:" + LocalProviders.closedPort()));

    JsonObject r = settled(vertx).get("anthropic_api");
    assertThat(r.getString("status")).isEqualTo("degraded");
    assertThat(r.getJsonObject("details").getBoolean("key_configured")).isTrue();
    assertThat(r.getJsonObject("details").getBoolean("reachable")).isFalse();
    assertThat(r.getJsonObject("details").getString("error")).isNotBlank().doesNotContain(KEY);
  }

  // ---- CLIs ----

  @Test
  @DisplayName("a CLI is online when an executable of its name is on PATH, else offline with an install hint")
  void clis(Vertx vertx) throws Exception {
    Path gemini = executable("gemini");
    Files.writeString(bin.resolve("codex"), "not executable");
    path = bin.resolve("missing") + java.io.File.pathSeparator + bin;
    deploy(vertx, config(new JsonObject(), new JsonObject()));

    Map<String, JsonObject> all = settled(vertx);
    assertThat(all.get("gemini_cli").getString("status")).isEqualTo("online");
    assertThat(all.get("gemini_cli").getString("method")).isEqualTo("cli");
    assertThat(all.get("gemini_cli").getJsonObject("details")).isEqualTo(new JsonObject().put("binary", "gemini")
        .put("path", gemini.toAbsolutePath().toString()));
    assertThat(all.get("codex_cli").getString("status")).isEqualTo("offline");
    assertThat(all.get("codex_cli").getString("method")).isEqualTo("cli");
    assertThat(all.get("codex_cli").getJsonObject("details")).isEqualTo(new JsonObject().put("binary", "codex")
        .put("hint", "Install codex CLI"));
  }

  // ---- publishing and refresh ----

  @Test
  @DisplayName("a change is published once per status change, not on every sweep nor on a details-only change")
  void publishOnChange(Vertx vertx) throws Exception {
    LocalProviders.Ollama ollama = LocalProviders.Ollama.start(vertx);
    JsonObject raw = config(hosts("local", ollama.url()), new JsonObject()).put("resource_check_interval_sec", 0.1);
    deploy(vertx, raw);

    eventually(() -> changes.size() == 4);
    assertThat(changes).extracting(c -> c.getString("previous_status")).containsOnly("checking");
    JsonObject first = changesOf("ollama_local").get(0);
    assertThat(first.getString("status")).isEqualTo("online");
    assertThat(first.getString("name")).isEqualTo("Ollama (local)");

    ollama.models = new JsonArray().add(LocalProviders.Ollama.model("llama3.2:3b", 2_019_393_189L,
        "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72", "llama", "3.2B", "Q4_K_M"));
    int seen = ollama.tagRequests.get();
    eventually(() -> ollama.tagRequests.get() >= seen + 3);
    assertThat(resources(vertx, false).get("ollama_local").getJsonObject("details").getJsonArray("models"))
        .containsExactly("llama3.2:3b");
    assertThat(changes).as("new models are not a status change").hasSize(4);

    executable("gemini");
    eventually(() -> changes.size() == 5);
    JsonObject gemini = changes.get(4);
    assertThat(gemini.getString("previous_status")).isEqualTo("offline");
    Resource changed = Resource.fromJson(gemini);
    assertThat(changed.id()).isEqualTo("gemini_cli");
    assertThat(changed.status()).isEqualTo(ResourceStatus.ONLINE);
    assertThat(changed.method()).isEqualTo("cli");
    int later = ollama.tagRequests.get();
    eventually(() -> ollama.tagRequests.get() >= later + 3);
    assertThat(changes).hasSize(5);
  }

  @Test
  @DisplayName("refresh=true runs the checks and returns fresh states; a plain read returns the cache")
  void refresh(Vertx vertx) throws Exception {
    LocalProviders.Anthropic api = LocalProviders.Anthropic.start(vertx, KEY);
    deploy(vertx, withAnthropic(config(new JsonObject(), new JsonObject()), KEY, api.url()));
    assertThat(settled(vertx).get("anthropic_api").getString("status")).isEqualTo("online");

    api.forcedStatus = 500;
    executable("codex");
    assertThat(resources(vertx, false).get("anthropic_api").getString("status")).isEqualTo("online");
    Map<String, JsonObject> fresh = resources(vertx, true);
    assertThat(fresh.get("anthropic_api").getString("status")).isEqualTo("degraded");
    assertThat(fresh.get("codex_cli").getString("status")).isEqualTo("online");
    assertThat(resources(vertx, false).get("anthropic_api").getString("status")).isEqualTo("degraded");
    assertThat(changesOf("anthropic_api")).extracting(c -> c.getString("status")).containsExactly("online", "degraded");
  }

  @Test
  @DisplayName("refreshes that arrive during a sweep share the one sweep queued behind it")
  void coalescedRefresh(Vertx vertx) throws Exception {
    LocalProviders.Ollama ollama = LocalProviders.Ollama.start(vertx);
    deploy(vertx, config(hosts("local", ollama.url()), new JsonObject()));
    settled(vertx);
    ollama.delayMs = 300;
    int before = ollama.tagRequests.get();

    List<Future<Message<JsonObject>>> asks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      asks.add(vertx.eventBus().request(MonitorAddresses.STATUS, new JsonObject().put("refresh", true),
          new DeliveryOptions().setSendTimeout(MonitorAddresses.REFRESH_TIMEOUT_MS)));
    }
    Future.all(asks).await(20, TimeUnit.SECONDS);

    assertThat(ollama.tagRequests.get() - before).as("the first refresh's sweep, then one shared by the other four")
        .isEqualTo(2);
  }

  @Test
  @DisplayName("a refresh of one id checks only that resource")
  void refreshOne(Vertx vertx) throws Exception {
    LocalProviders.Ollama ollama = LocalProviders.Ollama.start(vertx);
    LocalProviders.ComfyUi comfy = LocalProviders.ComfyUi.start(vertx);
    deploy(vertx, config(hosts("local", ollama.url()), hosts("local", comfy.url())));
    settled(vertx);
    int ollamaBefore = ollama.tagRequests.get();
    int comfyBefore = comfy.statsRequests.get();

    JsonArray one = ask(vertx, new JsonObject().put("id", "ollama_local").put("refresh", true))
        .getJsonArray("resources");

    assertThat(one).hasSize(1);
    assertThat(one.getJsonObject(0).getString("id")).isEqualTo("ollama_local");
    assertThat(ollama.tagRequests.get()).isEqualTo(ollamaBefore + 1);
    assertThat(comfy.statsRequests.get()).isEqualTo(comfyBefore);
  }

  @Test
  @DisplayName("an unknown id fails 404 with the contract's text; a non-boolean refresh or a non-object body 400")
  void busFailures(Vertx vertx) throws Exception {
    deploy(vertx, config(new JsonObject(), new JsonObject()));

    assertThatThrownBy(() -> ask(vertx, new JsonObject().put("id", "nope")))
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(404);
          assertThat(e.getMessage()).isEqualTo("Resource nope not found");
        });
    assertThatThrownBy(() -> ask(vertx, new JsonObject().put("refresh", "yes")))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
    assertThatThrownBy(() -> vertx.eventBus().request(MonitorAddresses.STATUS, "all").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
  }

  // ---- health checks ----

  @Test
  @DisplayName("health procedures: a bus ping, one live check per resource (offline is DOWN), removed on undeploy")
  void healthProcedures(Vertx vertx) throws Exception {
    executable("gemini");
    String id = vertx.deployVerticle(new MonitorVerticle(MonitorConfig.from(config(new JsonObject(),
        new JsonObject()), () -> path), health)).await(10, TimeUnit.SECONDS);

    CheckResult ping = health.checkStatus(MonitorVerticle.HEALTH_PING).await(10, TimeUnit.SECONDS);
    assertThat(ping.getUp()).isTrue();
    CheckResult gemini = health.checkStatus("resources/gemini_cli").await(10, TimeUnit.SECONDS);
    assertThat(gemini.getUp()).isTrue();
    assertThat(gemini.getData().getString("status")).isEqualTo("online");
    CheckResult codex = health.checkStatus("resources/codex_cli").await(10, TimeUnit.SECONDS);
    assertThat(codex.getUp()).isFalse();
    assertThat(codex.getData().getJsonObject("details").getString("hint")).isEqualTo("Install codex CLI");
    CheckResult all = health.checkStatus(MonitorVerticle.HEALTH_RESOURCES).await(10, TimeUnit.SECONDS);
    assertThat(all.getChecks()).extracting(CheckResult::getId)
        .containsExactlyInAnyOrder("anthropic_api", "gemini_cli", "codex_cli");

    vertx.undeploy(id).await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> health.checkStatus(MonitorVerticle.HEALTH_PING).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("Not found");
  }
}
