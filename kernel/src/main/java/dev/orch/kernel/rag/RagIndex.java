package dev.orch.kernel.rag;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RAG database in memory (API.md §3.11): the {@code chunks} of an external SQLite file, with their
 * float32 embeddings normalised so that a dot product is the cosine. Loaded on first use, on a worker
 * thread; a failed load is tried again after a minute. The file is opened read-only.
 */
public final class RagIndex {
  private static final Logger LOG = LoggerFactory.getLogger(RagIndex.class);
  static final long RETRY_AFTER_MS = 60_000;

  /** A stored chunk, and how close it is to a query. */
  public record Match(double score, String source, String text, String gotcha) {}

  private record Loaded(float[][] vectors, List<String[]> chunks) {}

  private final Vertx vertx;
  private final String name;
  private final Path file;
  private final int dimensions;
  private Future<Loaded> loaded;
  private long failedAt;

  public RagIndex(Vertx vertx, String name, Path file, int dimensions) {
    this.vertx = vertx;
    this.name = name;
    this.file = file;
    this.dimensions = dimensions;
  }

  /** The {@code k} chunks closest to {@code query}, best first. */
  public Future<List<Match>> search(float[] query, int k) {
    return index().map(index -> {
      float[] q = normalised(query);
      if (q == null || q.length != dimensions) {
        throw new IllegalArgumentException("query embedding has " + query.length + " dimensions, the database "
            + dimensions);
      }
      List<Match> best = new ArrayList<>();
      for (int i = 0; i < index.vectors().length; i++) {
        double score = 0;
        float[] v = index.vectors()[i];
        for (int j = 0; j < q.length; j++) {
          score += q[j] * v[j];
        }
        if (best.size() < k || score > best.get(best.size() - 1).score()) {
          String[] c = index.chunks().get(i);
          best.add(new Match(score, c[0], c[1], c[2]));
          best.sort((a, b) -> Double.compare(b.score(), a.score()));
          if (best.size() > k) {
            best.remove(best.size() - 1);
          }
        }
      }
      return best;
    });
  }

  private synchronized Future<Loaded> index() {
    if (loaded == null || loaded.failed() && System.currentTimeMillis() - failedAt >= RETRY_AFTER_MS) {
      loaded = vertx.executeBlocking(this::load, false).onFailure(err -> {
        synchronized (this) {
          failedAt = System.currentTimeMillis();
        }
        LOG.warn("RAG database not loaded, tried again in a minute [database: {}, reason: {}]", name,
            err.getMessage());
      });
    }
    return loaded;
  }

  private Loaded load() throws SQLException {
    if (!Files.isRegularFile(file)) {
      throw new SQLException("no such file");
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file.toAbsolutePath() + "?mode=ro")) {
      boolean gotchas = false;
      try (ResultSet columns = c.createStatement().executeQuery("SELECT name FROM pragma_table_info('chunks')")) {
        while (columns.next()) {
          gotchas |= "gotcha".equals(columns.getString(1));
        }
      }
      List<float[]> vectors = new ArrayList<>();
      List<String[]> chunks = new ArrayList<>();
      String query = "SELECT source, text, embedding" + (gotchas ? ", gotcha" : "") + " FROM chunks ORDER BY id";
      try (ResultSet rs = c.createStatement().executeQuery(query)) {
        while (rs.next()) {
          float[] v = normalised(floats(rs.getBytes(3)));
          if (v == null || v.length != dimensions) {
            continue; // a chunk without a usable embedding cannot be found by one
          }
          vectors.add(v);
          chunks.add(new String[] {rs.getString(1), rs.getString(2), gotchas ? rs.getString(4) : null});
        }
      }
      LOG.info("RAG database loaded [database: {}, chunks: {}]", name, vectors.size());
      return new Loaded(vectors.toArray(new float[0][]), chunks);
    }
  }

  /** A little-endian float32 blob, as numpy writes it. */
  static float[] floats(byte[] blob) {
    if (blob == null || blob.length % 4 != 0) {
      return null;
    }
    float[] out = new float[blob.length / 4];
    ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static float[] normalised(float[] v) {
    if (v == null) {
      return null;
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    if (norm == 0) {
      return null;
    }
    float[] out = new float[v.length];
    double scale = 1 / Math.sqrt(norm);
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] * scale);
    }
    return out;
  }
}
