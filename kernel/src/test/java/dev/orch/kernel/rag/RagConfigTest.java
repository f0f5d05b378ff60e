package dev.orch.kernel.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RagConfigTest {
  @Test
  @DisplayName("defaults: no databases, 768 dimensions, nomic-embed-text within 30 s")
  void defaults() {
    RagConfig config = RagConfig.from(new JsonObject());
    assertThat(config.databases()).isEmpty();
    assertThat(config.embedDimensions()).isEqualTo(768);
    assertThat(config.embedModel()).isEqualTo("nomic-embed-text");
    assertThat(config.embedTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  @DisplayName("databases by name, the embedding size and the Ollama model are read")
  void read() {
    RagConfig config = RagConfig.from(new JsonObject()
        .put("rag", new JsonObject().put("databases", new JsonObject().put("diagnostic", "/data/diag.db"))
            .put("embed_dimensions", 384))
        .put("ollama", new JsonObject().put("embed_model", "all-minilm").put("embed_timeout", 2.5)));
    assertThat(config.databases()).isEqualTo(Map.of("diagnostic", "/data/diag.db"));
    assertThat(config.embedDimensions()).isEqualTo(384);
    assertThat(config.embedModel()).isEqualTo("all-minilm");
    assertThat(config.embedTimeout()).isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  @DisplayName("a wrong value names its key")
  void invalid() {
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject().put("databases", "x.db"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rag.databases");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject()
        .put("databases", new JsonObject().put("diagnostic", 3))))).hasMessageContaining("rag.databases.diagnostic");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject().put("embed_dimensions", 0))))
        .hasMessageContaining("rag.embed_dimensions");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("ollama", new JsonObject().put("embed_timeout", -1))))
        .hasMessageContaining("ollama.embed_timeout");
  }
}
