package dev.orch.tools.rag.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The text files under a folder, for {@code orch rag build}: UTF-8 text of any kind (Markdown, source,
 * plain text), in a stable order. Left out: version-control and build-output folders, symbolic links
 * (which could lead outside the folder), files over {@link #MAX_BYTES}, and binary files (a NUL byte,
 * or bytes that are not UTF-8).
 */
final class SourceFiles {
  /** Larger files are generated or data, not knowledge. */
  static final long MAX_BYTES = 1024 * 1024;
  static final Set<String> IGNORED_FOLDERS = Set.of(".git", ".hg", ".svn", "target", "node_modules");

  /** A text file: its path relative to the root, with '/' separators, and its text. */
  record SourceFile(String path, String text) {}

  /** What a walk found and what it left out. */
  record Found(List<SourceFile> files, int binary, int huge, int unreadable) {}

  private SourceFiles() {}

  static Found collect(Path root) throws IOException {
    List<SourceFile> files = new ArrayList<>();
    int[] skipped = new int[3];
    Files.walkFileTree(root, new FileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return !dir.equals(root) && IGNORED_FOLDERS.contains(dir.getFileName().toString())
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (!attrs.isRegularFile()) {
          return FileVisitResult.CONTINUE; // symbolic links (not followed) and special files
        }
        if (attrs.size() > MAX_BYTES) {
          skipped[1]++;
          return FileVisitResult.CONTINUE;
        }
        try {
          String text = text(Files.readAllBytes(file));
          if (text == null) {
            skipped[0]++;
          } else if (!text.isBlank()) {
            files.add(new SourceFile(relative(root, file), text));
          }
        } catch (IOException e) {
          skipped[2]++;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        skipped[2]++;
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort((a, b) -> a.path().compareTo(b.path()));
    return new Found(files, skipped[0], skipped[1], skipped[2]);
  }

  /** The UTF-8 text of {@code bytes}, or null when they look binary. */
  static String text(byte[] bytes) {
    for (byte b : bytes) {
      if (b == 0) {
        return null;
      }
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String relative(Path root, Path file) {
    List<String> parts = new ArrayList<>();
    root.relativize(file).forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }
}
