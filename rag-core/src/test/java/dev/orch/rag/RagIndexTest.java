package dev.orch.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory embedding index over a real SQLite file. */
@ExtendWith(VertxExtension.class)
class RagIndexTest {
  private static final EmbeddingSpec THREE = EmbeddingSpec.ollama("nomic-embed-text", 3);
  private static final EmbeddingSpec TWO = EmbeddingSpec.ollama("nomic-embed-text", 2);

  @TempDir Path dir;

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the closest chunks come first, scored by cosine; a chunk of another size is left out")
  void cosineOrder(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("d.db"), true,
        new Object[] {"a", "east", "mind the gap", new float[] {1, 0, 0}},
        new Object[] {"b", "north", null, new float[] {0, 2, 0}},
        new Object[] {"c", "north-east", null, new float[] {1, 1, 0}},
        new Object[] {"d", "wrong size", null, new float[] {1, 0}});
    RagIndex index = new RagIndex(vertx, "d", file, THREE);
    var best = await(index.search(THREE, new float[] {3, 0.3f, 0}, 2, null));
    assertThat(best).extracting(RagIndex.Match::text).containsExactly("east", "north-east");
    assertThat(best.get(0).score()).isCloseTo(3 / Math.sqrt(9.09), offset(1e-6));
    assertThat(best.get(0).gotcha()).isEqualTo("mind the gap");
    assertThat(best.get(0).source()).isEqualTo("a");
  }

  @Test
  @DisplayName("a source filter keeps only that exact source, and chunks pointing away (cosine < 0) are never results")
  void sourceFilterAndNegatives(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("d.db"), false,
        new Object[] {"docs", "east", null, new float[] {1, 0, 0}},
        new Object[] {"code", "east by code", null, new float[] {1, 0.1f, 0}},
        new Object[] {"docs2", "also east", null, new float[] {1, 0.2f, 0}},
        new Object[] {"docs", "west", null, new float[] {-1, 0, 0}});
    RagIndex index = new RagIndex(vertx, "d", file, THREE);
    assertThat(await(index.search(THREE, new float[] {1, 0, 0}, 10, "docs")))
        .extracting(RagIndex.Match::text).containsExactly("east");
    assertThat(await(index.search(THREE, new float[] {1, 0, 0}, 10, "")))
        .extracting(RagIndex.Match::text).containsExactly("east", "east by code", "also east");
  }

  @Test
  @DisplayName("a database without a gotcha column reads, with no gotchas")
  void noGotchaColumn(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("plain.db"), false, new Object[] {"a", "only", null, new float[] {0, 1}});
    var best = await(new RagIndex(vertx, "plain", file, TWO).search(TWO, new float[] {0, 5}, 3, null));
    assertThat(best).singleElement().satisfies(m -> {
      assertThat(m.score()).isCloseTo(1.0, offset(1e-6));
      assertThat(m.gotcha()).isNull();
    });
  }

  @Test
  @DisplayName("a missing file or a query of the wrong size fails the search, clearly")
  void failures(Vertx vertx) throws Exception {
    assertThatThrownBy(() -> await(new RagIndex(vertx, "none", dir.resolve("none.db"), THREE)
        .search(THREE, new float[] {1, 0, 0}, 1, null)))
        .isInstanceOf(RagIndex.Unavailable.class).hasMessageContaining("'none'").hasMessageContaining("no such file")
        .hasMessageNotContaining(dir.toString());
    Path file = OriginalFormat.database(dir.resolve("d.db"), true, new Object[] {"a", "east", null, new float[] {1, 0, 0}});
    assertThatThrownBy(() -> await(new RagIndex(vertx, "d", file, THREE).search(THREE, new float[] {1, 0}, 1, null)))
        .isInstanceOf(RagIndex.ModelMismatch.class).hasMessageContaining("2 dimensions");
  }

  @Test
  @DisplayName("the index loads on first use, not before, and says so on the bus")
  void lazy(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("d.db"), false, new Object[] {"a", "east", null, new float[] {1, 0, 0}});
    Promise<JsonObject> heard = Promise.promise();
    vertx.eventBus().<JsonObject>consumer(RagAddresses.INDEX_CHANGED, m -> heard.tryComplete(m.body()))
        .completion().await();
    RagIndex index = new RagIndex(vertx, "lazy", file, THREE);
    assertThat(index.status()).isEqualTo(RagIndex.Status.UNLOADED);

    assertThat(await(index.embedding())).isEqualTo(THREE);

    assertThat(index.status()).isEqualTo(RagIndex.Status.LOADED);
    assertThat(await(heard.future())).isEqualTo(new JsonObject().put("database", "lazy").put("status", "loaded"));
  }

  @Test
  @DisplayName("a failed load is not tried again for a minute, then it is, and the index works")
  void retryAfterAMinute(Vertx vertx) throws Exception {
    Path file = dir.resolve("late.db");
    ManualClock clock = new ManualClock();
    RagIndex index = new RagIndex(vertx, "late", file, THREE, clock);
    assertThatThrownBy(() -> await(index.embedding())).isInstanceOf(RagIndex.Unavailable.class)
        .hasMessageContaining("no such file");
    assertThat(index.status()).isEqualTo(RagIndex.Status.FAILED);

    OriginalFormat.database(file, false, new Object[] {"a", "east", null, new float[] {1, 0, 0}});
    clock.advance(Duration.ofSeconds(59));
    assertThatThrownBy(() -> await(index.search(THREE, new float[] {1, 0, 0}, 1, null)))
        .as("within the minute the failure stands, though the file is there now")
        .isInstanceOf(RagIndex.Unavailable.class).hasMessageContaining("no such file");
    assertThat(index.status()).isEqualTo(RagIndex.Status.FAILED);

    clock.advance(Duration.ofSeconds(1));
    assertThat(await(index.search(THREE, new float[] {1, 0, 0}, 1, null))).extracting(RagIndex.Match::text)
        .containsExactly("east");
    assertThat(index.status()).isEqualTo(RagIndex.Status.LOADED);
  }

  @Test
  @DisplayName("a database made by another model is never searched with this query: refused, naming both models")
  void modelMismatch(Vertx vertx) throws Exception {
    EmbeddingSpec minilm = new EmbeddingSpec("onnx", "all-minilm-l6-v2-q", 3, "");
    Path file = dir.resolve("onnx.db");
    try (RagWriter writer = RagWriter.create(file, minilm)) {
      writer.add(new Chunk(0, "s", null, null, "east", null), new float[] {1, 0, 0});
      writer.finish();
    }
    RagIndex index = new RagIndex(vertx, "docs", file, THREE);
    assertThat(await(index.embedding())).as("the recorded model wins over the assumed one").isEqualTo(minilm);

    assertThatThrownBy(() -> await(index.search(THREE, new float[] {1, 0, 0}, 1, null)))
        .isInstanceOf(RagIndex.ModelMismatch.class)
        .hasMessage("RAG database 'docs' was made with the offline ONNX model 'all-minilm-l6-v2-q' (3 dimensions),"
            + " and its vectors cannot be compared with the Ollama model 'nomic-embed-text' (3 dimensions)'s");
    assertThat(await(index.search(minilm, new float[] {1, 0, 0}, 1, null))).hasSize(1);
  }

  @Test
  @DisplayName("a database rebuilt on disk is read again on the next search")
  void rebuilt(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("d.db"), false, new Object[] {"a", "old", null, new float[] {1, 0, 0}});
    RagIndex index = new RagIndex(vertx, "d", file, THREE);
    assertThat(await(index.search(THREE, new float[] {1, 0, 0}, 1, null))).extracting(RagIndex.Match::text)
        .containsExactly("old");

    Path next = OriginalFormat.database(dir.resolve("next.db"), false,
        new Object[] {"a", "new", null, new float[] {1, 0, 0}});
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    assertThat(await(index.search(THREE, new float[] {1, 0, 0}, 1, null))).extracting(RagIndex.Match::text)
        .containsExactly("new");
  }

  @Test
  @DisplayName("searching never writes to the file")
  void readOnly(Vertx vertx) throws Exception {
    Path file = OriginalFormat.database(dir.resolve("d.db"), false, new Object[] {"a", "east", null, new float[] {1, 0, 0}});
    byte[] before = Files.readAllBytes(file);
    var modified = Files.getLastModifiedTime(file);
    await(new RagIndex(vertx, "d", file, THREE).search(THREE, new float[] {1, 0, 0}, 1, null));
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(modified);
    assertThat(dir.resolve("d.db-journal")).doesNotExist();
  }
}
