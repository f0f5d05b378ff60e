package dev.orch.kernel.cluster;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigReader;
import io.vertx.core.json.JsonObject;

/**
 * The {@code cluster.*} settings, used when the server runs with {@code --cluster} (or
 * {@code server.cluster}); membership itself (who joins whom) is in {@code conf/cluster.xml}.
 *
 * @param failureDetectionSeconds how long a member may stay silent before the others count it gone
 *     ({@code cluster.failure_detection_sec}); Hazelcast's own default is 300 s
 * @param name the cluster's name, overriding {@code <cluster-name>} of {@code conf/cluster.xml} when
 *     not empty ({@code cluster.name}): two deployments on one network keep apart by name
 */
public record ClusterConfig(int failureDetectionSeconds, String name) {
  public static final int DEFAULT_FAILURE_DETECTION_SEC = 10;

  /** @throws ConfigException naming the first invalid key */
  public static ClusterConfig from(JsonObject raw) {
    ConfigReader r = new ConfigReader(raw);
    int seconds = r.integerIn("cluster.failure_detection_sec", DEFAULT_FAILURE_DETECTION_SEC, 2, 600);
    String name = r.string("cluster.name", "").trim();
    if (!name.matches("[A-Za-z0-9._-]{0,64}")) {
      throw new ConfigException("cluster.name may hold letters, digits, '.', '_' and '-' (at most 64), got '"
          + name + "'");
    }
    return new ClusterConfig(seconds, name);
  }

  /**
   * How often a member sends its heartbeat: a fifth of the detection time (at least a second), so a
   * few lost heartbeats alone never count a live member gone.
   */
  public int heartbeatSeconds() {
    return Math.max(1, failureDetectionSeconds / 5);
  }
}
