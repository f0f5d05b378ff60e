package dev.orch.kernel.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A RAG database as the original writes it: SQLite chunks with little-endian float32 embeddings. */
@ExtendWith(VertxExtension.class)
class RagIndexTest {
  @TempDir Path dir;

  @Test
  @DisplayName("the closest chunks come first, scored by cosine; a chunk of another size is left out")
  void cosineOrder(Vertx vertx) throws Exception {
    Path file = RagFiles.database(dir.resolve("d.db"), true,
        new Object[] {"a", "east", "mind the gap", new float[] {1, 0, 0}},
        new Object[] {"b", "north", null, new float[] {0, 2, 0}},
        new Object[] {"c", "north-east", null, new float[] {1, 1, 0}},
        new Object[] {"d", "wrong size", null, new float[] {1, 0}});
    RagIndex index = new RagIndex(vertx, "d", file, 3);
    var best = index.search(new float[] {3, 0.3f, 0}, 2).await(10, TimeUnit.SECONDS);
    assertThat(best).extracting(RagIndex.Match::text).containsExactly("east", "north-east");
    assertThat(best.get(0).score()).isCloseTo(3 / Math.sqrt(9.09), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(best.get(0).gotcha()).isEqualTo("mind the gap");
    assertThat(best.get(0).source()).isEqualTo("a");
  }

  @Test
  @DisplayName("a database without a gotcha column reads, with no gotchas")
  void noGotchaColumn(Vertx vertx) throws Exception {
    Path file = RagFiles.database(dir.resolve("plain.db"), false, new Object[] {"a", "only", null, new float[] {0, 1}});
    var best = new RagIndex(vertx, "plain", file, 2).search(new float[] {0, 5}, 3).await(10, TimeUnit.SECONDS);
    assertThat(best).singleElement().satisfies(m -> {
      assertThat(m.score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(m.gotcha()).isNull();
    });
  }

  @Test
  @DisplayName("a missing file or a query of the wrong size fails the search, clearly")
  void failures(Vertx vertx) throws Exception {
    assertThatThrownBy(() -> new RagIndex(vertx, "none", dir.resolve("none.db"), 3).search(new float[] {1, 0, 0}, 1)
        .await(10, TimeUnit.SECONDS)).hasMessageContaining("no such file");
    Path file = RagFiles.database(dir.resolve("d.db"), true, new Object[] {"a", "east", null, new float[] {1, 0, 0}});
    assertThatThrownBy(() -> new RagIndex(vertx, "d", file, 3).search(new float[] {1, 0}, 1).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("2 dimensions");
  }
}
