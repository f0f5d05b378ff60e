package dev.orch.tools.rag;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.orch.rag.EmbeddingSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline embedding model: all-MiniLM-L6-v2 (quantized, 384 dimensions), shipped in the plugin jar
 * and run in-process by ONNX Runtime, so search works with no network and no Ollama. The model is
 * loaded once per plugin load, on first use, on a worker thread (a second or two).
 */
public final class OnnxEmbedder implements Embedder {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxEmbedder.class);
  /** What databases made with this model record. */
  public static final EmbeddingSpec SPEC = new EmbeddingSpec(EmbeddingSpec.ONNX, "all-minilm-l6-v2-q", 384, "");
  /** DJL's tokenizer library reads this for where to unpack its native library. */
  private static final String NATIVE_DIR_PROPERTY = "ENGINE_CACHE_DIR";

  private static EmbeddingModel model;
  private static Path nativeDir;

  private final Vertx vertx;

  public OnnxEmbedder(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Where this plugin load unpacks the tokenizer's native library; null for DJL's shared cache.
   * A native library is bound to the first class loader that loads it from a given file, so a plugin
   * loaded again in the same JVM (replaced while the server runs) needs a file of its own.
   */
  static synchronized void nativeDir(Path dir) {
    nativeDir = dir;
  }

  @Override
  public Future<List<float[]>> embed(List<String> texts) {
    return vertx.executeBlocking(() -> embedNow(texts), false);
  }

  /** The vectors of {@code texts}, on the calling thread. */
  static List<float[]> embedNow(List<String> texts) {
    return model().embedAll(texts.stream().map(TextSegment::from).toList()).content().stream()
        .map(e -> e.vector()).toList();
  }

  static synchronized EmbeddingModel model() {
    if (model == null) {
      long start = System.nanoTime();
      Thread thread = Thread.currentThread();
      ClassLoader caller = thread.getContextClassLoader();
      String property = System.getProperty(NATIVE_DIR_PROPERTY);
      // DJL finds its native library through the context class loader: inside PF4J that must be the
      // plugin's, which holds the library, not the kernel's.
      thread.setContextClassLoader(OnnxEmbedder.class.getClassLoader());
      if (nativeDir != null && System.getenv(NATIVE_DIR_PROPERTY) == null) {
        System.setProperty(NATIVE_DIR_PROPERTY, nativeDir.toString());
      }
      try {
        // The calling thread embeds: no pool of the model's own to outlive the plugin.
        model = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
      } finally {
        thread.setContextClassLoader(caller);
        if (nativeDir != null) {
          if (property == null) {
            System.clearProperty(NATIVE_DIR_PROPERTY);
          } else {
            System.setProperty(NATIVE_DIR_PROPERTY, property);
          }
        }
      }
      LOG.info("offline embedding model loaded [model: {}, ms: {}]", SPEC.model(), (System.nanoTime() - start) / 1_000_000);
    }
    return model;
  }
}
