package dev.orch.kernel.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.testing.PluginJars;
import dev.orch.kernel.testing.TestKernel;
import dev.orch.tool.ToolAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tools through the whole product, over HTTP: a project is planned by a model (a local server speaking
 * the Anthropic Messages protocol), approved and executed; the model calls plugin tools with
 * {@code tool_use}, and their results go back to it.
 */
class ToolLoopIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";
  static final String SONNET = "claude-sonnet-4-6";
  @TempDir Path dir;
  Path data;
  Path plugins;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  TestKernel k;
  String token;
  /** The plan the planning call answers. */
  volatile JsonObject plan;
  /** Task description → its first round's tool call, and how it ends from the tool's result. */
  final Map<String, JsonObject> toolUse = new ConcurrentHashMap<>();
  final Map<String, Function<String, String>> ending = new ConcurrentHashMap<>();
  final BlockingQueue<JsonObject> changes = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(this::respond);
    data = dir.resolve("data");
    plugins = data.resolve("plugins");
  }

  @AfterEach
  void stop() throws Exception {
    if (k != null) {
      k.close();
    }
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  private void startKernel() {
    JsonObject json = TestKernel.testConfig(data);
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.put("model_retry", new JsonObject().put("max_retries", 0).put("base_delay_ms", 5).put("max_delay_ms", 10));
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false);
    json.put("plugins", new JsonObject().put("scan_interval_sec", 0.1));
    k = TestKernel.start(json);
    TestKernel.await(k.vertx.eventBus().<JsonObject>consumer(ToolAddresses.CHANGED, m -> changes.add(m.body()))
        .completion());
    token = k.signUp("alice@example.com", "password1").getString("access_token");
  }

  /** The model: the plan for a planning call; for a task, its scripted tool call, then its ending. */
  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    JsonArray messages = r.body().getJsonArray("messages");
    String first = messages.getJsonObject(0).encode();
    if (plan != null && system(r).contains("Answer with JSON only")) {
      return LocalAnthropicServer.message(SONNET, "end_turn", LocalAnthropicServer.usage(500, 300),
          LocalAnthropicServer.text(plan.encode()));
    }
    String description = toolUse.keySet().stream().filter(first::contains).findFirst().orElse(null);
    if (description == null) {
      return null;
    }
    if (messages.size() == 1) {
      JsonObject call = toolUse.get(description);
      return LocalAnthropicServer.message(HAIKU, "tool_use", LocalAnthropicServer.usage(100, 20),
          LocalAnthropicServer.toolUse("toolu_1", call.getString("name"), call.getJsonObject("input")));
    }
    String result = toolResult(messages);
    return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(150, 30),
        LocalAnthropicServer.text(ending.getOrDefault(description, t -> "done").apply(result)));
  }

  private static String system(Recorded r) {
    Object system = r.body().getValue("system");
    return system instanceof JsonArray blocks
        ? blocks.stream().map(b -> ((JsonObject) b).getString("text", "")).reduce("", String::concat)
        : String.valueOf(system);
  }

  /** The text of the tool result in the last user turn. */
  private static String toolResult(JsonArray messages) {
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    for (Object block : last.getJsonArray("content")) {
      JsonObject b = (JsonObject) block;
      if ("tool_result".equals(b.getString("type"))) {
        Object content = b.getValue("content");
        return content instanceof JsonArray parts
            ? parts.stream().map(p -> ((JsonObject) p).getString("text", "")).reduce("", String::concat)
            : String.valueOf(content);
      }
    }
    return "";
  }

  private static JsonObject task(String title, String description, List<Integer> deps, String... tools) {
    return new JsonObject().put("title", title).put("description", description).put("task_type", "code")
        .put("complexity", "simple").put("depends_on", new JsonArray(List.copyOf(deps)))
        .put("tools_needed", new JsonArray(List.of((Object[]) tools)));
  }

  /** Creates a project, has it planned, approves the plan and executes it, all over HTTP; returns its id. */
  private String planAndRun(String name, JsonObject thePlan) {
    plan = thePlan;
    String projectId = k.post("/api/projects", new JsonObject().put("name", name).put("requirements", "R"), token)
        .bodyAsJsonObject().getString("id");
    var planned = k.post("/api/projects/" + projectId + "/plan", null, token);
    assertThat(planned.statusCode()).as(planned.bodyAsString()).isEqualTo(200);
    String planId = planned.bodyAsJsonObject().getString("plan_id");
    var approved = k.post("/api/projects/" + projectId + "/plans/" + planId + "/approve", null, token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    var executed = k.post("/api/projects/" + projectId + "/execute", null, token);
    assertThat(executed.statusCode()).as(executed.bodyAsString()).isEqualTo(200);
    return projectId;
  }

  private void awaitStatus(String projectId, String status) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String now = null;
    while (System.nanoTime() < deadline) {
      now = k.get("/api/projects/" + projectId, token).bodyAsJsonObject().getString("status");
      if (status.equals(now)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("project " + projectId + " is " + now + ", not " + status);
  }

  private Map<String, JsonObject> tasks(String projectId) {
    return k.get("/api/tasks/project/" + projectId, token).bodyAsJsonArray().stream().map(JsonObject.class::cast)
        .collect(java.util.stream.Collectors.toMap(t -> t.getString("title"), t -> t));
  }

  /** Messages calls of the tasks whose first message contains {@code description}. */
  private List<Recorded> callsOf(String description) {
    return claude.requests().stream().filter(r -> r.path().equals("/v1/messages"))
        .filter(r -> r.body().getJsonArray("messages").getJsonObject(0).encode().contains(description)).toList();
  }

  private static List<String> toolNames(Recorded call) {
    return call.body().getJsonArray("tools", new JsonArray()).stream()
        .map(t -> ((JsonObject) t).getString("name")).toList();
  }

  private List<String> apiTools() {
    return k.get("/api/tools", token).bodyAsJsonArray().stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }

  @Test
  @DisplayName("a planned task's write_file creates the file in its project's folder only; a dependant's read_file reads it back")
  void writeThenReadAcrossTasks() throws Exception {
    PluginJars.drop(PluginJars.module("tools-file"), plugins, "tools-file.jar");
    startKernel();
    toolUse.put("Write the answer file.", new JsonObject().put("name", "write_file").put("input", new JsonObject()
        .put("path", "notes/answer.md").put("content", "The answer is 42.").put("project_id", "someone-elses")));
    ending.put("Write the answer file.", result -> "Wrote it: " + result);
    toolUse.put("Read the answer file.", new JsonObject().put("name", "read_file")
        .put("input", new JsonObject().put("path", "notes/answer.md")));
    ending.put("Read the answer file.", result -> "The file says: " + result);

    String projectId = planAndRun("Answers", new JsonObject().put("summary", "Answers").put("tasks", new JsonArray()
        .add(task("Writer", "Write the answer file.", List.of(), "read_file", "write_file"))
        .add(task("Reader", "Read the answer file.", List.of(0), "read_file", "write_file"))));
    awaitStatus(projectId, "completed");

    Path projects = data.resolve("projects");
    assertThat(projects.resolve(projectId).resolve("notes/answer.md")).content().isEqualTo("The answer is 42.");
    try (Stream<Path> files = Files.walk(projects)) {
      assertThat(files.filter(Files::isRegularFile).map(projects::relativize).map(Path::toString).toList())
          .as("written in the task's own project folder, nowhere else").containsExactly(projectId + "/notes/answer.md");
    }
    Map<String, JsonObject> tasks = tasks(projectId);
    assertThat(tasks.get("Writer").getJsonArray("tools").getList()).containsExactly("read_file", "write_file");
    assertThat(tasks.get("Writer").getString("output_text")).isEqualTo("Wrote it: File written: notes/answer.md (17 chars)");
    assertThat(tasks.get("Reader").getString("output_text")).isEqualTo("The file says: The answer is 42.");

    List<Recorded> reader = callsOf("Read the answer file.");
    assertThat(reader).hasSize(2);
    assertThat(toolNames(reader.get(0))).containsExactlyInAnyOrder("read_file", "write_file");
    assertThat(reader.get(1).body().getJsonArray("messages").encode()).contains("tool_result")
        .contains("The answer is 42.");
  }

  @Test
  @DisplayName("the example plugin dropped into a running server is called through the model's tool_use;"
      + " once removed it is gone from /api/tools and from the next request")
  void examplePluginComesAndGoes() throws Exception {
    startKernel();
    assertThat(apiTools()).doesNotContain("hello");
    Path jar = PluginJars.drop(PluginJars.hello(), plugins, "hello-tool.jar");
    awaitChange(tools -> tools.contains("hello"));
    assertThat(apiTools()).contains("hello");

    toolUse.put("Greet Ada.", new JsonObject().put("name", "hello").put("input", new JsonObject().put("name", "Ada")));
    ending.put("Greet Ada.", result -> "Greeted: " + result);
    String first = planAndRun("Greeting", new JsonObject().put("summary", "s").put("tasks", new JsonArray()
        .add(task("Greeter", "Greet Ada.", List.of(), "hello"))));
    awaitStatus(first, "completed");
    assertThat(toolNames(callsOf("Greet Ada.").get(0))).containsExactly("hello");
    assertThat(tasks(first).get("Greeter").getString("output_text"))
        .isEqualTo("Greeted: Hello, Ada! (project " + first + ")");

    Files.delete(jar);
    awaitChange(tools -> !tools.contains("hello"));
    assertThat(apiTools()).doesNotContain("hello");

    toolUse.put("Greet Bo.", new JsonObject().put("name", "hello").put("input", new JsonObject().put("name", "Bo")));
    ending.put("Greet Bo.", result -> "Tried: " + result);
    String second = planAndRun("Greeting again", new JsonObject().put("summary", "s").put("tasks", new JsonArray()
        .add(task("Greeter", "Greet Bo.", List.of(), "hello"))));
    awaitStatus(second, "completed");
    List<Recorded> calls = callsOf("Greet Bo.");
    assertThat(calls.get(0).body().containsKey("tools") ? toolNames(calls.get(0)) : List.of())
        .as("the next request offers no removed tool").isEmpty();
    assertThat(tasks(second).get("Greeter").getString("output_text")).isEqualTo("Tried: Unknown tool: hello");
  }

  private void awaitChange(java.util.function.Predicate<List<String>> test) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      JsonObject change = changes.poll(100, TimeUnit.MILLISECONDS);
      if (change != null && test.test(change.getJsonArray("tools").getList())) {
        return;
      }
    }
    throw new AssertionError("the tools did not change as expected; now: " + apiTools());
  }
}
