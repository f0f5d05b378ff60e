package dev.orch.kernel.projects;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Requirement blocks: the requirements text split at blank lines, trimmed, empty ones dropped.
 * Block i (1-based) is requirement {@code R{i}}, for the planner and for coverage alike (API.md §3.4).
 */
public final class Requirements {
  private static final Pattern BLANK_LINE = Pattern.compile("\\r?\\n\\s*\\r?\\n");

  private Requirements() {}

  public static List<String> blocks(String requirements) {
    List<String> out = new ArrayList<>();
    if (requirements == null) {
      return out;
    }
    for (String block : BLANK_LINE.split(requirements)) {
      String trimmed = block.strip();
      if (!trimmed.isEmpty()) {
        out.add(trimmed);
      }
    }
    return out;
  }
}
