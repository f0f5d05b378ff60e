package dev.orch.kernel.tools;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every node's tool host offers, in a cluster-wide map: each host writes its own entry
 * ({@code {"node", "tools": [tool, ...]}}) when its tools change and every {@link #REFRESH_MS}, with a
 * time to live, so the tools of a node that died leave the map within {@link #TTL_MS}. Without a
 * cluster there are no other nodes and nothing is written.
 */
final class ClusterTools {
  static final String MAP = "orch.tools.nodes";
  static final long REFRESH_MS = 10_000;
  static final long TTL_MS = 35_000;

  private final Vertx vertx;
  private final String node;

  ClusterTools(Vertx vertx, String node) {
    this.vertx = vertx;
    this.node = node;
  }

  boolean clustered() {
    return vertx.isClustered();
  }

  /** Writes this node's tools. */
  Future<Void> announce(JsonArray tools) {
    if (!clustered()) {
      return Future.succeededFuture();
    }
    JsonObject entry = new JsonObject().put("node", node).put("tools", tools.copy());
    return map().compose(m -> m.put(node, entry, TTL_MS));
  }

  /** Takes this node's entry out. */
  Future<Void> withdraw() {
    if (!clustered()) {
      return Future.succeededFuture();
    }
    return map().compose(m -> m.remove(node)).mapEmpty();
  }

  /** The tools the other nodes offer, each with its {@code node}. */
  Future<List<JsonObject>> remote() {
    if (!clustered()) {
      return Future.succeededFuture(List.of());
    }
    return map().compose(AsyncMap::entries).map(this::others);
  }

  private List<JsonObject> others(Map<String, JsonObject> entries) {
    List<JsonObject> out = new ArrayList<>();
    entries.forEach((key, entry) -> {
      if (!key.equals(node) && entry != null) {
        for (Object tool : entry.getJsonArray("tools", new JsonArray())) {
          if (tool instanceof JsonObject t) {
            out.add(t.copy().put("node", key));
          }
        }
      }
    });
    return out;
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
