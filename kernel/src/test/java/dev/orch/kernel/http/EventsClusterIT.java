package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import dev.orch.kernel.progress.EventTypes;
import dev.orch.kernel.progress.Progress;
import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.PgTestDatabase;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two kernels in one Hazelcast cluster on one PostgreSQL schema, as in a real deployment: an SSE
 * client on either node sees the events emitted on both, live (the keep-alive stays at its 30 s
 * default, so nothing here is found by the idle check of the log).
 */
class EventsClusterIT {
  static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dirA;
  @TempDir Path dirB;
  PgTestDatabase pg;
  TestKernel a;
  TestKernel b;
  final List<SseClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    pg = PgTestDatabase.create();
    String cluster = "orch-test-" + Ids.hex(8);
    a = TestKernel.start(config(dirA), clustered(cluster));
    b = TestKernel.start(config(dirB), clustered(cluster));
  }

  @AfterEach
  void stop() {
    clients.forEach(SseClient::close);
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    pg.close();
  }

  private JsonObject config(Path dir) {
    JsonObject json = TestKernel.testConfig(dir).put("db_url", pg.url());
    json.getJsonObject("server").put("sse_keepalive_sec", 30);
    return json;
  }

  /** A cluster member on loopback that only joins members of {@code name}. */
  private static Vertx clustered(String name) {
    Config hazelcast = ConfigUtil.loadConfig().setClusterName(name);
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    var network = hazelcast.getNetworkConfig().setPort(5701).setPortAutoIncrement(true).setPortCount(50);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1"));
    return TestKernel.await(Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered());
  }

  private SseClient stream(TestKernel node, String project, String sseToken) {
    SseClient client = SseClient.open(node.vertx, node.kernel.httpPort(),
        "/api/events/" + project + "?token=" + URLEncoder.encode(sseToken, StandardCharsets.UTF_8), Map.of());
    clients.add(client);
    return client;
  }

  @Test
  @DisplayName("events emitted on either node reach live streams on both, in id order, and end both streams")
  void acrossNodes() {
    String alice = a.signUp("alice@example.com", "password1").getString("access_token");
    var created = a.post("/api/projects", new JsonObject().put("name", "Site").put("requirements", "R"), alice);
    assertThat(created.statusCode()).isEqualTo(201);
    String project = created.bodyAsJsonObject().getString("id");
    // The token from one node opens a stream on the other: both share the secret and the database.
    String token = a.post("/api/events/" + project + "/token", null, alice).bodyAsJsonObject().getString("token");
    SseClient onA = stream(a, project, token);
    SseClient onB = stream(b, project, token);
    Progress fromA = new Progress(a.vertx.eventBus());
    Progress fromB = new Progress(b.vertx.eventBus());

    // A live-only stream starts once its subscription is known across the cluster: warm up until
    // both streams have seen an event, then count from there.
    long warm = 0;
    while (onA.events().isEmpty() || onB.events().isEmpty()) {
      warm = TestKernel.await(fromA.emit(project, null, EventTypes.TOOL_CALL, "warm-up", null));
      SseClient.sleep(100);
      assertThat(warm).as("warm-up events").isLessThan(100);
    }
    List<Future<Long>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(fromA.emit(project, null, EventTypes.TOOL_CALL, "from a " + i, null));
      sent.add(fromB.emit(project, null, EventTypes.TOOL_CALL, "from b " + i, null));
    }
    TestKernel.await(Future.all(sent));
    long last = TestKernel.await(fromB.emit(project, null, EventTypes.PROJECT_COMPLETE, "All tasks finished.", null));
    assertThat(last).isEqualTo(warm + 41);
    onA.awaitEnd(WAIT);
    onB.awaitEnd(WAIT);
    for (SseClient client : List.of(onA, onB)) {
      List<Long> ids = client.ids();
      List<Long> tail = ids.subList(ids.indexOf(warm), ids.size());
      assertThat(tail).containsExactlyElementsOf(LongStream.rangeClosed(warm, last).boxed().toList());
      assertThat(client.events().get(ids.size() - 1).event()).isEqualTo(EventTypes.PROJECT_COMPLETE);
    }
  }
}
