package dev.orch.tools.rag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.pf4j.Plugin;

/**
 * The plugin's life cycle: at start, a folder of its own for the native library the offline model's
 * tokenizer unpacks (see {@link OnnxEmbedder#nativeDir}); at stop, the indexes are dropped and the
 * folder removed.
 */
public final class RagPlugin extends Plugin {
  private Path nativeDir;

  @Override
  public void start() {
    try {
      nativeDir = Files.createTempDirectory("orch-tools-rag-");
      OnnxEmbedder.nativeDir(nativeDir);
    } catch (IOException e) {
      log.warn("no private folder for native libraries, using the shared cache [reason: {}]", e.getMessage());
    }
  }

  @Override
  public void stop() {
    RagRuntime.shutdown();
    if (nativeDir != null) {
      try (Stream<Path> files = Files.walk(nativeDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        log.debug("native library folder not removed [reason: {}]", e.getMessage());
      }
    }
  }
}
