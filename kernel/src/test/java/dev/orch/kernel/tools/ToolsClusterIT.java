package dev.orch.kernel.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.executor.ExecutorConfig;
import dev.orch.kernel.model.LocalAnthropicServer;
import dev.orch.kernel.model.LocalModelServer.Recorded;
import dev.orch.kernel.model.LocalModelServer.Reply;
import dev.orch.kernel.monitor.MonitorConfig;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.PluginJars;
import dev.orch.kernel.testing.TestKernel;
import dev.orch.tool.ToolAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one Hazelcast cluster in this JVM: node A runs only a tool host with the file tools and
 * the example plugin; node B is a whole kernel with the file tools only. A task on B calls the example's
 * tool, which only A has, across the cluster, and the file tool, which both have, on B: a file tool
 * acts on the folders of the node that runs the task.
 */
class ToolsClusterIT {
  static final String HAIKU = "claude-haiku-4-5-20251001";
  @TempDir Path dir;
  Vertx serverVertx;
  LocalAnthropicServer claude;
  Vertx nodeA;
  TestKernel b;
  Path dataA;
  Path dataB;

  @BeforeEach
  void start() throws Exception {
    serverVertx = Vertx.vertx();
    claude = new LocalAnthropicServer(serverVertx);
    claude.start().await(10, TimeUnit.SECONDS);
    claude.respondWith(this::respond);
    String cluster = "orch-tools-" + Ids.hex(8);

    dataA = dir.resolve("a");
    PluginJars.drop(PluginJars.module("tools-file"), dataA.resolve("plugins"), "tools-file.jar");
    PluginJars.drop(PluginJars.hello(), dataA.resolve("plugins"), "hello-tool.jar");
    OrchConfig configA = OrchConfig.from(TestKernel.testConfig(dataA), TestKernel.repoRoot());
    nodeA = clustered(cluster);
    TestKernel.await(nodeA.deployVerticle(new ToolHostVerticle(ToolHostConfig.from(configA,
        MonitorConfig.from(configA.raw()), ExecutorConfig.from(configA.raw())))));

    dataB = dir.resolve("b");
    PluginJars.drop(PluginJars.module("tools-file"), dataB.resolve("plugins"), "tools-file.jar");
    JsonObject json = TestKernel.testConfig(dataB);
    json.getJsonObject("anthropic").put("base_url", claude.baseUrl()).put("api_key", LocalAnthropicServer.KEY);
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false);
    b = TestKernel.start(json, clustered(cluster));
  }

  @AfterEach
  void stop() throws Exception {
    if (b != null) {
      b.close();
    }
    if (nodeA != null) {
      nodeA.close().await(30, TimeUnit.SECONDS);
    }
    claude.stop().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A cluster member on loopback that only joins members of {@code name}. */
  private static Vertx clustered(String name) {
    Config hazelcast = ConfigUtil.loadConfig().setClusterName(name);
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "0");
    var network = hazelcast.getNetworkConfig().setPort(5701).setPortAutoIncrement(true).setPortCount(50);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1"));
    return TestKernel.await(Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered());
  }

  /** The task's model: writes a file and greets in its first round, then sums up the two results. */
  private Reply respond(Recorded r) {
    if (!r.path().equals("/v1/messages")) {
      return null;
    }
    JsonArray messages = r.body().getJsonArray("messages");
    if (messages.size() == 1) {
      return LocalAnthropicServer.message(HAIKU, "tool_use", LocalAnthropicServer.usage(100, 20),
          LocalAnthropicServer.toolUse("toolu_1", "write_file", new JsonObject().put("path", "out.txt")
              .put("content", "written on the node that runs the task")),
          LocalAnthropicServer.toolUse("toolu_2", "hello", new JsonObject().put("name", "cluster")));
    }
    return LocalAnthropicServer.message(HAIKU, "end_turn", LocalAnthropicServer.usage(100, 20),
        LocalAnthropicServer.text(messages.getJsonObject(messages.size() - 1).encode()));
  }

  private JsonObject list(Vertx node) {
    return TestKernel.await(node.eventBus().<JsonObject>request(ToolAddresses.LIST, new JsonObject())).body();
  }

  @Test
  @DisplayName("a tool installed on one node is callable from every node; a file tool runs on the node of the task")
  void acrossNodes() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Map<String, JsonObject> onB = Map.of();
    while (!onB.containsKey("hello")) {
      assertThat(System.nanoTime()).as("node B learns node A's tools").isLessThan(deadline);
      Thread.sleep(100);
      onB = list(b.vertx).getJsonArray("tools").stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(t -> t.getString("name"), t -> t));
    }
    assertThat(onB.get("hello").getBoolean("local")).isFalse();
    assertThat(onB.get("hello").getString("plugin")).isEqualTo("hello");
    assertThat(onB.get("write_file").getBoolean("local")).isTrue();
    assertThat(list(nodeA).getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList())
        .as("each node answers for itself").contains("hello", "write_file");

    String token = b.signUp("alice@example.com", "password1").getString("access_token");
    assertThat(b.get("/api/tools", token).bodyAsJsonArray().stream().map(t -> ((JsonObject) t).getString("name"))
        .toList()).contains("hello", "write_file");

    String projectId = b.post("/api/projects", new JsonObject().put("name", "p").put("requirements", "r"), token)
        .bodyAsJsonObject().getString("id");
    JsonArray tasks = new JsonArray().add(new JsonObject().put("title", "Both").put("description", "Use both tools.")
        .put("task_type", "code").put("complexity", "simple").put("depends_on", new JsonArray())
        .put("tools_needed", new JsonArray().add("write_file").add("hello")));
    b.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId,
        new JsonObject().put("summary", "s").put("tasks", tasks).encode());
    assertThat(b.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token).statusCode())
        .isEqualTo(200);
    assertThat(b.post("/api/projects/" + projectId + "/execute", null, token).statusCode()).isEqualTo(200);

    String status = "";
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!status.equals("completed")) {
      assertThat(System.nanoTime()).as("the task completes, now " + status).isLessThan(deadline);
      Thread.sleep(50);
      status = b.get("/api/projects/" + projectId, token).bodyAsJsonObject().getString("status");
    }
    String output = b.get("/api/tasks/project/" + projectId, token).bodyAsJsonArray().getJsonObject(0)
        .getString("output_text");
    assertThat(output).contains("Hello, cluster! (project " + projectId + ")").contains("File written: out.txt");
    assertThat(dataB.resolve("projects").resolve(projectId).resolve("out.txt")).content()
        .isEqualTo("written on the node that runs the task");
    assertThat(Files.exists(dataA.resolve("projects").resolve(projectId).resolve("out.txt")))
        .as("not on the other node, which has the same tool").isFalse();
    List<String> offered = claude.requests().stream().filter(r -> r.path().equals("/v1/messages")).findFirst()
        .orElseThrow().body().getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList();
    assertThat(offered).containsExactlyInAnyOrder("write_file", "hello");
  }
}
