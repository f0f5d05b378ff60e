package dev.orch.rag;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;

/**
 * The layout of a RAG database (API.md §3.11) and how it is opened.
 *
 * <ul>
 *   <li>{@code chunks(id, source, type_name, file_path, text, embedding, gotcha)}: the embedding is a
 *       little-endian float32 blob; {@code gotcha} is optional (the original's diagnostic database).
 *   <li>{@code chunks_fts}: an FTS5 index of the chunks' text, keyed by the chunks' rowid.
 *   <li>{@code meta(key, value)}, ours: the embedding model that made the vectors ({@link #EMBEDDING_KEYS}).
 *       The original's databases have none; they are taken to be made by the configured Ollama model.
 * </ul>
 */
public final class RagSchema {
  static final String PROVIDER = "embedding_provider";
  static final String MODEL = "embedding_model";
  static final String DIMENSIONS = "embedding_dimensions";
  static final String QUERY_PREFIX = "query_prefix";
  /** The {@code meta} keys that record the embedding model. */
  public static final List<String> EMBEDDING_KEYS = List.of(PROVIDER, MODEL, DIMENSIONS, QUERY_PREFIX);

  static final List<String> DDL = List.of(
      "CREATE TABLE chunks (id INTEGER PRIMARY KEY, source TEXT, type_name TEXT, file_path TEXT, text TEXT NOT NULL,"
          + " embedding BLOB, gotcha TEXT)",
      "CREATE INDEX chunks_type_name ON chunks (type_name)",
      "CREATE INDEX chunks_source ON chunks (source)",
      "CREATE VIRTUAL TABLE chunks_fts USING fts5 (text, type_name, content='chunks', content_rowid='id')",
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");

  private RagSchema() {}

  /**
   * A read-only connection to an existing database. SQLite is asked for read-only access, so nothing
   * done through it can change the file, and a missing file is an error rather than a new empty one.
   */
  public static Connection openReadOnly(Path file) throws SQLException {
    Path absolute = file.toAbsolutePath();
    if (!Files.isRegularFile(absolute)) {
      throw new SQLException("no such file", new NoSuchFileException(absolute.getFileName().toString()));
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(5_000);
    return connect(absolute, config);
  }

  /**
   * A connection through the driver itself, not {@code java.sql.DriverManager}: inside a plugin the SQLite
   * classes are the plugin's own, which DriverManager does not offer to it. The path is plain, never a
   * {@code file:} URI, so a '?' or '#' in a name stays part of the name.
   */
  static Connection connect(Path file, SQLiteConfig config) throws SQLException {
    return JDBC.createConnection(JDBC.PREFIX + file.toAbsolutePath(), config.toProperties());
  }

  /** The embedding model recorded in {@code meta}, or {@code assumed} when the database records none. */
  static EmbeddingSpec embedding(Connection c, EmbeddingSpec assumed) throws SQLException {
    if (!hasTable(c, "meta")) {
      return assumed;
    }
    Map<String, String> meta = new HashMap<>();
    try (var read = c.prepareStatement("SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?)")) {
      for (int i = 0; i < EMBEDDING_KEYS.size(); i++) {
        read.setString(i + 1, EMBEDDING_KEYS.get(i));
      }
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          meta.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    if (meta.get(MODEL) == null) {
      return assumed;
    }
    try {
      return new EmbeddingSpec(meta.getOrDefault(PROVIDER, EmbeddingSpec.OLLAMA), meta.get(MODEL),
          Integer.parseInt(meta.getOrDefault(DIMENSIONS, "")), meta.get(QUERY_PREFIX));
    } catch (IllegalArgumentException e) {
      throw new SQLException("the meta table's embedding record is invalid: " + e.getMessage());
    }
  }

  static boolean hasTable(Connection c, String table) throws SQLException {
    try (var read = c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?")) {
      read.setString(1, table);
      try (ResultSet rs = read.executeQuery()) {
        return rs.next();
      }
    }
  }

  static boolean hasColumn(Connection c, String table, String column) throws SQLException {
    try (var read = c.prepareStatement("SELECT 1 FROM pragma_table_info(?) WHERE name = ?")) {
      read.setString(1, table);
      read.setString(2, column);
      try (ResultSet rs = read.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Creates the tables in an empty database and records {@code embedding} in {@code meta}. */
  static void create(Connection c, EmbeddingSpec embedding) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String ddl : DDL) {
        s.execute(ddl);
      }
    }
    try (var put = c.prepareStatement("INSERT INTO meta (key, value) VALUES (?, ?)")) {
      Map<String, String> values = Map.of(PROVIDER, embedding.provider(), MODEL, embedding.model(),
          DIMENSIONS, Integer.toString(embedding.dimensions()), QUERY_PREFIX, embedding.queryPrefix());
      for (var entry : values.entrySet()) {
        put.setString(1, entry.getKey());
        put.setString(2, entry.getValue());
        put.addBatch();
      }
      put.executeBatch();
    }
  }
}
