package dev.orch.kernel.cluster;

import dev.orch.kernel.store.Ids;
import java.util.List;

/**
 * This node's place in the cluster, as the edge and the executor need it: the name its leases carry,
 * whether it is a member now, and who the members are.
 */
public interface Membership {
  /** The member attribute holding a node's HTTP port, so its peers can list where it serves. */
  String HTTP_PORT_ATTRIBUTE = "orch.http_port";

  /** A member of the cluster. {@code http} is {@code host:port}, or null when the member did not say. */
  record Member(String id, String http, boolean local) {}

  /** The name this node's leases carry ({@code tasks.lease_owner}): its cluster member id. */
  String nodeId();

  /** Whether other nodes may share the database (leases of other names are then theirs, not stale). */
  boolean clustered();

  /** Whether this node is a member now (a standalone server always is). */
  boolean member();

  /** The members this node sees, itself included. */
  List<Member> members();

  /** A server on its own, or an in-process cluster member whose membership is not watched. */
  static Membership local(boolean clustered) {
    String id = "node-" + Ids.hex(6);
    return new Membership() {
      @Override
      public String nodeId() {
        return id;
      }

      @Override
      public boolean clustered() {
        return clustered;
      }

      @Override
      public boolean member() {
        return true;
      }

      @Override
      public List<Member> members() {
        return List.of(new Member(id, null, true));
      }
    };
  }
}
