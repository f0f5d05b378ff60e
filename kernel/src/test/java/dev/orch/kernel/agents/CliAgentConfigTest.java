package dev.orch.kernel.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CliAgentConfigTest {
  private static final Path DATA = Path.of("/srv/orch/data");

  private static JsonObject defaults(Map<String, String> env) {
    return ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, env);
  }

  @Test
  @DisplayName("conf/config.json loads: binaries, 30-minute timeouts, developer profile, each CLI's own variables")
  void defaultsFile() {
    CliAgentConfig config = CliAgentConfig.from(defaults(Map.of()), DATA);

    assertThat(config.dataDir()).isEqualTo(DATA);
    assertThat(config.killGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.agent(CliAgent.CLAUDE_CODE)).isEqualTo(new CliAgentConfig.Agent("claude", List.of(),
        Duration.ofSeconds(1800), ToolProfile.DEVELOPER, List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
            "ANTHROPIC_BASE_URL", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CONFIG_DIR")));
    assertThat(config.agent(CliAgent.CODEX).binary()).isEqualTo("codex");
    assertThat(config.agent(CliAgent.CODEX).envAllow()).containsExactly("OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_HOME");
    assertThat(config.agent(CliAgent.GEMINI).binary()).isEqualTo("gemini");
    assertThat(config.agent(CliAgent.GEMINI).envAllow()).contains("GEMINI_API_KEY", "GOOGLE_API_KEY");
  }

  @Test
  @DisplayName("without the section every agent has the same built-in defaults as the file")
  void noSection() {
    CliAgentConfig none = CliAgentConfig.from(new JsonObject(), DATA);

    assertThat(none).isEqualTo(CliAgentConfig.from(defaults(Map.of()), DATA));
    for (CliAgent agent : CliAgent.values()) {
      assertThat(none.agent(agent)).isEqualTo(CliAgentConfig.Agent.defaults(agent));
    }
  }

  @Test
  @DisplayName("ORCH_CLI_AGENTS__<AGENT>__<KEY> overrides one key; an empty env_allow passes no variable")
  void environmentOverride() {
    CliAgentConfig config = CliAgentConfig.from(defaults(Map.of(
        "ORCH_CLI_AGENTS__CODEX__BINARY", "/opt/codex/bin/codex",
        "ORCH_CLI_AGENTS__CODEX__TIMEOUT_SECONDS", "600",
        "ORCH_CLI_AGENTS__GEMINI__ENV_ALLOW", "[]",
        "ORCH_CLI_AGENTS__CLAUDE_CODE__DEFAULT_PROFILE", "readonly")), DATA);

    assertThat(config.agent(CliAgent.CODEX).binary()).isEqualTo("/opt/codex/bin/codex");
    assertThat(config.agent(CliAgent.CODEX).timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.agent(CliAgent.GEMINI).envAllow()).isEmpty();
    assertThat(config.agent(CliAgent.CLAUDE_CODE).defaultProfile()).isEqualTo(ToolProfile.READONLY);
  }

  @Test
  @DisplayName("grants by role: users readonly and developer, admins everything; a role not listed gets nothing")
  void grants() {
    CliAgentConfig defaults = CliAgentConfig.from(defaults(Map.of()), DATA);
    CliAgentConfig custom = CliAgentConfig.from(new JsonObject().put("cli_agents", new JsonObject()
        .put("allowed", new JsonObject().put("user", new JsonArray().add("readonly")))), DATA);

    assertThat(defaults.allowed("user")).containsExactlyInAnyOrder(ToolProfile.READONLY, ToolProfile.DEVELOPER);
    assertThat(defaults.allowed("admin")).containsExactlyInAnyOrder(ToolProfile.values());
    assertThat(defaults.unsandboxed()).isFalse();
    assertThat(defaults.sandbox()).isEqualTo(CliAgentConfig.Sandbox.DEFAULT);
    assertThat(custom.allowed("user")).containsExactly(ToolProfile.READONLY);
    assertThat(custom.allowed("admin")).isEmpty();
    assertThat(custom.allowed(null)).isEmpty();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        bad(s -> s.put("aider", new JsonObject()), "cli_agents.aider is not a CLI agent; known: claude_code, codex, gemini"),
        bad(s -> s.put("Codex", new JsonObject()), "cli_agents.Codex is not a CLI agent; known: claude_code, codex, gemini"),
        bad(s -> s.put("codex", "codex"), "cli_agents.codex must be an object, got codex"),
        bad(s -> s.put("kill_grace_seconds", 0), "cli_agents.kill_grace_seconds must be > 0, got 0"),
        bad(s -> agent(s).put("binary", " "), "cli_agents.codex.binary must name the codex executable, got an empty string"),
        bad(s -> agent(s).put("timeout_seconds", -1), "cli_agents.codex.timeout_seconds must be > 0, got -1"),
        bad(s -> agent(s).put("timeout_seconds", "30m"), "cli_agents.codex.timeout_seconds must be a number of seconds, got 30m"),
        bad(s -> agent(s).put("default_profile", "admin"),
            "cli_agents.codex.default_profile must be one of readonly, developer, full_access, got 'admin'"),
        bad(s -> agent(s).put("extra_args", "--model x"), "cli_agents.codex.extra_args must be a list of strings, got --model x"),
        bad(s -> agent(s).put("extra_args", new JsonArray().add(1)), "cli_agents.codex.extra_args must be a list of strings, got 1"),
        bad(s -> agent(s).put("env_allow", new JsonArray().add("OPENAI_API_KEY=x")),
            "cli_agents.codex.env_allow entries must be variable names, got 'OPENAI_API_KEY=x'"),
        bad(s -> s.put("allowed", new JsonObject().put("user", new JsonArray().add("root"))),
            "cli_agents.allowed.user entries must be readonly, developer or full_access, got 'root'"),
        bad(s -> s.put("allowed", new JsonObject().put("user", "developer")),
            "cli_agents.allowed.user must be a list of strings, got developer"),
        bad(s -> s.put("unsandboxed", "yes"), "cli_agents.unsandboxed must be true or false, got yes"),
        bad(s -> s.put("sandbox", new JsonObject().put("read_only_paths", new JsonArray().add("opt/node"))),
            "cli_agents.sandbox.read_only_paths entries must be absolute paths, got 'opt/node'"),
        bad(s -> s.put("sandbox", new JsonObject().put("bwrap", "")),
            "cli_agents.sandbox.bwrap must name the bubblewrap executable, got an empty string"));
  }

  private static Arguments bad(Consumer<JsonObject> change, String message) {
    return Arguments.of(change, message);
  }

  private static JsonObject agent(JsonObject section) {
    JsonObject codex = new JsonObject();
    section.put("codex", codex);
    return codex;
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  @DisplayName("an invalid value stops startup with a message naming the key")
  void rejects(Consumer<JsonObject> change, String message) {
    JsonObject section = new JsonObject();
    change.accept(section);

    assertThatThrownBy(() -> CliAgentConfig.from(new JsonObject().put("cli_agents", section), DATA))
        .isInstanceOf(ConfigException.class).hasMessage(message);
  }
}
