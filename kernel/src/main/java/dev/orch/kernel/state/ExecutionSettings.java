package dev.orch.kernel.state;

import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * How a project's tasks run, from its {@code config}, read in one place for the executor, the external
 * agents' endpoints and the API. Values a project cannot mean are read as the default, the same way
 * everywhere: an unknown {@code execution_mode} is {@code auto}.
 *
 * @param mode who runs its tasks (API.md §12.1)
 * @param cliAgent the CLI agent that runs its tasks internally ({@code claude_code}, {@code codex},
 *     {@code gemini}), or null for the model providers; the agents package validates the name
 * @param cliProfile that agent's tool profile, or null for the agent's default
 * @param economy its Claude tasks go through the Message Batches API at half price, with latency traded
 *     for cost
 */
public record ExecutionSettings(Mode mode, String cliAgent, String cliProfile, boolean economy) {

  /** Who runs a project's tasks. */
  public enum Mode {
    /** This server runs every task. */
    AUTO,
    /** External agents claim Claude tasks; this server runs the local-model ones. */
    HYBRID,
    /** External agents claim every task. */
    EXTERNAL;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** True when this server's executor runs a task of {@code tier}. */
    public boolean runsInternally(String tier) {
      return switch (this) {
        case AUTO -> true;
        case HYBRID -> "ollama".equals(tier);
        case EXTERNAL -> false;
      };
    }

    /** True when an external agent may claim a task of {@code tier}. */
    public boolean claimableExternally(String tier) {
      return this != AUTO && !runsInternally(tier);
    }
  }

  public static final ExecutionSettings DEFAULT = new ExecutionSettings(Mode.AUTO, null, null, false);

  /** The settings of a project's config object (null reads as empty). */
  public static ExecutionSettings of(JsonObject config) {
    if (config == null) {
      return DEFAULT;
    }
    Mode mode = Mode.AUTO;
    if (config.getValue("execution_mode") instanceof String m) {
      for (Mode candidate : Mode.values()) {
        if (candidate.wire().equals(m)) {
          mode = candidate;
        }
      }
    }
    String agent = config.getValue("cli_agent") instanceof String a && !a.isBlank() ? a : null;
    String profile = config.getValue("cli_profile") instanceof String p && !p.isBlank() ? p : null;
    return new ExecutionSettings(mode, agent, profile, Boolean.TRUE.equals(config.getValue("economy")));
  }
}
