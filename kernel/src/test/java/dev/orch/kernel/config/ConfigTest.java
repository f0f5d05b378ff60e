package dev.orch.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layering (RUNNING.md) and the values that must stop startup (API.md §16). */
class ConfigTest {
  @TempDir Path dir;
  static final Path DEFAULTS = TestKernel.repoRoot().resolve("conf/config.json");
  static final String SECRET = "s".repeat(40);

  private JsonObject load(Path override, Map<String, String> env) {
    return ConfigLoader.load(DEFAULTS, override, env);
  }

  private OrchConfig valid(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("ORCH_AUTH__SECRET_KEY", SECRET);
    OrchConfig config = OrchConfig.from(load(null, all), dir);
    dev.orch.kernel.Kernel.Sections.from(config);
    return config;
  }

  private Path file(String json) throws IOException {
    Path p = Files.createTempFile(dir, "config", ".json");
    Files.writeString(p, json);
    return p;
  }

  @Test
  @DisplayName("unset, the per-project and per-provider caps follow max_concurrent_tasks; Ollama runs one per host")
  void capsFollowTheGlobalOne() {
    var executor = dev.orch.kernel.Kernel.Sections.from(valid(Map.of("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "16")))
        .executor();

    assertThat(executor.maxConcurrent()).isEqualTo(16);
    assertThat(executor.maxPerProject()).isEqualTo(16);
    assertThat(executor.maxPerProvider()).containsEntry("anthropic", 16).containsEntry("openai", 16)
        .containsEntry("ollama", 1);
    var set = dev.orch.kernel.Kernel.Sections.from(valid(Map.of("ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "16",
        "ORCH_EXECUTION__MAX_CONCURRENT_PER_PROJECT", "4"))).executor();
    assertThat(set.maxPerProject()).isEqualTo(4);
  }

  @Test
  @DisplayName("the shipped defaults hold every key of API.md §16 with its documented value")
  void defaults() {
    JsonObject c = load(null, Map.of());
    assertThat(c.getJsonObject("server").getInteger("port")).isEqualTo(5200);
    assertThat(c.getJsonObject("server").getString("rate_limit")).isEqualTo("60/minute");
    assertThat(c.getJsonObject("budget").getDouble("daily_limit_usd")).isEqualTo(5.0);
    assertThat(c.getJsonObject("execution").getBoolean("verification_enabled")).isTrue();
    assertThat(c.getJsonObject("auth").getInteger("access_token_expire_minutes")).isEqualTo(30);
    assertThat(c.getJsonObject("git").getString("commit_author")).isEqualTo("Orchestration Engine <orchestration@local>");
    for (String section : new String[] {"server", "anthropic", "ollama", "comfyui", "rag", "budget", "execution",
        "model_pricing", "git", "auth"}) {
      assertThat(c.containsKey(section)).as(section).isTrue();
    }
    OrchConfig config = valid(Map.of());
    assertThat(config.server().corsOrigins()).containsExactly("http://localhost:5173", "http://localhost:5200",
        "http://127.0.0.1:5173", "http://127.0.0.1:5200");
    assertThat(config.db().url()).endsWith("data/orchestration.db");
    assertThat(config.db().synchronous()).isEqualTo("FULL");
  }

  @Test
  @DisplayName("precedence: defaults, then --config file, then environment")
  void precedence() throws IOException {
    Path override = file("{\"server\": {\"port\": 6000, \"log_level\": \"DEBUG\"}, \"budget\": {\"daily_limit_usd\": 1}}");
    JsonObject fromFile = load(override, Map.of());
    assertThat(fromFile.getJsonObject("server").getInteger("port")).isEqualTo(6000);
    assertThat(fromFile.getJsonObject("server").getString("host")).as("files merge deeply").isEqualTo("0.0.0.0");

    JsonObject withEnv = load(override, Map.of("ORCH_SERVER__PORT", "7000"));
    assertThat(withEnv.getJsonObject("server").getInteger("port")).isEqualTo(7000);
    assertThat(withEnv.getJsonObject("server").getString("log_level")).isEqualTo("DEBUG");
    assertThat(withEnv.getJsonObject("budget").getDouble("daily_limit_usd")).isEqualTo(1.0);
  }

  @Test
  @DisplayName("environment values are JSON when they parse, strings otherwise; an object replaces the whole key")
  void environmentValues() {
    JsonObject c = load(null, Map.of(
        "ORCH_BUDGET__DAILY_LIMIT_USD", "0.5",
        "ORCH_AUTH__ALLOW_REGISTRATION", "false",
        "ORCH_SERVER__RATE_LIMIT", "10000/minute",
        "ORCH_SERVER__CORS_ORIGINS", "[\"https://app.example\"]",
        "ORCH_MODEL_PRICING", "{\"m\": {\"input_per_mtok\": 1, \"output_per_mtok\": 2}}",
        "ORCH_EXECUTION__MAX_CONCURRENT_TASKS", "8"));
    assertThat(c.getJsonObject("budget").getDouble("daily_limit_usd")).isEqualTo(0.5);
    assertThat(c.getJsonObject("auth").getBoolean("allow_registration")).isFalse();
    assertThat(c.getJsonObject("server").getString("rate_limit")).isEqualTo("10000/minute");
    assertThat(c.getJsonObject("server").getJsonArray("cors_origins")).isEqualTo(new JsonArray().add("https://app.example"));
    assertThat(c.getJsonObject("model_pricing").fieldNames()).containsExactly("m");
    assertThat(c.getJsonObject("execution").getInteger("max_concurrent_tasks")).isEqualTo(8);
  }

  @Test
  @DisplayName("the conventional variables set their keys; an explicit ORCH_ key wins over them")
  void conventionalVariables() {
    JsonObject c = load(null, Map.of(
        "ORCH_DATA_DIR", "/var/orch",
        "ORCH_DB_URL", "jdbc:postgresql://db/orch",
        "ANTHROPIC_API_KEY", "sk-test",
        "ANTHROPIC_BASE_URL", "http://127.0.0.1:9999",
        "OLLAMA_HOST", "http://gpu:11434",
        "OPENAI_BASE_URL", "http://127.0.0.1:8000/v1"));
    assertThat(c.getString("data_dir")).isEqualTo("/var/orch");
    assertThat(c.getString("db_url")).isEqualTo("jdbc:postgresql://db/orch");
    assertThat(c.getJsonObject("anthropic").getString("api_key")).isEqualTo("sk-test");
    assertThat(c.getJsonObject("anthropic").getString("base_url")).isEqualTo("http://127.0.0.1:9999");
    assertThat(c.getJsonObject("ollama").getJsonObject("hosts").getString("env")).isEqualTo("http://gpu:11434");
    assertThat(c.getJsonObject("ollama").getJsonObject("hosts").getString("local")).isEqualTo("http://localhost:11434");
    assertThat(c.getJsonObject("openai").getString("base_url")).isEqualTo("http://127.0.0.1:8000/v1");

    JsonObject both = load(null, Map.of("ANTHROPIC_API_KEY", "from-conventional", "ORCH_ANTHROPIC__API_KEY", "explicit"));
    assertThat(both.getJsonObject("anthropic").getString("api_key")).isEqualTo("explicit");
  }

  @Test
  @DisplayName("a missing, short or placeholder secret stops startup, naming the key")
  void secret() {
    assertThatThrownBy(() -> OrchConfig.from(load(null, Map.of()), dir))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.secret_key");
    assertThatThrownBy(() -> valid(Map.of("ORCH_AUTH__SECRET_KEY", "short")))
        .hasMessageContaining("auth.secret_key must be at least 32 characters");
    assertThatThrownBy(() -> valid(Map.of("ORCH_AUTH__SECRET_KEY", "CHANGE-ME-generate-a-random-64-char-string-here")))
        .hasMessageContaining("auth.secret_key is still the example placeholder");
  }

  @Test
  @DisplayName("each invalid value stops startup with one line naming its key")
  void failFast() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("ORCH_SERVER__PORT=0", "server.port"),
        Map.entry("ORCH_SERVER__PORT=70000", "server.port"),
        Map.entry("ORCH_SERVER__PORT=\"abc\"", "server.port"),
        Map.entry("ORCH_BUDGET__DAILY_LIMIT_USD=-1", "budget.daily_limit_usd"),
        Map.entry("ORCH_BUDGET__MONTHLY_LIMIT_USD=lots", "budget.monthly_limit_usd"),
        Map.entry("ORCH_ANTHROPIC__TIMEOUT=0", "anthropic.timeout"),
        Map.entry("ORCH_OLLAMA__GENERATE_TIMEOUT=-5", "ollama.generate_timeout"),
        Map.entry("ORCH_GIT__COMMAND_TIMEOUT=0", "git.command_timeout"),
        Map.entry("ORCH_AUTH__LOGIN_LOCKOUT_THRESHOLD=0", "auth.login_lockout_threshold"),
        Map.entry("ORCH_AUTH__LOGIN_LOCKOUT_WINDOW_SECONDS=0", "auth.login_lockout_window_seconds"),
        Map.entry("ORCH_SERVER__CORS_ORIGINS=[\"ftp://x\"]", "server.cors_origins"),
        Map.entry("ORCH_SERVER__RATE_LIMIT=fast", "server.rate_limit"),
        Map.entry("ORCH_ANTHROPIC__PLANNING_MODEL=claude-unpriced", "anthropic.planning_model"),
        Map.entry("ORCH_EXECUTION__VERIFICATION_MODEL=mystery", "execution.verification_model"),
        Map.entry("ORCH_AUTH__OIDC_PROVIDERS=[{\"name\": \"g\", \"issuer\": \"https://g\"}]",
            "auth.oidc_providers[0].client_id"),
        Map.entry("ORCH_DB__SYNCHRONOUS=SOMETIMES", "db.synchronous"));
    cases.forEach((assignment, key) -> {
      int eq = assignment.indexOf('=');
      var env = Map.of(assignment.substring(0, eq), assignment.substring(eq + 1));
      assertThatThrownBy(() -> valid(env)).as(assignment).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(key).hasMessageNotContaining("\n");
    });
  }

  @Test
  @DisplayName("git.command_timeout is only checked when git is enabled")
  void gitDisabled() {
    OrchConfig c = valid(Map.of("ORCH_GIT__ENABLED", "false", "ORCH_GIT__COMMAND_TIMEOUT", "0"));
    assertThat(c.raw().getJsonObject("git").getBoolean("enabled")).isFalse();
  }

  @Test
  @DisplayName("a missing or malformed config file is reported by path")
  void badFiles() throws IOException {
    assertThatThrownBy(() -> load(dir.resolve("nope.json"), Map.of())).hasMessageContaining("config file not found");
    Path broken = file("{not json");
    assertThatThrownBy(() -> load(broken, Map.of())).hasMessageContaining("not a JSON object");
  }

  @Test
  @DisplayName("rates parse in the contract's forms")
  void rates() {
    assertThat(RateSpec.parse("k", "60/minute")).isEqualTo(new RateSpec(60, java.time.Duration.ofMinutes(1)));
    assertThat(RateSpec.parse("k", "5 per second").window()).isEqualTo(java.time.Duration.ofSeconds(1));
    assertThat(RateSpec.parse("k", "100/hours").permits()).isEqualTo(100);
    assertThatThrownBy(() -> RateSpec.parse("k", "0/minute")).hasMessageStartingWith("k ");
  }

  @Test
  @DisplayName("toString never reveals secrets")
  void noSecretsInToString() {
    OrchConfig c = valid(Map.of("ORCH_AUTH__OIDC_PROVIDERS",
        "[{\"name\":\"g\",\"issuer\":\"https://g\",\"client_id\":\"id\",\"client_secret\":\"very-secret-value\"}]"));
    Consumer<String> noSecret = text -> assertThat(text).doesNotContain(SECRET).doesNotContain("very-secret-value");
    noSecret.accept(c.auth().toString());
    noSecret.accept(c.auth().oidcProviders().toString());
    noSecret.accept(c.toString());
  }
}
