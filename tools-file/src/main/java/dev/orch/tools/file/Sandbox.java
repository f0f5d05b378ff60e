package dev.orch.tools.file;

import dev.orch.tool.ToolException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One project's folder, and the only way a model-supplied path becomes a file in it. Refused, each
 * with a message for the model: a NUL character, an absolute path, a {@code ..} segment, anything
 * under {@code .git/}, and a symbolic link (in the path or in any parent folder) that leads out of the
 * folder.
 *
 * <p>A path is resolved against the folder's real path; its nearest existing ancestor is resolved
 * with {@link Path#toRealPath} and must stay inside. Callers open the result with
 * {@link LinkOption#NOFOLLOW_LINKS}, so a link swapped in for the last component after the check is
 * not followed.
 */
final class Sandbox {
  static final int MAX_PATH_CHARS = 4096;
  private static final Pattern SEPARATORS = Pattern.compile("[/\\\\]");
  private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

  private final Path root;

  private Sandbox(Path root) {
    this.root = root;
  }

  /** The sandbox of {@code workspace}, which must exist. Blocking. */
  static Sandbox of(Path workspace) throws IOException {
    return new Sandbox(workspace.toRealPath());
  }

  Path root() {
    return root;
  }

  /**
   * The file or folder {@code raw} names inside the sandbox; it need not exist. Blocking.
   *
   * @throws ToolException when the path is refused
   */
  Path resolve(String raw) throws IOException {
    String text = checkText(raw);
    Path lexical;
    try {
      lexical = root.resolve(text).normalize();
    } catch (InvalidPathException e) {
      throw new ToolException("Refused: '" + shown(raw) + "' is not a valid path");
    }
    Path existing = lexical;
    while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    Path real;
    try {
      real = existing.toRealPath();
    } catch (NoSuchFileException dangling) {
      throw new ToolException("Refused: '" + shown(raw) + "' goes through a symbolic link that points nowhere");
    }
    if (!real.startsWith(root)) {
      throw new ToolException("Refused: '" + shown(raw) + "' leads out of the project folder through a symbolic link");
    }
    if (!existing.equals(lexical) && !Files.isDirectory(real)) {
      throw new ToolException("Refused: a folder on the way to " + shown(raw) + " is a file");
    }
    Path resolved = real.resolve(existing.relativize(lexical));
    if (underGit(root.relativize(resolved))) {
      throw new ToolException("Refused: '" + shown(raw) + "' leads into .git/, which is off limits");
    }
    return resolved;
  }

  /** {@code path} relative to the sandbox, with forward slashes, as the model should write it. */
  String relative(Path path) {
    String rel = root.relativize(path).toString().replace('\\', '/');
    return rel.isEmpty() ? "." : rel;
  }

  private static String checkText(String raw) {
    if (raw == null || raw.isBlank()) {
      throw new ToolException("path is required: a path relative to the project folder, e.g. src/Main.java");
    }
    if (raw.indexOf('\0') >= 0) {
      throw new ToolException("Refused: the path contains a NUL character");
    }
    if (raw.length() > MAX_PATH_CHARS) {
      throw new ToolException("Refused: the path is longer than " + MAX_PATH_CHARS + " characters");
    }
    String text = raw.strip();
    if (text.startsWith("/") || text.startsWith("\\") || DRIVE.matcher(text).matches() || isAbsolute(text)) {
      throw new ToolException("Refused: '" + shown(raw) + "' is an absolute path; give a path relative to the"
          + " project folder, e.g. src/Main.java");
    }
    for (String segment : SEPARATORS.split(text)) {
      if (segment.equals("..")) {
        throw new ToolException("Refused: '" + shown(raw) + "' contains '..'; paths stay inside the project folder");
      }
      if (isGit(segment)) {
        throw new ToolException("Refused: '" + shown(raw) + "' is under .git/, which is off limits");
      }
    }
    return text.replace('\\', '/');
  }

  private static boolean isAbsolute(String text) {
    try {
      return Path.of(text).isAbsolute();
    } catch (InvalidPathException e) {
      throw new ToolException("Refused: '" + shown(text) + "' is not a valid path");
    }
  }

  private static boolean underGit(Path relative) {
    for (Path segment : relative) {
      if (isGit(segment.toString())) {
        return true;
      }
    }
    return false;
  }

  // Case-insensitive: on macOS and Windows ".GIT" is the same folder.
  private static boolean isGit(String segment) {
    return segment.toLowerCase(Locale.ROOT).equals(".git");
  }

  /** The path as given, shortened for a message. */
  static String shown(String raw) {
    String oneLine = raw.replace('\0', '?').replace('\n', ' ');
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
  }
}
