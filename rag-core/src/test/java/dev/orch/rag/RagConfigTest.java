package dev.orch.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RagConfigTest {
  @Test
  @DisplayName("defaults: no databases, 768 dimensions, nomic-embed-text within 30 s, top_k 5 of at most 20")
  void defaults() {
    RagConfig config = RagConfig.from(new JsonObject());
    assertThat(config.databases()).isEmpty();
    assertThat(config.embedDimensions()).isEqualTo(768);
    assertThat(config.embedModel()).isEqualTo("nomic-embed-text");
    assertThat(config.embedTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.ollamaHost()).isEmpty();
    assertThat(config.topK(null)).isEqualTo(5);
    assertThat(config.assumedEmbedding()).isEqualTo(new EmbeddingSpec("ollama", "nomic-embed-text", 768,
        "search_query: "));
  }

  @Test
  @DisplayName("databases by name in their order, the embedding size, the Ollama host, model and timeout are read")
  void read() {
    RagConfig config = RagConfig.from(new JsonObject()
        .put("rag", new JsonObject().put("databases", new JsonObject().put("zeta", "/data/zeta.db")
                .put("alpha", "alpha.db")).put("embed_dimensions", 384).put("default_top_k", 3).put("max_top_k", 7))
        .put("ollama", new JsonObject().put("embed_model", "all-minilm").put("embed_timeout", 2.5)
            .put("hosts", new JsonObject().put("server", "http://other:11434").put("local", "http://box:11434/"))));
    assertThat(config.databases()).isEqualTo(Map.of("zeta", "/data/zeta.db", "alpha", "alpha.db"));
    assertThat(List.copyOf(config.databases().keySet())).as("in the configured order").containsExactly("zeta", "alpha");
    assertThat(config.embedDimensions()).isEqualTo(384);
    assertThat(config.embedModel()).isEqualTo("all-minilm");
    assertThat(config.embedTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(config.ollamaHost()).isEqualTo("http://box:11434");
    assertThat(config.topK(null)).isEqualTo(3);
    assertThat(config.topK(0)).isEqualTo(1);
    assertThat(config.topK(50)).isEqualTo(7);
  }

  @Test
  @DisplayName("without a local host the OLLAMA_HOST one embeds, with http:// added to a bare host:port")
  void envHost() {
    RagConfig config = RagConfig.from(new JsonObject().put("ollama", new JsonObject()
        .put("hosts", new JsonObject().put("env", "gpu-box:11434"))));
    assertThat(config.ollamaHost()).isEqualTo("http://gpu-box:11434");
  }

  @Test
  @DisplayName("a wrong value names its key")
  void invalid() {
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject().put("databases", "x.db"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rag.databases");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject()
        .put("databases", new JsonObject().put("diagnostic", 3))))).hasMessageContaining("rag.databases.diagnostic");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject().put("embed_dimensions", 0))))
        .hasMessageContaining("rag.embed_dimensions");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("rag", new JsonObject().put("default_top_k", 30))))
        .hasMessageContaining("rag.default_top_k");
    assertThatThrownBy(() -> RagConfig.from(new JsonObject().put("ollama", new JsonObject().put("embed_timeout", -1))))
        .hasMessageContaining("ollama.embed_timeout");
  }
}
