package dev.orch.kernel.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.PluginJars;
import dev.orch.kernel.testing.TestKernel;
import dev.orch.tool.ToolAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin host in a running kernel, with real plugin jars in a temporary plugins folder: the tool
 * modules and the example as the build made them, and small plugins made here that misbehave.
 */
class ToolHostIT {
  @TempDir Path dir;
  Path data;
  Path plugins;
  TestKernel k;
  String token;
  final BlockingQueue<JsonObject> changes = new LinkedBlockingQueue<>();

  @BeforeEach
  void folders() {
    data = dir.resolve("data");
    plugins = data.resolve("plugins");
  }

  @AfterEach
  void stop() {
    if (k != null) {
      k.close();
    }
  }

  private void start(Consumer<JsonObject> tweak) {
    JsonObject json = TestKernel.testConfig(data);
    json.put("plugins", new JsonObject().put("scan_interval_sec", 0.1).put("start_timeout_sec", 1));
    json.getJsonObject("execution").put("tool_timeout_sec", 1);
    tweak.accept(json);
    k = TestKernel.start(json);
    TestKernel.await(k.vertx.eventBus().<JsonObject>consumer(ToolAddresses.CHANGED, m -> changes.add(m.body()))
        .completion());
    token = k.signUp("alice@example.com", "password1").getString("access_token");
  }

  private void start() {
    start(json -> {});
  }

  private Path drop(Path jar, String name) {
    return PluginJars.drop(jar, plugins, name);
  }

  private JsonArray apiTools() {
    var res = k.get("/api/tools", token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonArray();
  }

  private List<String> toolNames() {
    return apiTools().stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }

  private Map<String, JsonObject> services() {
    var res = k.get("/api/services", token);
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(r -> r.getString("id"), r -> r));
  }

  /** Waits for the host to announce a tool set that passes {@code test}; returns how many changes it saw. */
  private int awaitTools(String what, Predicate<List<String>> test) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    int seen = 0;
    while (System.nanoTime() < deadline) {
      JsonObject change = changes.poll(100, TimeUnit.MILLISECONDS);
      if (change != null) {
        seen++;
        if (test.test(change.getJsonArray("tools").getList())) {
          return seen;
        }
      }
    }
    throw new AssertionError("no tool change where " + what + "; now: " + toolNames());
  }

  private Future<String> invoke(String tool, JsonObject arguments) {
    return k.vertx.eventBus().<JsonObject>request(ToolAddresses.invoke(tool), new JsonObject()
            .put("arguments", arguments).put("project_id", "p0000000001").put("task_id", "t1"),
            new DeliveryOptions().setSendTimeout(10_000))
        .map(Message::body).map(b -> b.getString("result"));
  }

  private static ReplyException failure(Future<?> call) {
    try {
      call.await(15, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected a reply failure", e);
    }
    throw new AssertionError("expected a failure, got " + call.result());
  }

  @Test
  @DisplayName("plugins in the folder at startup are loaded; /api/tools lists each tool with plugin, version, description and schema")
  void loadsAtStartup() throws Exception {
    drop(PluginJars.module("tools-file"), "tools-file.jar");
    drop(PluginJars.hello(), "hello-tool.jar");
    drop(PluginJars.module("tools-ollama"), "tools-ollama.jar");
    start(json -> json.getJsonObject("ollama").put("hosts", new JsonObject().put("local", "http://127.0.0.1:1")
        .put("gpu", "http://127.0.0.1:2")));
    JsonArray tools = apiTools();
    assertThat(toolNames()).containsExactly("edit_file", "hello", "list_files", "local_llm", "read_file", "write_file");
    JsonObject localLlm = tools.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("local_llm"))
        .findFirst().orElseThrow();
    assertThat(localLlm.getJsonObject("parameters").getJsonObject("properties").getJsonObject("host")
        .getJsonArray("enum").getList()).as("the schema the plugin offers for this configuration")
        .containsExactly("local", "gpu");
    JsonObject hello = tools.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("hello"))
        .findFirst().orElseThrow();
    assertThat(hello.fieldNames()).containsExactlyInAnyOrder("name", "description", "plugin", "version", "parameters");
    assertThat(hello.getString("plugin")).isEqualTo("hello");
    assertThat(hello.getString("version")).isEqualTo("1.0.0");
    assertThat(hello.getString("description")).isEqualTo("Greet someone by name.");
    assertThat(hello.getJsonObject("parameters").getJsonArray("required").getList()).containsExactly("name");

    Map<String, JsonObject> services = services();
    assertThat(services.get("plugin_file").getString("status")).isEqualTo("online");
    assertThat(services.get("plugin_file").getString("category")).isEqualTo("plugin");
    assertThat(services.get("plugin_file").getJsonObject("details").getJsonArray("tools").getList())
        .containsExactly("edit_file", "list_files", "read_file", "write_file");
    assertThat(services.get("plugin_hello").getJsonObject("details").getString("version")).isEqualTo("1.0.0");
    assertThat(k.get("/api/services/plugin_hello", token).bodyAsJsonObject().getString("status")).isEqualTo("online");
    assertThat(k.get("/api/services/plugin_nope", token).statusCode()).isEqualTo(404);

    assertThat(invoke("hello", new JsonObject().put("name", "Ada")).await(10, TimeUnit.SECONDS))
        .isEqualTo("Hello, Ada! (project p0000000001)");
  }

  @Test
  @DisplayName("/api/tools needs a signed-in user")
  void toolsNeedAuth() {
    start();
    assertThat(k.get("/api/tools", null).statusCode()).isEqualTo(401);
    assertThat(k.get("/api/tools", "not-a-token").statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("a plugin that throws at start, one that hangs at start and one whose tool hangs: the server and the"
      + " other plugins keep working, and /api/services shows each unhealthy with its reason")
  void misbehavingPlugins() throws Exception {
    drop(PluginJars.module("tools-file"), "tools-file.jar");
    drop(PluginJars.oneTool("boom", "boom_tool", "return Future.succeededFuture(\"boom\");")
        .manifest("Plugin-Class", "test.boom.BoomPlugin")
        .source("test.boom.BoomPlugin", """
            package test.boom;
            public class BoomPlugin extends org.pf4j.Plugin {
              @Override public void start() { throw new IllegalStateException("database not reachable"); }
            }
            """).build(dir), "boom.jar");
    drop(PluginJars.oneTool("sleepy", "sleepy_tool", "return Future.succeededFuture(\"zzz\");")
        .manifest("Plugin-Class", "test.sleepy.SleepyPlugin")
        .source("test.sleepy.SleepyPlugin", """
            package test.sleepy;
            public class SleepyPlugin extends org.pf4j.Plugin {
              // Ignores interrupts, as a badly written plugin may.
              @Override public void start() {
                while (true) {
                  try { Thread.sleep(60_000); } catch (InterruptedException e) { }
                }
              }
            }
            """).build(dir), "sleepy.jar");
    drop(PluginJars.oneTool("stuck", "stuck_tool", """
            try { Thread.sleep(20_000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            return Future.succeededFuture("late");""").build(dir), "stuck.jar");
    drop(PluginJars.oneTool("thrower", "thrower_tool", "throw new NullPointerException(\"the password is hunter2\");")
        .build(dir), "thrower.jar");

    long startedAt = System.nanoTime();
    start();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt))
        .as("a plugin that hangs at start holds startup up to plugins.start_timeout_sec only").isLessThan(10);

    assertThat(toolNames()).containsExactly("edit_file", "list_files", "read_file", "stuck_tool", "thrower_tool",
        "write_file");
    Map<String, JsonObject> services = services();
    assertThat(services.get("plugin_boom").getString("status")).isEqualTo("offline");
    assertThat(services.get("plugin_boom").getJsonObject("details").getString("error"))
        .isEqualTo("start failed: IllegalStateException: database not reachable");
    assertThat(services.get("plugin_sleepy").getString("status")).isEqualTo("offline");
    assertThat(services.get("plugin_sleepy").getJsonObject("details").getString("error"))
        .isEqualTo("start did not finish within 1 s");

    ReplyException hung = failure(invoke("stuck_tool", new JsonObject()));
    assertThat(hung.failureCode()).isEqualTo(504);
    assertThat(hung.getMessage()).isEqualTo("Tool error: TimeoutException: operation failed");
    ReplyException threw = failure(invoke("thrower_tool", new JsonObject()));
    assertThat(threw.failureCode()).isEqualTo(500);
    assertThat(threw.getMessage()).isEqualTo("Tool error: NullPointerException: operation failed")
        .doesNotContain("hunter2");

    services = services();
    assertThat(services.get("plugin_stuck").getString("status")).isEqualTo("degraded");
    assertThat(services.get("plugin_stuck").getJsonObject("details").getJsonObject("last_error").getString("error"))
        .isEqualTo("did not answer within 1 s");
    assertThat(services.get("plugin_thrower").getString("status")).isEqualTo("degraded");
    assertThat(services.get("plugin_file").getString("status")).isEqualTo("online");

    // The rest of the server and the other plugins go on.
    assertThat(k.get("/api/health", null).statusCode()).isEqualTo(200);
    assertThat(invoke("write_file", new JsonObject().put("path", "ok.txt").put("content", "still here"))
        .await(10, TimeUnit.SECONDS)).isEqualTo("File written: ok.txt (10 chars)");
    assertThat(data.resolve("projects/p0000000001/ok.txt")).content().isEqualTo("still here");
  }

  @Test
  @DisplayName("two plugins that bundle conflicting versions of one library each use their own")
  void conflictingLibraries() throws Exception {
    for (String version : List.of("1", "2")) {
      drop(PluginJars.oneTool("banner" + version, "banner_" + version,
              "return Future.succeededFuture(dev.orch.testlib.Banner.text());")
          .source("dev.orch.testlib.Banner", """
              package dev.orch.testlib;
              public final class Banner {
                public static String text() { return "banner %s"; }
              }
              """.formatted(version)).build(dir), "banner" + version + ".jar");
    }
    start();
    assertThat(invoke("banner_1", new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo("banner 1");
    assertThat(invoke("banner_2", new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo("banner 2");
    assertThat(dev.orch.testlib.Banner.text()).as("the kernel's own version").isEqualTo("kernel banner");
  }

  @Test
  @DisplayName("a second plugin offering a tool name already taken is refused with the reason; the first keeps it")
  void duplicateNames() throws Exception {
    drop(PluginJars.module("tools-file"), "a-tools-file.jar");
    drop(PluginJars.oneTool("copycat", "read_file", "return Future.succeededFuture(\"not the real one\");")
        .build(dir), "b-copycat.jar");
    start();
    JsonObject copycat = services().get("plugin_copycat");
    assertThat(copycat.getString("status")).isEqualTo("offline");
    assertThat(copycat.getJsonObject("details").getString("error"))
        .isEqualTo("tool name read_file is already offered by plugin file");
    Files.createDirectories(data.resolve("projects/p0000000001"));
    Files.writeString(data.resolve("projects/p0000000001/a.txt"), "the real file");
    assertThat(invoke("read_file", new JsonObject().put("path", "a.txt")).await(10, TimeUnit.SECONDS))
        .isEqualTo("the real file");
    assertThat(apiTools().stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("read_file"))
        .map(t -> t.getString("plugin")).toList()).containsExactly("file");
  }

  @Test
  @DisplayName("a jar that is not a plugin, needs another tool API or a missing plugin, is not started, with the reason")
  void refusedJars() throws Exception {
    Files.createDirectories(plugins);
    Files.write(plugins.resolve("garbage.jar"), PluginJars.bytes("this is not a zip file"));
    drop(PluginJars.oneTool("future", "future_tool", "return Future.succeededFuture(\"x\");")
        .manifest("Plugin-Requires", ">=2.0.0").build(dir), "future.jar");
    drop(PluginJars.oneTool("needy", "needy_tool", "return Future.succeededFuture(\"x\");")
        .manifest("Plugin-Dependencies", "not-here").build(dir), "needy.jar");
    start();
    Map<String, JsonObject> services = services();
    assertThat(services.get("plugin_needy").getJsonObject("details").getString("error"))
        .isEqualTo("depends on plugins that are not loaded (Plugin-Dependencies)");
    assertThat(services.get("plugin_garbage").getString("status")).isEqualTo("offline");
    assertThat(services.get("plugin_garbage").getJsonObject("details").getString("error")).startsWith("not a valid plugin jar");
    assertThat(services.get("plugin_future").getString("status")).isEqualTo("offline");
    assertThat(services.get("plugin_future").getJsonObject("details").getString("error"))
        .isEqualTo("requires tool API >=2.0.0, this server has " + dev.orch.tool.ToolApi.VERSION);
    assertThat(toolNames()).isEmpty();
  }

  @Test
  @DisplayName("hot: a jar dropped in is loaded, a replaced one reloaded, a removed one unloaded, without a restart")
  void hotReload() throws Exception {
    start();
    assertThat(toolNames()).isEmpty();
    Path jar = drop(PluginJars.oneTool("greeter", "greet", "return Future.succeededFuture(\"hello v1\");").build(dir),
        "greeter.jar");
    awaitTools("greet is offered", tools -> tools.contains("greet"));
    assertThat(invoke("greet", new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo("hello v1");
    assertThat(services().get("plugin_greeter").getJsonObject("details").getString("version")).isEqualTo("1.0.0");

    drop(PluginJars.oneTool("greeter", "greet", "return Future.succeededFuture(\"hello v2\");")
        .manifest("Plugin-Version", "2.0.0").build(dir), "greeter.jar");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!"2.0.0".equals(services().get("plugin_greeter").getJsonObject("details").getString("version"))
        || !"online".equals(services().get("plugin_greeter").getString("status"))) {
      assertThat(System.nanoTime()).as("the replaced jar is reloaded").isLessThan(deadline);
      changes.poll(100, TimeUnit.MILLISECONDS);
    }
    assertThat(invoke("greet", new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo("hello v2");

    Files.delete(jar);
    awaitTools("greet is gone", tools -> !tools.contains("greet"));
    assertThat(toolNames()).isEmpty();
    assertThat(services()).doesNotContainKey("plugin_greeter");
    assertThat(failure(invoke("greet", new JsonObject())).failureType())
        .isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS);
  }

  @Test
  @DisplayName("a jar still being copied is loaded only once it is complete")
  void halfWritten() throws Exception {
    start(json -> json.getJsonObject("plugins").put("scan_interval_sec", 1));
    byte[] whole = Files.readAllBytes(PluginJars.hello());
    Path target = plugins.resolve("hello-tool.jar");
    Files.createDirectories(plugins);
    int chunk = whole.length / 15 + 1;
    try (var out = Files.newOutputStream(target)) {
      // 1.5 s of copying: at least one scan sees the jar half-written, no two scans see the same part.
      for (int i = 0; i < whole.length; i += chunk) {
        out.write(whole, i, Math.min(chunk, whole.length - i));
        out.flush();
        Thread.sleep(100);
      }
    }
    assertThat(awaitTools("hello is offered", tools -> tools.contains("hello")))
        .as("one change, the complete plugin: no attempt on a half-written jar came first").isEqualTo(1);
    assertThat(services().get("plugin_hello").getString("status")).isEqualTo("online");
  }

  @Test
  @DisplayName("a call in flight when its plugin is removed finishes; the tool is gone after it")
  void inFlightDuringUnload() throws Exception {
    start(json -> json.getJsonObject("execution").put("tool_timeout_sec", 10));
    Path jar = drop(PluginJars.oneTool("slow", "slow_tool", """
        Promise<String> done = Promise.promise();
        context.vertx().setTimer(1_500, t -> done.complete("slow done"));
        return done.future();""").build(dir), "slow.jar");
    awaitTools("slow_tool is offered", tools -> tools.contains("slow_tool"));
    Future<String> call = invoke("slow_tool", new JsonObject());
    Thread.sleep(200); // the call has reached the plugin
    Files.delete(jar);
    awaitTools("slow_tool is gone", tools -> !tools.contains("slow_tool"));
    assertThat(call.await(10, TimeUnit.SECONDS)).isEqualTo("slow done");
    assertThat(toolNames()).doesNotContain("slow_tool");
  }

  @Test
  @DisplayName("a tool's own failure reaches the caller as its message; a malformed request is refused")
  void failures() throws Exception {
    drop(PluginJars.hello(), "hello-tool.jar");
    start(json -> json.put("tools", new JsonObject().put("hello", new JsonObject().put("greeting", "Ahoy"))));
    ReplyException noName = failure(invoke("hello", new JsonObject()));
    assertThat(noName.failureCode()).isEqualTo(400);
    assertThat(noName.getMessage()).isEqualTo("name is required: the name of the person to greet");
    assertThat(invoke("hello", new JsonObject().put("name", "Bo")).await(10, TimeUnit.SECONDS))
        .as("the plugin's section tools.hello").isEqualTo("Ahoy, Bo! (project p0000000001)");
    ReplyException badProject = failure(k.vertx.eventBus().request(ToolAddresses.invoke("hello"), new JsonObject()
        .put("arguments", new JsonObject().put("name", "x")).put("project_id", "../etc").put("task_id", "t")));
    assertThat(badProject.failureCode()).isEqualTo(400);
    assertThat(data.resolve("etc")).doesNotExist();
    ReplyException notJson = failure(k.vertx.eventBus().request(ToolAddresses.invoke("hello"), "hi"));
    assertThat(notJson.failureCode()).isEqualTo(400);
    assertThat(services().get("plugin_hello").getString("status")).as("expected failures are not unhealthy")
        .isEqualTo("online");
  }
}
