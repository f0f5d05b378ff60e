package dev.orch.rag;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/** RAG database files as the original's ingesters write them: no meta table, optional gotcha column. */
final class OriginalFormat {
  private OriginalFormat() {}

  /** Writes a chunks table; each row: source, text, gotcha (or null), then the embedding. */
  static Path database(Path file, boolean withGotcha, Object[]... rows) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      c.createStatement().execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, source TEXT, type_name TEXT,"
          + " file_path TEXT, text TEXT, embedding BLOB" + (withGotcha ? ", gotcha TEXT" : "") + ")");
      var insert = c.prepareStatement("INSERT INTO chunks (source, text, embedding" + (withGotcha ? ", gotcha" : "")
          + ") VALUES (?, ?, ?" + (withGotcha ? ", ?" : "") + ")");
      for (Object[] row : rows) {
        insert.setString(1, (String) row[0]);
        insert.setString(2, (String) row[1]);
        insert.setBytes(3, Vectors.blob((float[]) row[3]));
        if (withGotcha) {
          insert.setString(4, (String) row[2]);
        }
        insert.executeUpdate();
      }
    }
    return file;
  }
}
