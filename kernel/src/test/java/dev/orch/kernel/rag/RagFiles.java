package dev.orch.kernel.rag;

import dev.orch.rag.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/** RAG database files for tests, as the original's ingester writes them. */
public final class RagFiles {
  private RagFiles() {}

  /** Writes a chunks table; each row: source, text, gotcha (or null), then the embedding. */
  public static Path database(Path file, boolean withGotcha, Object[]... rows) throws Exception {
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
