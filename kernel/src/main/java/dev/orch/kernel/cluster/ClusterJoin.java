package dev.orch.kernel.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Joins the Hazelcast cluster described by {@code conf/cluster.xml} (Vert.x's default configuration
 * when the file is missing), with the settings {@link ClusterConfig} lays over it.
 */
public final class ClusterJoin {
  private ClusterJoin() {}

  /** The joined Vert.x instance and this node's membership. */
  public record Joined(Vertx vertx, Membership membership) {}

  /**
   * The Hazelcast configuration of {@code clusterXml} with failure detection, the cluster name and
   * the HTTP port attribute applied. Hazelcast's JVM shutdown hook is off: on SIGTERM the server
   * drains its tasks first and leaves the cluster last, as part of its own stop.
   */
  public static Config hazelcast(Path clusterXml, ClusterConfig cluster, int httpPort) throws FileNotFoundException {
    Config config = Files.isRegularFile(clusterXml) ? new FileSystemXmlConfig(clusterXml.toFile())
        : ConfigUtil.loadConfig();
    config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(cluster.heartbeatSeconds()));
    config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.failureDetectionSeconds()));
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    if (!cluster.name().isEmpty()) {
      config.setClusterName(cluster.name());
    }
    config.getMemberAttributeConfig().setAttribute(Membership.HTTP_PORT_ATTRIBUTE, String.valueOf(httpPort));
    return config;
  }

  /** Starts a clustered Vert.x on {@code hazelcast}. */
  public static Future<Joined> join(Config hazelcast) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast);
    return Vertx.builder().withClusterManager(manager).buildClustered()
        .map(vertx -> new Joined(vertx, new HazelcastMembership(manager)));
  }

  /** Membership as Hazelcast sees it. */
  private record HazelcastMembership(HazelcastClusterManager manager) implements Membership {
    @Override
    public String nodeId() {
      return manager.getNodeId();
    }

    @Override
    public boolean clustered() {
      return true;
    }

    @Override
    public boolean member() {
      HazelcastInstance hz = manager.getHazelcastInstance();
      return manager.isActive() && hz != null && hz.getLifecycleService().isRunning();
    }

    @Override
    public List<Membership.Member> members() {
      HazelcastInstance hz = manager.getHazelcastInstance();
      if (hz == null || !hz.getLifecycleService().isRunning()) {
        return List.of();
      }
      return hz.getCluster().getMembers().stream().map(HazelcastMembership::member).toList();
    }

    private static Membership.Member member(com.hazelcast.cluster.Member m) {
      String port = m.getAttribute(HTTP_PORT_ATTRIBUTE);
      return new Membership.Member(m.getUuid().toString(), port == null ? null : m.getAddress().getHost() + ":" + port,
          m.localMember());
    }
  }
}
