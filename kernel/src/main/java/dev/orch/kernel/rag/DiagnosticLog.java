package dev.orch.kernel.rag;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error→resolution records of the diagnostic RAG (API.md §14.5): one JSON object per line,
 * appended to {@code rag.diagnostic_ingest_path}. Best effort: a failure is logged and never reaches
 * the caller; with no path it does nothing.
 */
public final class DiagnosticLog {
  private static final Logger LOG = LoggerFactory.getLogger(DiagnosticLog.class);

  private final Vertx vertx;
  private final Path path;

  /** {@code path} null or empty: no log. */
  private DiagnosticLog(Vertx vertx, String path) {
    this.vertx = vertx;
    this.path = path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath();
  }

  public boolean enabled() {
    return path != null;
  }

  /**
   * The log of {@code execution.diagnostic_rag_enabled} and {@code rag.diagnostic_ingest_path}: it
   * records only when the diagnostic RAG is enabled and a path is set.
   */
  public static DiagnosticLog of(Vertx vertx, boolean enabled, String ingestPath) {
    return new DiagnosticLog(vertx, enabled ? ingestPath : null);
  }

  /** Appends {@code record} as one line; the future always succeeds. */
  public Future<Void> append(JsonObject record) {
    if (path == null) {
      return Future.succeededFuture();
    }
    Buffer line = Buffer.buffer(record.encode() + "\n");
    Path parent = path.getParent();
    Future<Void> folder = parent == null ? Future.succeededFuture() : vertx.fileSystem().mkdirs(parent.toString());
    // One write on a file opened for appending, so lines from concurrent resolutions do not interleave.
    return folder.compose(v -> vertx.fileSystem().open(path.toString(), new OpenOptions().setAppend(true).setCreate(true)
            .setWrite(true)))
        .compose(file -> file.write(line).eventually(file::close))
        .onFailure(err -> LOG.warn("diagnostic record not written [path: {}, reason: {}]", path, err.getMessage()))
        .otherwiseEmpty();
  }
}
