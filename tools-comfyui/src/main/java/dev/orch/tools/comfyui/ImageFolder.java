package dev.orch.tools.comfyui;

import dev.orch.tool.ToolException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Where images go: {@code images/} in the project folder. The folder must really be inside the project
 * folder (not a symbolic link out of it), and a file is created new, never written through a link.
 */
final class ImageFolder {
  static final String FOLDER = "images";

  private ImageFolder() {}

  /** Saves an image; returns its path relative to the project folder. Blocking. */
  static String save(Path workspace, String promptId, String comfyName, Buffer bytes) throws IOException {
    Path root = workspace.toRealPath();
    Path folder = root.resolve(FOLDER);
    if (Files.isSymbolicLink(folder)) {
      throw new ToolException("Refused: " + FOLDER + "/ in the project folder is a symbolic link");
    }
    if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("Refused: " + FOLDER + " in the project folder is a file, not a folder");
    }
    Files.createDirectories(folder);
    if (!folder.toRealPath().startsWith(root)) {
      throw new ToolException("Refused: " + FOLDER + "/ leads out of the project folder");
    }
    String name = promptId.replaceAll("[^A-Za-z0-9-]", "_") + "-" + safeName(comfyName);
    Path file = folder.resolve(name);
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      out.write(bytes.getBytes());
    }
    return FOLDER + "/" + name;
  }

  /** Letters, digits, '.', '_' and '-' only, never a path, never hidden, with an image extension. */
  static String safeName(String name) {
    String base = name.replaceAll(".*[/\\\\]", "").replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "");
    if (base.isEmpty()) {
      base = "image";
    }
    if (base.length() > 100) {
      base = base.substring(base.length() - 100);
    }
    String lower = base.toLowerCase(Locale.ROOT);
    boolean image = lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg") || lower.endsWith(".webp");
    return image ? base : base + ".png";
  }
}
