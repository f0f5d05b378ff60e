package dev.orch.tools.rag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Comparator;
import java.util.stream.Stream;
import org.pf4j.Plugin;

/**
 * The plugin's life cycle: at start, a folder of its own for the native library the offline model's
 * tokenizer unpacks (see {@link OnnxEmbedder#nativeDir}); at stop, the indexes are dropped, the
 * plugin's SQLite driver (which registers itself with the JVM-wide DriverManager) is deregistered so
 * it does not hold the unloaded plugin in memory, and the folder is removed.
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
    ClassLoader own = getClass().getClassLoader();
    for (Driver driver : Collections.list(DriverManager.getDrivers())) {
      if (driver.getClass().getClassLoader() == own) {
        try {
          DriverManager.deregisterDriver(driver);
        } catch (SQLException e) {
          log.debug("sqlite driver not deregistered [reason: {}]", e.getMessage());
        }
      }
    }
    if (nativeDir != null) {
      try (Stream<Path> files = Files.walk(nativeDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        log.debug("native library folder not removed [reason: {}]", e.getMessage());
      }
    }
  }
}
