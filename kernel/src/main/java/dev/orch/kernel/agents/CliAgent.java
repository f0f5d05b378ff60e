package dev.orch.kernel.agents;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A coding-agent CLI that can run a task as a subprocess, named by its key under
 * {@code cli_agents} in the configuration.
 */
public enum CliAgent {
  /** Anthropic's Claude Code, binary {@code claude}. */
  CLAUDE_CODE("claude_code", "claude", List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
      "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CONFIG_DIR")),
  /** OpenAI's Codex CLI, binary {@code codex}. */
  CODEX("codex", "codex", List.of("OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_HOME")),
  /** Google's Gemini CLI, binary {@code gemini}. */
  GEMINI("gemini", "gemini", List.of("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_CLOUD_PROJECT",
      "GOOGLE_CLOUD_LOCATION", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_APPLICATION_CREDENTIALS"));

  private final String wire;
  private final String defaultBinary;
  private final List<String> defaultEnv;

  CliAgent(String wire, String defaultBinary, List<String> defaultEnv) {
    this.wire = wire;
    this.defaultBinary = defaultBinary;
    this.defaultEnv = defaultEnv;
  }

  /** The configuration key, e.g. {@code claude_code}. */
  public String wire() {
    return wire;
  }

  /** The binary looked up on the {@code PATH} when {@code cli_agents.<agent>.binary} is not set. */
  public String defaultBinary() {
    return defaultBinary;
  }

  /**
   * The variables passed to the CLI besides {@code PATH} and {@code HOME} when
   * {@code cli_agents.<agent>.env_allow} is not set: its credentials and where it keeps its login.
   */
  public List<String> defaultEnv() {
    return defaultEnv;
  }

  /** The agent with configuration key {@code wire}, ignoring case. */
  public static Optional<CliAgent> fromWire(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    String key = wire.trim().toLowerCase(Locale.ROOT);
    for (CliAgent agent : values()) {
      if (agent.wire.equals(key)) {
        return Optional.of(agent);
      }
    }
    return Optional.empty();
  }
}
