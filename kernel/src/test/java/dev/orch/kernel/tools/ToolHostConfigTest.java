package dev.orch.kernel.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.ConfigLoader;
import dev.orch.kernel.config.OrchConfig;
import dev.orch.kernel.executor.ExecutorConfig;
import dev.orch.kernel.monitor.MonitorConfig;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the tool host reads from the configuration, and what each plugin is given. */
class ToolHostConfigTest {

  static ToolHostConfig of(Map<String, String> env) {
    JsonObject json = ConfigLoader.load(TestKernel.repoRoot().resolve("conf/config.json"), null, env);
    json.getJsonObject("auth").put("secret_key", TestKernel.SECRET);
    OrchConfig config = OrchConfig.from(json, Path.of("/srv/orch"));
    return ToolHostConfig.from(config, MonitorConfig.from(json), ExecutorConfig.from(json));
  }

  @Test
  @DisplayName("conf/config.json's defaults: the plugins folder, a 2 s scan, 30 s to start, 120 s per call")
  void defaults() {
    ToolHostConfig config = of(Map.of());
    assertThat(config.pluginsDir()).isEqualTo(Path.of("/srv/orch/plugins"));
    assertThat(config.dataDir()).isEqualTo(Path.of("/srv/orch/data"));
    assertThat(config.scanIntervalMs()).isEqualTo(2_000);
    assertThat(config.startTimeoutMs()).isEqualTo(30_000);
    assertThat(config.toolTimeoutMs()).isEqualTo(120_000);
    assertThat(config.shutdownGraceMs()).isEqualTo(30_000);
    assertThat(of(Map.of("ORCH_PLUGINS_DIR", "/opt/orch-plugins")).pluginsDir()).isEqualTo(Path.of("/opt/orch-plugins"));
  }

  @Test
  @DisplayName("a plugin gets its own section tools.<id> plus the shared service sections, and nothing else")
  void pluginConfiguration() {
    JsonObject file = of(Map.of("ANTHROPIC_API_KEY", "sk-secret")).forPlugin("file");
    assertThat(file.fieldNames()).containsExactlyInAnyOrder("max_write_bytes", "max_list_entries", "ollama", "comfyui",
        "git", "rag");
    assertThat(file.getLong("max_write_bytes")).isEqualTo(1_048_576);
    assertThat(file.getJsonObject("git").getInteger("command_timeout")).isEqualTo(30);
    assertThat(file.encode()).doesNotContain("sk-secret").doesNotContain(TestKernel.SECRET);
    assertThat(of(Map.of()).forPlugin("someone-else").fieldNames()).containsExactlyInAnyOrder("ollama", "comfyui",
        "git", "rag");
  }

  @Test
  @DisplayName("Ollama and ComfyUI hosts are handed over as the monitor checks them, OLLAMA_HOST included")
  void hosts() {
    JsonObject ollama = of(Map.of("OLLAMA_HOST", "gpu-box:11500")).forPlugin("ollama").getJsonObject("ollama");
    assertThat(ollama.getJsonObject("hosts")).isEqualTo(new JsonObject().put("local", "http://localhost:11434")
        .put("env", "http://gpu-box:11500"));
    assertThat(ollama.getString("default_model")).isEqualTo("qwen2.5-coder:14b");
  }

  @Test
  @DisplayName("an invalid value stops startup naming its key")
  void invalid() {
    assertThatThrownBy(() -> of(Map.of("ORCH_PLUGINS__SCAN_INTERVAL_SEC", "0"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("plugins.scan_interval_sec");
    assertThatThrownBy(() -> of(Map.of("ORCH_TOOLS__FILE", "12"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tools.file must be an object");
    assertThatThrownBy(() -> of(Map.of("ORCH_TOOLS__FILE", "{\"ollama\": {}}"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("tools.file.ollama is reserved");
  }
}
