package dev.orch.kernel.git;

import dev.orch.kernel.bus.OrchestratorException;

/**
 * A git command failed or ran out of time: 502, with a message that names the operation only. The
 * command's own error output goes to the log, never to a client. Retryable: inside a task it counts
 * as a transient failure (a lock another git process held, a slow disk), so the task is retried and,
 * out of retries, goes to a checkpoint.
 */
public final class GitException extends OrchestratorException {
  public GitException(String operation) {
    super(502, "Git operation failed: " + operation, true);
  }
}
