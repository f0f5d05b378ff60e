package dev.orch.rag;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding vectors of one RAG database in memory (API.md §3.11, §15.2), normalised so that a dot
 * product is the cosine. The chunks' text stays in the file: a search reads only its best rows.
 *
 * <p>Loaded on first use, on a worker thread. A failed load is not tried again for a minute; calls in
 * between fail at once with its reason. A file replaced on disk (a database rebuilt with
 * {@code --force}) is loaded again on the next call. Loads and failures are published on
 * {@link RagAddresses#INDEX_CHANGED}. The file is only ever opened read-only.
 */
public final class RagIndex {
  private static final Logger LOG = LoggerFactory.getLogger(RagIndex.class);
  /** How long a failed load is remembered before the next call tries again. */
  public static final long RETRY_AFTER_MS = 60_000;

  /** The in-memory index's state, as {@code index_status} shows it. */
  public enum Status {
    UNLOADED, LOADED, FAILED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A chunk and its cosine similarity to the query. */
  public record Match(Chunk chunk, double score) {
    public String source() {
      return chunk.source();
    }

    public String text() {
      return chunk.text();
    }

    public String gotcha() {
      return chunk.gotcha();
    }
  }

  /** A database's model differs from the one a query was embedded with: the search is refused. */
  public static final class ModelMismatch extends IllegalStateException {
    ModelMismatch(String message) {
      super(message, null);
    }
  }

  /** The database could not be loaded (now, or within the last minute). */
  public static final class Unavailable extends IllegalStateException {
    Unavailable(String message) {
      super(message, null);
    }
  }

  /** What a load read: the vectors row-major ({@code rows × dimensions}), their rowids and sources. */
  private record Loaded(EmbeddingSpec embedding, float[] vectors, long[] rowids, String[] sources, boolean gotchas,
      Object stamp) {}

  private final Vertx vertx;
  private final String name;
  private final Path file;
  private final EmbeddingSpec assumed;
  private final Clock clock;
  private Loaded loaded;
  private long failedAt = -1;
  private String failure;

  /**
   * @param assumed the model of a database that does not record its own ({@link RagConfig#assumedEmbedding()})
   * @param clock for the minute between load attempts
   */
  public RagIndex(Vertx vertx, String name, Path file, EmbeddingSpec assumed, Clock clock) {
    this.vertx = Objects.requireNonNull(vertx);
    this.name = Objects.requireNonNull(name);
    this.file = file.toAbsolutePath();
    this.assumed = Objects.requireNonNull(assumed);
    this.clock = Objects.requireNonNull(clock);
  }

  public RagIndex(Vertx vertx, String name, Path file, EmbeddingSpec assumed) {
    this(vertx, name, file, assumed, Clock.systemUTC());
  }

  public String name() {
    return name;
  }

  public synchronized Status status() {
    return loaded != null ? Status.LOADED : failedAt >= 0 ? Status.FAILED : Status.UNLOADED;
  }

  /** The model that made the database's vectors, loading the index if needed. Fails {@link Unavailable}. */
  public Future<EmbeddingSpec> embedding() {
    return vertx.executeBlocking(() -> current().embedding(), false);
  }

  /**
   * The {@code k} chunks closest to {@code query} with a similarity of at least 0, best first.
   *
   * @param by the model {@code query} was embedded with; a database of another model is not searched
   *     and the search fails with {@link ModelMismatch}
   * @param sourceFilter only chunks of this exact source; null or empty for all
   */
  public Future<List<Match>> search(EmbeddingSpec by, float[] query, int k, String sourceFilter) {
    return vertx.executeBlocking(() -> {
      Loaded index = current();
      if (!by.provider().equals(index.embedding().provider()) || !by.model().equals(index.embedding().model())) {
        throw new ModelMismatch("RAG database '" + name + "' was made with the " + index.embedding().describe()
            + ", and its vectors cannot be compared with the " + by.describe() + "'s");
      }
      float[] q = Vectors.normalised(query);
      if (q == null || q.length != index.embedding().dimensions()) {
        throw new ModelMismatch("the query embedding has " + query.length + " dimensions, RAG database '" + name
            + "' " + index.embedding().dimensions());
      }
      return rows(index, best(index, q, k, sourceFilter == null || sourceFilter.isEmpty() ? null : sourceFilter));
    }, false);
  }

  /** The best {@code k} (row, score) pairs, as indexes into the loaded arrays. */
  private static List<double[]> best(Loaded index, float[] q, int k, String source) {
    int d = q.length;
    PriorityQueue<double[]> top = new PriorityQueue<>(Comparator.comparingDouble(pair -> pair[1]));
    for (int row = 0; row < index.rowids().length; row++) {
      if (source != null && !source.equals(index.sources()[row])) {
        continue;
      }
      double score = 0;
      int base = row * d;
      for (int j = 0; j < d; j++) {
        score += q[j] * index.vectors()[base + j];
      }
      if (score >= 0 && (top.size() < k || score > top.peek()[1])) {
        top.add(new double[] {row, score});
        if (top.size() > k) {
          top.poll();
        }
      }
    }
    List<double[]> out = new ArrayList<>(top);
    out.sort(Comparator.comparingDouble((double[] pair) -> pair[1]).reversed());
    return out;
  }

  private List<Match> rows(Loaded index, List<double[]> best) throws SQLException {
    if (best.isEmpty()) {
      return List.of();
    }
    String marks = String.join(", ", Collections.nCopies(best.size(), "?"));
    String sql = "SELECT rowid, source, type_name, file_path, text" + (index.gotchas() ? ", gotcha" : "")
        + " FROM chunks WHERE rowid IN (" + marks + ")";
    Map<Long, Chunk> chunks = new HashMap<>();
    try (Connection c = RagSchema.openReadOnly(file); var read = c.prepareStatement(sql)) {
      for (int i = 0; i < best.size(); i++) {
        read.setLong(i + 1, index.rowids()[(int) best.get(i)[0]]);
      }
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          chunks.put(rs.getLong(1), new Chunk(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), index.gotchas() ? rs.getString(6) : null));
        }
      }
    }
    List<Match> out = new ArrayList<>();
    for (double[] pair : best) {
      Chunk chunk = chunks.get(index.rowids()[(int) pair[0]]);
      if (chunk != null) {
        out.add(new Match(chunk, pair[1]));
      }
    }
    return out;
  }

  /** The loaded index, loading it when absent or replaced on disk; on a worker thread only. */
  private synchronized Loaded current() {
    Object stamp = stamp();
    if (loaded != null && loaded.stamp().equals(stamp)) {
      return loaded;
    }
    if (loaded == null && failedAt >= 0 && clock.millis() - failedAt < RETRY_AFTER_MS) {
      throw new Unavailable(unavailable());
    }
    try {
      loaded = load(stamp);
      failedAt = -1;
      failure = null;
      LOG.info("rag index loaded [database: {}, chunks: {}, model: {}]", name, loaded.rowids().length,
          loaded.embedding().model());
      publish(Status.LOADED);
      return loaded;
    } catch (SQLException | RuntimeException e) {
      loaded = null;
      failedAt = clock.millis();
      failure = e.getMessage();
      LOG.warn("rag index not loaded, tried again in a minute [database: {}, reason: {}]", name, failure);
      publish(Status.FAILED);
      throw new Unavailable(unavailable());
    }
  }

  private String unavailable() {
    return "RAG database '" + name + "' is not available (" + failure + "); it is tried again a minute after the"
        + " failed load";
  }

  /** The file's identity and version: another file moved over it, or a write, changes it. */
  private Object stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return "missing";
    }
  }

  private Loaded load(Object stamp) throws SQLException {
    try (Connection c = RagSchema.openReadOnly(file)) {
      EmbeddingSpec embedding = RagSchema.embedding(c, assumed);
      boolean gotchas = RagSchema.hasColumn(c, "chunks", "gotcha");
      int d = embedding.dimensions();
      FloatList vectors = new FloatList();
      List<Long> rowids = new ArrayList<>();
      List<String> sources = new ArrayList<>();
      try (ResultSet rs = c.createStatement().executeQuery(
          "SELECT rowid, source, embedding FROM chunks WHERE embedding IS NOT NULL ORDER BY rowid")) {
        while (rs.next()) {
          float[] v = Vectors.normalised(Vectors.floats(rs.getBytes(3)));
          if (v == null || v.length != d) {
            continue; // a chunk without a usable embedding cannot be found by one
          }
          vectors.add(v);
          rowids.add(rs.getLong(1));
          String source = rs.getString(2);
          sources.add(source == null ? null : source.intern());
        }
      }
      return new Loaded(embedding, vectors.toArray(), rowids.stream().mapToLong(Long::longValue).toArray(),
          sources.toArray(new String[0]), gotchas, stamp);
    }
  }

  private void publish(Status status) {
    vertx.eventBus().publish(RagAddresses.INDEX_CHANGED,
        new JsonObject().put("database", name).put("status", status.wire()));
  }

  /** A growing float array: a million 768-float vectors as boxed floats would not fit. */
  private static final class FloatList {
    private float[] data = new float[1 << 12];
    private int size;

    void add(float[] v) {
      if (size + v.length > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + v.length));
      }
      System.arraycopy(v, 0, data, size, v.length);
      size += v.length;
    }

    float[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }
}
