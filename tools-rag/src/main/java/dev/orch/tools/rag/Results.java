package dev.orch.tools.rag;

import dev.orch.rag.Chunk;
import dev.orch.rag.RagIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The tools' answers, as the original formats them (API.md §15.2): per chunk a header
 * {@code --- [Source: … | Type: … | File: …] (score: 0.xxx) ---} naming only what the chunk has,
 * then its text; chunks separated by a blank line.
 */
final class Results {
  static final String NONE = "No results found.";

  private Results() {}

  static String matches(List<RagIndex.Match> matches) {
    if (matches.isEmpty()) {
      return NONE;
    }
    List<String> parts = new ArrayList<>();
    for (RagIndex.Match m : matches) {
      parts.add(header(m.chunk(), String.format(Locale.ROOT, " (score: %.3f)", m.score()))
          + Objects.toString(m.text(), ""));
    }
    return String.join("\n\n", parts);
  }

  static String chunks(List<Chunk> chunks, String name) {
    if (chunks.isEmpty()) {
      return "No results for '" + name + "'.";
    }
    List<String> parts = new ArrayList<>();
    for (Chunk c : chunks) {
      parts.add(header(c, "") + Objects.toString(c.text(), ""));
    }
    return String.join("\n\n", parts);
  }

  private static String header(Chunk c, String score) {
    List<String> fields = new ArrayList<>();
    if (c.source() != null && !c.source().isEmpty()) {
      fields.add("Source: " + c.source());
    }
    if (c.typeName() != null && !c.typeName().isEmpty()) {
      fields.add("Type: " + c.typeName());
    }
    if (c.filePath() != null && !c.filePath().isEmpty()) {
      fields.add("File: " + c.filePath());
    }
    return "--- [" + String.join(" | ", fields) + "]" + score + " ---\n";
  }
}
