package dev.orch.kernel.rag;

import dev.orch.rag.RagAddresses;
import dev.orch.rag.RagConfig;
import dev.orch.rag.RagDatabase;
import dev.orch.rag.RagIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured RAG databases as the read-only RAG endpoints show them (API.md §3.11). Files are read
 * through rag-core, read-only and on worker threads; their paths are never shown. Each database's
 * {@code index_status} is the last state its in-memory index announced on
 * {@link RagAddresses#INDEX_CHANGED} (from the tools-rag plugin or the diagnostic advisor, on any node);
 * {@code unloaded} until one did.
 */
public final class RagCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(RagCatalog.class);
  static final int PREVIEW_CHARS = 200;

  private final Vertx vertx;
  private final RagConfig config;
  private final Map<String, String> indexStatus = new ConcurrentHashMap<>();

  public RagCatalog(Vertx vertx, RagConfig config) {
    this.vertx = vertx;
    this.config = config;
    vertx.eventBus().<JsonObject>consumer(RagAddresses.INDEX_CHANGED, message -> {
      JsonObject body = message.body();
      if (body != null && body.getValue("database") instanceof String name
          && body.getValue("status") instanceof String status) {
        indexStatus.put(name, status);
      }
    });
  }

  /** Every configured database with its figures, in the configured order; {@code []} when none. */
  public Future<JsonArray> databases() {
    List<Future<JsonObject>> all = new ArrayList<>();
    config.databases().forEach((name, path) -> all.add(database(name, Path.of(path))));
    return Future.all(all).map(done -> new JsonArray(all.stream().map(f -> (Object) f.result()).toList()));
  }

  private Future<JsonObject> database(String name, Path file) {
    JsonObject info = new JsonObject().put("name", name).put("path", name).put("exists", false)
        .put("file_size_bytes", 0L).put("chunk_count", 0L).put("source_count", 0).put("index_status", "unknown")
        .put("sources", new JsonArray());
    return vertx.fileSystem().props(file.toAbsolutePath().toString())
        .map(props -> props.isRegularFile() ? props.size() : -1L)
        .otherwise(-1L)
        .compose(size -> {
          if (size < 0) {
            return Future.succeededFuture(info);
          }
          info.put("exists", true).put("file_size_bytes", size);
          return new RagDatabase(vertx, file).stats()
              .map(stats -> info.put("chunk_count", stats.chunkCount()).put("source_count", stats.sources().size())
                  .put("index_status", indexStatus.getOrDefault(name, RagIndex.Status.UNLOADED.wire()))
                  .put("sources", sources(stats.sources())))
              .otherwise(err -> {
                LOG.warn("rag database not readable [database: {}, reason: {}]", name, err.getMessage());
                return info.put("index_status", "error");
              });
        });
  }

  /** A database's sources, most chunks first; {@code []} for an unknown or missing database or on error. */
  public Future<JsonArray> sources(String name) {
    String path = config.databases().get(name);
    if (path == null) {
      return Future.succeededFuture(new JsonArray());
    }
    RagDatabase db = new RagDatabase(vertx, Path.of(path));
    return db.exists()
        .compose(exists -> exists ? db.sources().map(RagCatalog::sources) : Future.succeededFuture(new JsonArray()))
        .otherwise(err -> {
          LOG.warn("rag database not readable [database: {}, reason: {}]", name, err.getMessage());
          return new JsonArray();
        });
  }

  /**
   * One page of a database's chunks, ordered by source then id, optionally of one exact source:
   * {@code {"total", "items": [{"id", "source", "type_name", "file_path", "text_preview"}]}}, the file
   * path cut to its base name. {@code {"total": 0, "items": []}} for an unknown or missing database or
   * on error.
   */
  public Future<JsonObject> documents(String name, String source, int offset, int limit) {
    JsonObject none = new JsonObject().put("total", 0).put("items", new JsonArray());
    String path = config.databases().get(name);
    if (path == null) {
      return Future.succeededFuture(none);
    }
    RagDatabase db = new RagDatabase(vertx, Path.of(path));
    return db.exists()
        .compose(exists -> exists ? db.documents(source, offset, limit).map(RagCatalog::page)
            : Future.succeededFuture(none))
        .otherwise(err -> {
          LOG.warn("rag database not readable [database: {}, reason: {}]", name, err.getMessage());
          return none;
        });
  }

  private static JsonObject page(RagDatabase.Page page) {
    JsonArray items = new JsonArray();
    for (RagDatabase.Document d : page.items()) {
      String text = d.chunk().text() == null ? "" : d.chunk().text();
      items.add(new JsonObject().put("id", String.valueOf(d.id()))
          .put("source", d.chunk().source() == null ? "" : d.chunk().source())
          .put("type_name", d.chunk().typeName())
          .put("file_path", baseName(d.chunk().filePath()))
          .put("text_preview", text.substring(0, text.offsetByCodePoints(0, Math.min(PREVIEW_CHARS,
              text.codePointCount(0, text.length()))))));
    }
    return new JsonObject().put("total", page.total()).put("items", items);
  }

  private static JsonArray sources(List<RagDatabase.SourceCount> sources) {
    JsonArray out = new JsonArray();
    sources.forEach(s -> out.add(new JsonObject().put("source", s.source()).put("count", s.count())));
    return out;
  }

  private static String baseName(String path) {
    if (path == null) {
      return null;
    }
    return path.substring(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  }
}
