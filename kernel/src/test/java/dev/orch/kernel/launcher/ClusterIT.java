package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.store.Ids;
import dev.orch.kernel.testing.PgTestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server started as an operator does, {@code orch serve --cluster} in the repository
 * with the shipped {@code conf/cluster.xml}, several processes on one PostgreSQL schema: they form
 * one cluster, each says it is ready, a node that stops or dies leaves the member list, and the
 * limits that guard sign-in hold for the cluster as a whole.
 */
class ClusterIT {
  /** Short, so a dead node is noticed quickly here; the shipped default is 10 s. */
  static final int FAILURE_DETECTION_SEC = 4;

  @TempDir Path dir;
  PgTestDatabase pg;
  final String clusterName = "orch-it-" + Ids.hex(6);
  final List<ServerProcess> nodes = new ArrayList<>();

  @BeforeEach
  void database() {
    pg = PgTestDatabase.create();
  }

  @AfterEach
  void stop() {
    nodes.forEach(ServerProcess::close);
    if (pg != null) {
      pg.close();
    }
  }

  private ServerProcess node(String name, Map<String, String> extra) throws Exception {
    Map<String, String> env = new LinkedHashMap<>(Map.of(
        "ORCH_DB_URL", pg.url(),
        // The shipped file with its own name would join any other cluster test on this machine.
        "ORCH_CLUSTER__NAME", clusterName,
        "ORCH_CLUSTER__FAILURE_DETECTION_SEC", String.valueOf(FAILURE_DETECTION_SEC)));
    env.putAll(extra);
    ServerProcess node = new ServerProcess(dir.resolve(name), env, List.of("--cluster"));
    nodes.add(node);
    node.launch();
    return node;
  }

  /** Polls {@code GET /api/admin/cluster} on {@code node} until {@code until} holds; the last answer. */
  private static JsonObject awaitCluster(ServerProcess node, String admin, long timeoutMs, Predicate<JsonArray> until)
      throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    JsonObject last = null;
    while (System.currentTimeMillis() < deadline) {
      var res = node.get("/api/admin/cluster", admin);
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      last = new JsonObject(res.body());
      if (until.test(last.getJsonArray("members"))) {
        return last;
      }
      ServerProcess.sleep(200);
    }
    throw new AssertionError("cluster view never matched; last: " + last);
  }

  @Test
  @DisplayName("nodes started with --cluster and the shipped cluster.xml form one cluster; one that stops or dies leaves it")
  void formsACluster() throws Exception {
    ServerProcess a = node("a", Map.of());
    ServerProcess b = node("b", Map.of());
    ServerProcess c = node("c", Map.of());
    String admin = a.signUp("admin@example.com"); // the first account is the admin
    String user = b.signUp("user@example.com");

    JsonObject view = awaitCluster(a, admin, 30_000, members -> members.size() == 3);
    assertThat(view.getBoolean("clustered")).isTrue();
    List<String> ports = view.getJsonArray("members").stream()
        .map(m -> ((JsonObject) m).getString("http").replaceAll(".*:", "")).toList();
    assertThat(ports).as("each member says where it serves").containsExactlyInAnyOrder(port(a), port(b), port(c));
    assertThat(b.get("/api/admin/cluster", user).statusCode()).as("members are for admins").isEqualTo(403);
    assertThat(b.get("/api/admin/cluster", null).statusCode()).isEqualTo(401);
    for (ServerProcess node : List.of(a, b, c)) {
      var ready = node.get("/api/health/ready", null);
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(new JsonObject(ready.body()).getMap()).containsEntry("ready", true).containsEntry("member", true)
          .containsEntry("database", true).containsEntry("verticles", true);
    }

    // SIGTERM: a clean stop that leaves the cluster at once, without waiting for failure detection.
    long stopAt = System.currentTimeMillis();
    c.terminate(60);
    awaitCluster(a, admin, 3_000, members -> members.size() == 2);
    assertThat(System.currentTimeMillis() - stopAt).as("a clean leave").isLessThan(30_000);

    // SIGKILL: the others notice within the failure detection time.
    b.kill();
    long killedAt = System.currentTimeMillis();
    awaitCluster(a, admin, (FAILURE_DETECTION_SEC + 10) * 1000L, members -> members.size() == 1);
    assertThat(System.currentTimeMillis() - killedAt).as("dead node noticed")
        .isLessThan((FAILURE_DETECTION_SEC + 6) * 1000L);
    assertThat(a.get("/api/health/ready", null).statusCode()).as("the survivor is still ready").isEqualTo(200);
  }

  private static String port(ServerProcess node) {
    return node.base().substring(node.base().lastIndexOf(':') + 1);
  }

  @Test
  @DisplayName("the login lockout and the per-IP login limit count the requests of every node, not each node's own")
  void limitsHoldAcrossNodes() throws Exception {
    // Hour-long windows, so the count cannot roll over mid-test; waits out the last seconds of an hour.
    long intoHour = System.currentTimeMillis() % 3_600_000;
    if (intoHour > 3_600_000 - 60_000) {
      ServerProcess.sleep(3_600_000 - intoHour + 1_000);
    }
    Map<String, String> limits = Map.of("ORCH_SERVER__ENDPOINT_RATE_LIMITS",
        new JsonObject().put("register", "100/minute").put("login", "10/hour").encode(),
        "ORCH_AUTH__LOGIN_LOCKOUT_THRESHOLD", "5");
    ServerProcess a = node("a", limits);
    ServerProcess b = node("b", limits);
    List<ServerProcess> both = List.of(a, b);
    JsonObject victim = new JsonObject().put("email", "victim@example.com").put("password", "password1");
    JsonObject other = new JsonObject().put("email", "other@example.com").put("password", "password1");
    a.post("/api/auth/register", victim, null);
    b.post("/api/auth/register", other, null);

    // Five wrong passwords, alternating nodes: the account is locked on both.
    JsonObject wrong = victim.copy().put("password", "wrong-password");
    for (int i = 0; i < 5; i++) {
      assertThat(both.get(i % 2).send("/api/auth/login", wrong, null).statusCode()).isEqualTo(401);
    }
    for (ServerProcess node : both) {
      assertThat(node.send("/api/auth/login", victim, null).statusCode()).as("locked on every node").isEqualTo(401);
    }

    // Seven logins so far from this address; the limit is ten an hour for the whole cluster.
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      statuses.add(both.get(i % 2).send("/api/auth/login", other, null).statusCode());
    }
    assertThat(statuses).as("logins 8 to 12 across two nodes").containsExactly(200, 200, 200, 429, 429);
  }
}
