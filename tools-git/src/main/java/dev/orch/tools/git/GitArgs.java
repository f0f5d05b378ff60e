package dev.orch.tools.git;

import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The model's arguments to the git tools. Nothing the model sends can become an option of git: refs
 * and paths may not start with {@code -}, refs hold only the characters of revision names, and paths
 * stay relative to the repository without {@code ..}. The command line also puts
 * {@code --end-of-options} before a ref and {@code --} before a path, and paths are literal pathspecs.
 */
final class GitArgs {
  /** Branch and tag names, hashes, {@code HEAD~2}, {@code main^}, {@code @{1}}, ranges {@code a..b}. */
  private static final Pattern REF = Pattern.compile("[A-Za-z0-9_./~^@{}+-]{1,200}");
  private static final Pattern SEPARATORS = Pattern.compile("[/\\\\]");

  private GitArgs() {}

  /** The optional ref {@code name}, checked; null when absent. */
  static String ref(JsonObject arguments, String name) {
    String ref = optionalString(arguments, name);
    if (ref == null) {
      return null;
    }
    if (ref.startsWith("-") || !REF.matcher(ref).matches()) {
      throw new ToolException("Refused: " + name + " '" + shown(ref) + "' is not a revision name (letters, digits,"
          + " and . _ / ~ ^ @ { } + -, not starting with '-'), e.g. HEAD~1, main or main..feature");
    }
    return ref;
  }

  /** The optional path {@code name}, relative to the repository; null when absent. */
  static String path(JsonObject arguments, String name) {
    String path = optionalString(arguments, name);
    if (path == null) {
      return null;
    }
    if (path.isBlank() || path.indexOf('\0') >= 0 || path.length() > 4096) {
      throw new ToolException("Refused: " + name + " is not a usable path");
    }
    if (path.startsWith("-")) {
      throw new ToolException("Refused: " + name + " may not start with '-'");
    }
    if (path.startsWith("/") || path.startsWith("\\") || path.matches("^[A-Za-z]:.*")) {
      throw new ToolException("Refused: " + name + " '" + shown(path) + "' is absolute; give a path relative to the"
          + " repository");
    }
    for (String segment : SEPARATORS.split(path)) {
      if (segment.equals("..")) {
        throw new ToolException("Refused: " + name + " '" + shown(path) + "' contains '..'");
      }
      if (segment.toLowerCase(Locale.ROOT).equals(".git")) {
        throw new ToolException("Refused: " + name + " '" + shown(path) + "' is under .git/");
      }
    }
    return path;
  }

  static boolean bool(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw new ToolException(name + " must be true or false");
    }
    return b;
  }

  static int count(JsonObject arguments, String name, int fallback, int max) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
      throw new ToolException(name + " must be a whole number from 1 to " + max);
    }
    return Math.min(n.intValue(), max);
  }

  private static String optionalString(JsonObject arguments, String name) {
    Object value = arguments.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ToolException(name + " must be a string");
    }
    return s;
  }

  static String shown(String text) {
    String oneLine = text.replace('\0', '?').replace('\n', ' ');
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
  }

  static JsonObject property(String type, String description) {
    return new JsonObject().put("type", type).put("description", description);
  }
}
