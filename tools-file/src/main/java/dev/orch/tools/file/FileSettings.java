package dev.orch.tools.file;

import dev.orch.tool.ToolException;
import io.vertx.core.json.JsonObject;

/**
 * The plugin's limits, from its config section {@code tools.file}.
 *
 * @param maxWriteBytes {@code tools.file.max_write_bytes}: the largest file write_file and edit_file
 *     write, in UTF-8 bytes
 * @param maxListEntries {@code tools.file.max_list_entries}: the most entries list_files returns
 */
record FileSettings(long maxWriteBytes, int maxListEntries) {
  static final long DEFAULT_MAX_WRITE_BYTES = 1_048_576;
  static final int DEFAULT_MAX_LIST_ENTRIES = 1_000;
  /** read_file cuts longer files here (API.md §15.2). */
  static final int MAX_READ_CHARS = 50_000;

  static FileSettings from(JsonObject config) {
    return new FileSettings(positive(config, "max_write_bytes", DEFAULT_MAX_WRITE_BYTES),
        (int) Math.min(Integer.MAX_VALUE, positive(config, "max_list_entries", DEFAULT_MAX_LIST_ENTRIES)));
  }

  private static long positive(JsonObject config, String key, long fallback) {
    Object value = config.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() >= 1 && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new ToolException("The server's setting tools.file." + key + " is invalid (" + value
        + "); ask the operator to fix it");
  }
}
