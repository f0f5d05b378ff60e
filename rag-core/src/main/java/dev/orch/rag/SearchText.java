package dev.orch.rag;

import java.util.regex.Pattern;

/**
 * User text made safe for the two query languages it meets, so that it is always searched for as
 * written and never read as syntax: a LIKE pattern with its wildcards escaped, and an FTS5 phrase with
 * the operators taken out and the rest quoted. Either way the result is bound as a parameter, never
 * spliced into SQL.
 */
public final class SearchText {
  /** What FTS5 could read as syntax: everything but letters, digits, '_' and spaces. */
  private static final Pattern FTS_SYNTAX = Pattern.compile("[^\\p{L}\\p{N}_\\s]+");
  private static final Pattern FTS_KEYWORDS = Pattern.compile("(?i)\\b(AND|OR|NOT|NEAR)\\b");

  private SearchText() {}

  /**
   * A LIKE pattern matching text that contains {@code text}, for {@code LIKE ? ESCAPE '\'}: {@code %},
   * {@code _} and {@code \} in it match only themselves.
   */
  public static String likeContains(String text) {
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
  }

  /**
   * An FTS5 query for the words of {@code text} as one phrase: punctuation (FTS5's operators and
   * column filters among it) and the keywords AND, OR, NOT, NEAR are dropped, the rest is quoted.
   * Empty when no word is left.
   */
  public static String ftsPhrase(String text) {
    String words = FTS_KEYWORDS.matcher(FTS_SYNTAX.matcher(text).replaceAll(" ")).replaceAll(" ")
        .trim().replaceAll("\\s+", " ");
    return words.isEmpty() ? "" : "\"" + words.replace("\"", "\"\"") + "\"";
  }
}
