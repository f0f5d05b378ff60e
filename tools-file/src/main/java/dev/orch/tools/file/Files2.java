package dev.orch.tools.file;

import dev.orch.tool.ToolException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/** File operations that never follow a symbolic link in the last path component. */
final class Files2 {
  private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
      StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);

  private Files2() {}

  /** The attributes of {@code file}; a missing file is a message naming {@code shown}. */
  static BasicFileAttributes attributes(Path file, String shown) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new ToolException("File not found: " + Sandbox.shown(shown));
    }
  }

  /** The attributes of {@code file}, or null when it does not exist. */
  static BasicFileAttributes attributesOrNull(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  static SeekableByteChannel openRead(Path file) throws IOException {
    return Files.newByteChannel(file, READ);
  }

  /** Writes {@code bytes} to {@code file}, creating its folders. */
  static void write(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    try (SeekableByteChannel out = Files.newByteChannel(file, WRITE)) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
  }
}
