package dev.orch.rag;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL reads of one RAG database: the listings of the RAG endpoints (API.md §3.11) and the keyword
 * lookups of {@code lookup_type} (§15.2). Every call opens the file read-only on a worker thread, so
 * nothing here blocks an event loop or can change the file. What the caller gives is only ever bound
 * as a parameter: LIKE patterns are escaped and FTS5 queries quoted ({@link SearchText}).
 */
public final class RagDatabase {
  private static final Logger LOG = LoggerFactory.getLogger(RagDatabase.class);
  /** How many chunks a source has; the null source is {@code "(none)"}, as in the original. */
  public record SourceCount(String source, long count) {}

  /** A database's figures for {@code GET /rag/databases}. */
  public record Stats(long fileSizeBytes, long chunkCount, List<SourceCount> sources) {}

  /** A chunk as listed, with its {@code id} as stored (a number in our databases, text in some of the original's). */
  public record Document(Object id, Chunk chunk) {}

  /** One page of documents, and how many there are in all. */
  public record Page(long total, List<Document> items) {}

  private static final String COLUMNS = "rowid, source, type_name, file_path, text";
  private static final String SOURCES =
      "SELECT source, COUNT(*) AS n FROM chunks GROUP BY source ORDER BY n DESC, source";

  private final Vertx vertx;
  private final Path file;

  public RagDatabase(Vertx vertx, Path file) {
    this.vertx = Objects.requireNonNull(vertx);
    this.file = file.toAbsolutePath();
  }

  /** Whether the file exists; on a worker. */
  public Future<Boolean> exists() {
    return vertx.executeBlocking(() -> Files.isRegularFile(file), false);
  }

  /** Size, chunk count and sources (most chunks first). */
  public Future<Stats> stats() {
    return read(c -> {
      long chunks;
      try (ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM chunks")) {
        rs.next();
        chunks = rs.getLong(1);
      }
      return new Stats(Files.size(file), chunks, sources(c));
    });
  }

  /** The sources, most chunks first. */
  public Future<List<SourceCount>> sources() {
    return read(RagDatabase::sources);
  }

  /** Chunks ordered by source then id, optionally of one exact source. */
  public Future<Page> documents(String source, int offset, int limit) {
    if (source != null && source.indexOf('\0') >= 0) {
      return Future.succeededFuture(new Page(0, List.of())); // SQLite would compare only up to the NUL
    }
    return read(c -> {
      String where = source == null ? "" : " WHERE source = ?";
      long total;
      try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM chunks" + where)) {
        if (source != null) {
          count.setString(1, source);
        }
        try (ResultSet rs = count.executeQuery()) {
          rs.next();
          total = rs.getLong(1);
        }
      }
      try (PreparedStatement page = c.prepareStatement("SELECT " + COLUMNS + ", id FROM chunks" + where
          + " ORDER BY source, id LIMIT ? OFFSET ?")) {
        int i = 1;
        if (source != null) {
          page.setString(i++, source);
        }
        page.setInt(i++, limit);
        page.setLong(i, offset);
        List<Document> items = new ArrayList<>();
        try (ResultSet rs = page.executeQuery()) {
          while (rs.next()) {
            items.add(new Document(rs.getObject(6), chunk(rs, false)));
          }
        }
        return new Page(total, items);
      }
    });
  }

  /**
   * {@code lookup_type}'s search, first rule that finds anything wins: the exact {@code type_name};
   * else {@code type_name} containing {@code name}, ignoring case; else an FTS5 match of the words of
   * {@code name} as one phrase; else text containing {@code name}, ignoring case. At most {@code k}.
   */
  public Future<List<Chunk>> lookupType(String name, int k) {
    if (name.isBlank() || name.indexOf('\0') >= 0) {
      // "Contains nothing" would match every chunk, and SQLite ends a bound string at a NUL.
      return Future.succeededFuture(List.of());
    }
    return read(c -> {
      boolean gotchas = RagSchema.hasColumn(c, "chunks", "gotcha");
      String columns = COLUMNS + (gotchas ? ", gotcha" : "");
      String like = SearchText.likeContains(name);
      List<Chunk> found = query(c, gotchas, "SELECT " + columns + " FROM chunks WHERE type_name = ? ORDER BY rowid"
          + " LIMIT ?", name, k);
      if (found.isEmpty()) {
        found = query(c, gotchas, "SELECT " + columns + " FROM chunks WHERE type_name LIKE ? ESCAPE '\\'"
            + " ORDER BY rowid LIMIT ?", like, k);
      }
      String phrase = SearchText.ftsPhrase(name);
      if (found.isEmpty() && !phrase.isEmpty() && RagSchema.hasTable(c, "chunks_fts")) {
        try {
          found = query(c, gotchas, "SELECT c.rowid, c.source, c.type_name, c.file_path, c.text"
              + (gotchas ? ", c.gotcha" : "") + " FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid"
              + " WHERE chunks_fts MATCH ? ORDER BY chunks_fts.rank LIMIT ?", phrase, k);
        } catch (SQLException e) {
          // An FTS table of another make (FTS4, another tokenizer) is no reason to miss the text search.
          LOG.debug("rag fts lookup failed, searching the text [reason: {}]", e.getMessage());
        }
      }
      if (found.isEmpty()) {
        found = query(c, gotchas, "SELECT " + columns + " FROM chunks WHERE text LIKE ? ESCAPE '\\' ORDER BY rowid"
            + " LIMIT ?", like, k);
      }
      return found;
    });
  }

  private static List<Chunk> query(Connection c, boolean gotchas, String sql, String value, int k) throws SQLException {
    try (PreparedStatement read = c.prepareStatement(sql)) {
      read.setString(1, value);
      read.setInt(2, k);
      return chunks(read, gotchas);
    }
  }

  private static List<Chunk> chunks(PreparedStatement read, boolean gotchas) throws SQLException {
    List<Chunk> out = new ArrayList<>();
    try (ResultSet rs = read.executeQuery()) {
      while (rs.next()) {
        out.add(chunk(rs, gotchas));
      }
    }
    return out;
  }

  private static Chunk chunk(ResultSet rs, boolean gotchas) throws SQLException {
    return new Chunk(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        gotchas ? rs.getString(6) : null);
  }

  private static List<SourceCount> sources(Connection c) throws SQLException {
    List<SourceCount> out = new ArrayList<>();
    try (ResultSet rs = c.createStatement().executeQuery(SOURCES)) {
      while (rs.next()) {
        String source = rs.getString(1);
        out.add(new SourceCount(source == null || source.isEmpty() ? "(none)" : source, rs.getLong(2)));
      }
    }
    return out;
  }

  private interface Read<T> {
    T apply(Connection c) throws Exception;
  }

  private <T> Future<T> read(Read<T> read) {
    return vertx.executeBlocking(() -> {
      try (Connection c = RagSchema.openReadOnly(file)) {
        return read.apply(c);
      }
    }, false);
  }
}
