package dev.orch.tools.rag.build;

import dev.orch.rag.Chunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a file into chunks of about {@link #MAX_CHARS} characters on line boundaries, each repeating
 * the last {@link #OVERLAP_CHARS} or so of the one before, so that a passage cut in two is still
 * whole in one of them. Markdown is cut before headings first; other text prefers blank lines. A
 * chunk of a source file is given the type it declares (or the last one declared before it in the
 * file) as its {@code type_name}, for {@code lookup_type}.
 */
final class Chunker {
  static final int MAX_CHARS = 1500;
  static final int OVERLAP_CHARS = 200;
  /** A chunk at least this long may end at a blank line or before a heading. */
  private static final int MIN_CHARS = 400;

  private static final Set<String> MARKDOWN = Set.of("md", "markdown", "mdx", "rst", "adoc");
  private static final Set<String> SOURCE = Set.of("java", "kt", "kts", "scala", "groovy", "cs", "fs", "vb", "ts",
      "tsx", "js", "jsx", "mjs", "py", "go", "rs", "swift", "c", "h", "cc", "cpp", "hpp", "m", "mm", "rb", "php",
      "dart", "verse", "proto", "thrift", "graphql", "sol", "ex", "exs", "erl", "hs", "ml", "clj", "lua", "zig");
  /** A type declared at the start of a line, after modifiers: {@code public final class Name}. */
  private static final Pattern TYPE = Pattern.compile("(?m)^[ \\t]*(?:(?:public|private|protected|internal|static"
      + "|final|abstract|sealed|non-sealed|open|data|inline|value|export|default|partial|readonly|declare|unsafe"
      + "|pub(?:\\([^)]*\\))?)\\s+)*(?:class|interface|enum|record|struct|trait|protocol|object|type|impl|union)"
      + "\\s+([A-Za-z_][A-Za-z0-9_]*)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s");

  private Chunker() {}

  /** The chunks of one file; {@code source} is their source tag. */
  static List<Chunk> chunks(String source, String path, String text) {
    String extension = extension(path);
    boolean markdown = MARKDOWN.contains(extension);
    boolean code = SOURCE.contains(extension);
    List<Chunk> out = new ArrayList<>();
    String type = null;
    for (String piece : pieces(lines(text), markdown)) {
      if (code) {
        Matcher declared = TYPE.matcher(piece);
        if (declared.find()) {
          type = declared.group(1);
        }
      }
      out.add(new Chunk(0, source, type, path, piece, null));
    }
    return out;
  }

  private static List<String> pieces(List<String> lines, boolean markdown) {
    List<String> out = new ArrayList<>();
    List<String> current = new ArrayList<>();
    int size = 0;
    for (String line : lines) {
      boolean heading = markdown && HEADING.matcher(line).find();
      boolean full = size + line.length() + 1 > MAX_CHARS;
      boolean natural = size >= MIN_CHARS && (heading || (!markdown && line.isBlank()));
      if (!current.isEmpty() && (full || natural)) {
        out.add(join(current));
        // A section that ends naturally starts the next one clean; one cut for size carries an overlap.
        current = full && !heading ? overlap(current) : new ArrayList<>();
        size = current.stream().mapToInt(l -> l.length() + 1).sum();
      }
      if (line.isBlank() && current.isEmpty()) {
        continue;
      }
      current.add(line);
      size += line.length() + 1;
    }
    if (!current.isEmpty() && !join(current).isBlank()) {
      out.add(join(current));
    }
    return out;
  }

  /** The last lines of {@code lines} that fit in the overlap, at least one unless it alone is too long. */
  private static List<String> overlap(List<String> lines) {
    List<String> tail = new ArrayList<>();
    int size = 0;
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (size + line.length() + 1 > OVERLAP_CHARS) {
        break;
      }
      tail.add(0, line);
      size += line.length() + 1;
    }
    return tail;
  }

  /** The text's lines, a line longer than a chunk cut into chunk-sized parts (minified code). */
  private static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1)) {
      String rest = line.stripTrailing();
      while (rest.length() > MAX_CHARS - OVERLAP_CHARS) {
        out.add(rest.substring(0, MAX_CHARS - OVERLAP_CHARS));
        rest = rest.substring(MAX_CHARS - OVERLAP_CHARS);
      }
      out.add(rest);
    }
    return out;
  }

  private static String join(List<String> lines) {
    return String.join("\n", lines).strip();
  }

  private static String extension(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
