package dev.orch.kernel.agents;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One task for a CLI agent.
 *
 * @param projectId the project, for logs only; may be null
 * @param taskId the task, for logs only; may be null
 * @param agent which CLI runs it
 * @param profile what it may do; null takes {@code cli_agents.<agent>.default_profile}
 * @param prompt the task description and its context, as the agent's whole input. It goes to the
 *     CLI on stdin, never on the command line, where other local users could read it in the process
 *     list and where Linux caps one argument at 128 KiB
 * @param workingDirectory the project's sandbox folder; it must exist and lie below the data folder
 * @param timeout the limit of this run; null takes {@code cli_agents.<agent>.timeout_seconds}
 */
public record CliAgentRequest(
    String projectId,
    String taskId,
    CliAgent agent,
    ToolProfile profile,
    String prompt,
    Path workingDirectory,
    Duration timeout) {

  public CliAgentRequest {
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(workingDirectory, "workingDirectory");
    if (prompt == null || prompt.isBlank()) {
      throw new IllegalArgumentException("a CLI agent needs a prompt");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
    }
  }

  /** A request with the agent's default profile and timeout and no ids. */
  public static CliAgentRequest of(CliAgent agent, String prompt, Path workingDirectory) {
    return new CliAgentRequest(null, null, agent, null, prompt, workingDirectory, null);
  }

  /** The same request for the given project and task (used in logs). */
  public CliAgentRequest forTask(String projectId, String taskId) {
    return new CliAgentRequest(projectId, taskId, agent, profile, prompt, workingDirectory, timeout);
  }

  /** The same request with another profile; null means the agent's default. */
  public CliAgentRequest withProfile(ToolProfile profile) {
    return new CliAgentRequest(projectId, taskId, agent, profile, prompt, workingDirectory, timeout);
  }

  /** The same request with another limit; null means the agent's default. */
  public CliAgentRequest withTimeout(Duration timeout) {
    return new CliAgentRequest(projectId, taskId, agent, profile, prompt, workingDirectory, timeout);
  }

  /** Leaves out the prompt, which may hold project content. */
  @Override
  public String toString() {
    return "CliAgentRequest[project=" + projectId + ", task=" + taskId + ", agent=" + agent.wire() + ", profile="
        + (profile == null ? "default" : profile.wire()) + ", dir=" + workingDirectory + ", timeout=" + timeout + "]";
  }
}
