package dev.orch.kernel.agents;

import io.vertx.core.Future;

/** Who a CLI agent run acts for: the role of the user who owns a project, read when the run starts. */
@FunctionalInterface
public interface OwnerRoles {
  /** The role of {@code projectId}'s owner; null when the project has no owner or does not exist. */
  Future<String> role(String projectId);
}
