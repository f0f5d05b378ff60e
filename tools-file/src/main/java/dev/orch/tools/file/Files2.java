package dev.orch.tools.file;

import dev.orch.tool.ToolException;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
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
    } catch (FileSystemException e) {
      throw failure("read", shown, e);
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

  static SeekableByteChannel openRead(Path file, String shown) throws IOException {
    try {
      return Files.newByteChannel(file, READ);
    } catch (FileSystemException e) {
      throw failure("read", shown, e);
    }
  }

  /** Writes {@code bytes} to {@code file}, creating its folders; {@code shown} names it in a failure. */
  static void write(Path file, byte[] bytes, String shown) throws IOException {
    try {
      Files.createDirectories(file.getParent());
    } catch (FileAlreadyExistsException e) {
      throw new ToolException("Refused: a folder on the way to " + Sandbox.shown(shown) + " is a file");
    } catch (FileSystemException e) {
      throw failure("write", shown, e);
    }
    try (SeekableByteChannel out = Files.newByteChannel(file, WRITE)) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    } catch (FileSystemException e) {
      throw failure("write", shown, e);
    }
  }

  /**
   * A file-system refusal (permissions, a full or read-only disk) as a message for the model: the
   * reason, without the server's folders.
   */
  static ToolException failure(String verb, String shown, FileSystemException e) {
    String reason = e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
    return new ToolException("Cannot " + verb + " " + Sandbox.shown(shown) + ": " + reason);
  }
}
