package dev.orch.kernel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {
  private static JsonObject cluster(JsonObject section) {
    return new JsonObject().put("cluster", section);
  }

  @Test
  @DisplayName("by default a silent member counts as gone after 10 s, with a heartbeat every 2 s, and cluster.xml names the cluster")
  void defaults() {
    ClusterConfig config = ClusterConfig.from(new JsonObject());

    assertThat(config.failureDetectionSeconds()).isEqualTo(10);
    assertThat(config.heartbeatSeconds()).isEqualTo(2);
    assertThat(config.name()).isEmpty();
  }

  @Test
  @DisplayName("the settings reach Hazelcast over the shipped cluster.xml, which parses")
  void appliedToHazelcast() throws Exception {
    ClusterConfig config = ClusterConfig.from(cluster(new JsonObject().put("failure_detection_sec", 4)
        .put("name", "orch-prod")));

    var hazelcast = ClusterJoin.hazelcast(dev.orch.kernel.testing.TestKernel.repoRoot().resolve("conf/cluster.xml"),
        config, 5200);

    assertThat(hazelcast.getClusterName()).isEqualTo("orch-prod");
    assertThat(hazelcast.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
    assertThat(hazelcast.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(hazelcast.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    assertThat(hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(hazelcast.getMemberAttributeConfig().getAttribute(Membership.HTTP_PORT_ATTRIBUTE)).isEqualTo("5200");
  }

  @Test
  @DisplayName("a cluster name with other characters, or a detection time out of range, stops startup naming the key")
  void invalid() {
    assertThatThrownBy(() -> ClusterConfig.from(cluster(new JsonObject().put("name", "orch prod"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.name");
    assertThatThrownBy(() -> ClusterConfig.from(cluster(new JsonObject().put("failure_detection_sec", 1))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.failure_detection_sec");
  }
}
