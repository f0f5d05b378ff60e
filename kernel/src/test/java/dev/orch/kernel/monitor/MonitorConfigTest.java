package dev.orch.kernel.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The monitor's keys of API.md §16, read from the layered JSON. */
class MonitorConfigTest {

  private static MonitorConfig read(JsonObject raw) {
    return MonitorConfig.from(raw, () -> "");
  }

  private static JsonObject ollama(String key, String url) {
    return new JsonObject().put("ollama", new JsonObject().put("hosts", new JsonObject().put(key, url)));
  }

  @Test
  @DisplayName("defaults: no hosts, no key, the public API, a sweep every 30 s")
  void defaults() {
    MonitorConfig config = read(new JsonObject());
    assertThat(config.ollamaHosts()).isEmpty();
    assertThat(config.comfyuiHosts()).isEmpty();
    assertThat(config.anthropicApiKey()).isEmpty();
    assertThat(config.anthropicBaseUrl()).isEqualTo("https://api.anthropic.com");
    assertThat(config.interval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  @DisplayName("host URLs keep config order; a bare OLLAMA_HOST gets http and Ollama's port, a URL its scheme's")
  void hostUrls() {
    JsonObject raw = new JsonObject().put("ollama", new JsonObject().put("hosts", new JsonObject()
            .put("local", "http://localhost:11434/")
            .put("env", "0.0.0.0")
            .put("box", "gpu-box:9999")
            .put("tls", "https://ollama.example.com")
            .put("v6", "http://[::1]:11434")))
        .put("comfyui", new JsonObject().put("hosts", new JsonObject().put("local", "127.0.0.1")));
    MonitorConfig config = read(raw);
    assertThat(config.ollamaHosts()).containsExactly(
        new Host("local", "http://localhost:11434", "localhost", 11434),
        new Host("env", "http://0.0.0.0:11434", "0.0.0.0", 11434),
        new Host("box", "http://gpu-box:9999", "gpu-box", 9999),
        new Host("tls", "https://ollama.example.com:443", "ollama.example.com", 443),
        new Host("v6", "http://[::1]:11434", "::1", 11434));
    assertThat(config.comfyuiHosts()).containsExactly(new Host("local", "http://127.0.0.1:8188", "127.0.0.1", 8188));
  }

  @Test
  @DisplayName("a host that is not an http(s) URL, or a key unfit for an id, stops startup naming the key")
  void badHosts() {
    assertThatThrownBy(() -> read(ollama("local", "ftp://files.example.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ollama.hosts.local");
    assertThatThrownBy(() -> read(ollama("local", "")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ollama.hosts.local");
    assertThatThrownBy(() -> read(ollama("a/b", "http://localhost:11434")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ollama.hosts.a/b");
    assertThatThrownBy(() -> read(new JsonObject().put("comfyui", new JsonObject().put("hosts", "http://x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("comfyui.hosts");
  }

  @Test
  @DisplayName("the interval takes fractions and must be a number > 0")
  void interval() {
    assertThat(read(new JsonObject().put("resource_check_interval_sec", 0.25)).interval())
        .isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> read(new JsonObject().put("resource_check_interval_sec", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("resource_check_interval_sec");
    assertThatThrownBy(() -> read(new JsonObject().put("resource_check_interval_sec", "30")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("resource_check_interval_sec");
  }

  @Test
  @DisplayName("the Anthropic key is kept but never printed; a trailing slash leaves the base URL")
  void anthropic() {
    MonitorConfig config = read(new JsonObject().put("anthropic", new JsonObject()
        .put("api_key", " sk-ant-secret ").put("base_url", "http://127.0.0.1:9/")));
    assertThat(config.anthropicApiKey()).isEqualTo("sk-ant-secret");
    assertThat(config.anthropicBaseUrl()).isEqualTo("http://127.0.0.1:9");
    assertThat(config.toString()).doesNotContain("sk-ant-secret").contains("anthropicKeyConfigured=true");
  }
}
