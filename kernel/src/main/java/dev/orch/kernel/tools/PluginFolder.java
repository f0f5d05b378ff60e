package dev.orch.kernel.tools;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;

/**
 * The jars in the plugins folder, each with a fingerprint that changes when the file does. A periodic
 * scan is portable and simple where file-system events are not (network drives, containers, editors
 * that replace files).
 */
final class PluginFolder {
  private PluginFolder() {}

  /**
   * What identifies one state of a file: replacing it, rewriting it or appending to it changes the
   * fingerprint.
   */
  record Fingerprint(long size, long modifiedNanos, Object fileKey) {
    static Fingerprint of(BasicFileAttributes attrs) {
      return new Fingerprint(attrs.size(), attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
          attrs.fileKey());
    }
  }

  /**
   * The {@code *.jar} files directly in {@code dir} by file name, in name order; hidden files are
   * skipped (a copy in progress is often one). A missing folder holds nothing. Blocking.
   */
  static Map<String, Fingerprint> scan(Path dir) throws IOException {
    Map<String, Fingerprint> out = new TreeMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.jar")) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        try {
          BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
          if (attrs.isRegularFile()) {
            out.put(name, Fingerprint.of(attrs));
          }
        } catch (NoSuchFileException gone) {
          // Deleted between the listing and now: the next scan sees it gone.
        }
      }
    } catch (NoSuchFileException | NotDirectoryException missing) {
      return out;
    }
    return out;
  }
}
