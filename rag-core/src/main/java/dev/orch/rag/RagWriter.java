package dev.orch.rag;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * Writes a new RAG database in our layout ({@link RagSchema}): chunks with their embeddings, the FTS5
 * index and the {@code meta} record of the embedding model. One transaction; blocking, for a worker
 * or a command-line tool.
 */
public final class RagWriter implements AutoCloseable {
  private static final int BATCH = 256;

  private final Connection connection;
  private final PreparedStatement insert;
  private final EmbeddingSpec embedding;
  private int pending;
  private int written;

  private RagWriter(Connection connection, EmbeddingSpec embedding) throws SQLException {
    this.connection = connection;
    this.embedding = embedding;
    this.insert = connection.prepareStatement(
        "INSERT INTO chunks (source, type_name, file_path, text, embedding, gotcha) VALUES (?, ?, ?, ?, ?, ?)");
  }

  /** Creates {@code file}, which must not exist yet, with the tables and the record of {@code embedding}. */
  public static RagWriter create(Path file, EmbeddingSpec embedding) throws SQLException {
    if (Files.exists(file)) {
      throw new SQLException("refusing to write over " + file.getFileName());
    }
    SQLiteConfig config = new SQLiteConfig();
    // One writer and no readers until the file is complete: no journal needed for speed; the builder
    // writes to a temporary name and moves the finished file into place.
    config.setJournalMode(SQLiteConfig.JournalMode.OFF);
    config.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
    Connection c = RagSchema.connect(file, config);
    try {
      c.setAutoCommit(false);
      RagSchema.create(c, embedding);
      return new RagWriter(c, embedding);
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Adds one chunk (its rowid is assigned) with its embedding, which must have the model's size. */
  public void add(Chunk chunk, float[] vector) throws SQLException {
    if (vector.length != embedding.dimensions()) {
      throw new IllegalArgumentException("an embedding of " + vector.length + " dimensions in a database of "
          + embedding.dimensions());
    }
    insert.setString(1, chunk.source());
    insert.setString(2, chunk.typeName());
    insert.setString(3, chunk.filePath());
    insert.setString(4, chunk.text());
    insert.setBytes(5, Vectors.blob(vector));
    insert.setString(6, chunk.gotcha());
    insert.addBatch();
    if (++pending >= BATCH) {
      flush();
    }
  }

  /** Builds the FTS5 index and commits; returns how many chunks were written. */
  public int finish() throws SQLException {
    flush();
    try (Statement s = connection.createStatement()) {
      s.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')");
    }
    connection.commit();
    connection.setAutoCommit(true);
    try (Statement s = connection.createStatement()) {
      s.execute("VACUUM");
    }
    return written;
  }

  private void flush() throws SQLException {
    if (pending > 0) {
      insert.executeBatch();
      written += pending;
      pending = 0;
    }
  }

  @Override
  public void close() throws SQLException {
    try {
      insert.close();
    } finally {
      connection.close();
    }
  }
}
