package dev.orch.kernel.cluster;

import dev.orch.kernel.store.Db;
import dev.orch.kernel.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What an operator and a load balancer ask a node about the cluster: whether this node is ready to
 * serve ({@code GET /api/health/ready}) and which members there are with the tasks each one holds
 * leases on ({@code GET /api/admin/cluster}).
 */
public final class ClusterService {
  /** How long the readiness probe waits for the database. */
  static final long DATABASE_PROBE_MS = 2_000;
  private static final String PROBE = "SELECT 1 AS ok";
  /** Tasks under a live lease: queued (claimed, not started yet) or running. */
  private static final String LEASED = "SELECT t.id, t.title, t.status, t.project_id, t.lease_owner,"
      + " t.lease_expires_at FROM tasks t WHERE t.status IN ('queued', 'running') AND t.lease_owner IS NOT NULL"
      + " AND t.lease_expires_at >= ? ORDER BY t.lease_owner, t.id";

  private final Vertx vertx;
  private final Db db;
  private final Membership membership;
  private final BooleanSupplier deployed;
  private final Clock clock;

  /** @param deployed whether every verticle is deployed and the node is not stopping */
  public ClusterService(Vertx vertx, Db db, Membership membership, BooleanSupplier deployed, Clock clock) {
    this.vertx = vertx;
    this.db = db;
    this.membership = membership;
    this.deployed = deployed;
    this.clock = clock;
  }

  /** Readiness: {@code {ready, member, database, verticles, node}}; never fails. */
  public Future<JsonObject> ready() {
    return databaseReachable().map(database -> {
      boolean member = membership.member();
      boolean verticles = deployed.getAsBoolean();
      return new JsonObject().put("ready", member && database && verticles).put("member", member)
          .put("database", database).put("verticles", verticles).put("node", membership.nodeId())
          .put("clustered", membership.clustered());
    });
  }

  /** Whether {@code SELECT 1} answers within {@link #DATABASE_PROBE_MS}. */
  private Future<Boolean> databaseReachable() {
    return db.reads().query(PROBE).execute().map(rows -> true)
        .timeout(DATABASE_PROBE_MS, java.util.concurrent.TimeUnit.MILLISECONDS).otherwise(err -> false);
  }

  /**
   * The members this node sees, each with its running and queued tasks and its lease count, plus
   * the live leases of nodes that are no longer members (a node that died: its tasks go back to the
   * queue when those leases expire).
   */
  public Future<JsonObject> overview() {
    double now = Times.now(clock);
    return db.reads().preparedQuery(LEASED).execute(Tuple.of(now)).map(rows -> {
      Map<String, JsonArray> byOwner = new LinkedHashMap<>();
      for (Row r : rows) {
        byOwner.computeIfAbsent(r.getString("lease_owner"), k -> new JsonArray()).add(new JsonObject()
            .put("task_id", r.getString("id")).put("project_id", r.getString("project_id"))
            .put("title", r.getString("title")).put("status", r.getString("status"))
            .put("lease_expires_at", r.getDouble("lease_expires_at")));
      }
      JsonArray members = new JsonArray();
      for (Membership.Member m : membership.members()) {
        JsonArray tasks = byOwner.remove(m.id());
        tasks = tasks == null ? new JsonArray() : tasks;
        members.add(new JsonObject().put("id", m.id()).put("http", m.http()).put("local", m.local())
            .put("leases", tasks.size()).put("tasks", tasks));
      }
      JsonArray departed = new JsonArray();
      byOwner.forEach((owner, tasks) -> departed.add(new JsonObject().put("id", owner).put("leases", tasks.size())
          .put("tasks", tasks)));
      return new JsonObject().put("clustered", membership.clustered()).put("node", membership.nodeId())
          .put("members", members).put("departed", departed);
    });
  }
}
