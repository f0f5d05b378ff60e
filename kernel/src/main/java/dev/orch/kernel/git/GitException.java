package dev.orch.kernel.git;

import dev.orch.kernel.bus.OrchestratorException;

/**
 * A git command failed or ran out of time: 502, with a message that names the operation only. The
 * command's own error output goes to the log, never to a client.
 */
public final class GitException extends OrchestratorException {
  public GitException(String operation) {
    super(502, "Git operation failed: " + operation, false);
  }
}
