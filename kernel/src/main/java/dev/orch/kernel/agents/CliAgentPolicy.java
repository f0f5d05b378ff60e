package dev.orch.kernel.agents;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which CLI agents and profiles a project may run: the server's decision, from
 * {@code cli_agents.allowed} by the role of the project's owner and from whether the sandbox works
 * on this host ({@link CliSandbox}). Checked when a project's config is written and again when a
 * run starts, since the config, the owner's role or the grants may have changed in between.
 */
public final class CliAgentPolicy {
  private final CliAgentConfig config;
  private final CliSandbox sandbox;

  public CliAgentPolicy(CliAgentConfig config, CliSandbox sandbox) {
    this.config = Objects.requireNonNull(config, "config");
    this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
  }

  public CliAgentConfig config() {
    return config;
  }

  public CliSandbox sandbox() {
    return sandbox;
  }

  /**
   * Checks the CLI agent a project's config names ({@code cli_agent}, {@code cli_profile}) for a
   * project owned by a user with {@code role}; a config without {@code cli_agent} passes.
   *
   * @throws OrchestratorException 422 for an agent or profile that does not exist; 403 when CLI
   *     agents are refused on this server or the role may not run the profile
   */
  public void checkProjectConfig(String role, JsonObject projectConfig) {
    Object agentValue = projectConfig.getValue("cli_agent");
    if (agentValue == null || agentValue instanceof String s && s.isBlank()) {
      return;
    }
    CliAgent agent = agentValue instanceof String s
        ? Arrays.stream(CliAgent.values()).filter(a -> a.wire().equals(s)).findFirst().orElse(null) : null;
    if (agent == null) {
      throw new OrchestratorException(422, "config.cli_agent must be one of "
          + Arrays.stream(CliAgent.values()).map(CliAgent::wire).collect(Collectors.joining(", ")) + ", got " + agentValue);
    }
    Object profileValue = projectConfig.getValue("cli_profile");
    ToolProfile profile = null;
    if (profileValue != null && !(profileValue instanceof String p && p.isBlank())) {
      profile = profileValue instanceof String p ? ToolProfile.fromWire(p).orElse(null) : null;
      if (profile == null) {
        throw new OrchestratorException(422, "config.cli_profile must be one of readonly, developer, full_access, got "
            + profileValue);
      }
    }
    admit(role, agent, profile);
  }

  /**
   * The profile a run of {@code agent} uses (the request's, else the agent's configured default),
   * when a project owned by a user with {@code role} may run it.
   *
   * @throws OrchestratorException 403 when CLI agents are refused on this server or the role may not
   *     run the profile
   */
  public ToolProfile admit(String role, CliAgent agent, ToolProfile requested) {
    OrchestratorException refused = sandbox.refusal();
    if (refused != null) {
      throw refused;
    }
    ToolProfile profile = Objects.requireNonNullElse(requested, config.agent(agent).defaultProfile());
    Set<ToolProfile> allowed = config.allowed(role);
    if (!allowed.contains(profile)) {
      String grants = allowed.isEmpty() ? "none" : allowed.stream().sorted().map(ToolProfile::wire)
          .collect(Collectors.joining(", "));
      throw OrchestratorException.forbidden("CLI agent profile '" + profile.wire() + "' is not allowed for role '"
          + (role == null ? "none" : role) + "' on this server (allowed: " + grants + ")");
    }
    return profile;
  }
}
