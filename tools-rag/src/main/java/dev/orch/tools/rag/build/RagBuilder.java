package dev.orch.tools.rag.build;

import dev.orch.rag.Chunk;
import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagWriter;
import dev.orch.tools.rag.build.SourceFiles.Found;
import dev.orch.tools.rag.build.SourceFiles.SourceFile;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Builds a RAG database from a folder of text: the files ({@link SourceFiles}), their chunks
 * ({@link Chunker}), an embedding per chunk, the FTS5 index and the record of the embedding model
 * ({@link RagWriter}). The database is written under a temporary name and moved into place when
 * complete, so a failed or interrupted build leaves no half database, and a running server never
 * reads one.
 */
final class RagBuilder {
  /** Chunks embedded per call. */
  static final int BATCH = 32;

  /** A build's inputs. {@code output} is not replaced unless {@code force}. */
  record Options(String name, Path folder, Path output, boolean force) {}

  /**
   * How chunks are embedded: the model's provider and name as the database records them, the
   * prefixes it wants, and the embedding call. The size of the vectors is taken from the first answer.
   */
  record Model(String provider, String model, String documentPrefix, String queryPrefix,
      Function<List<String>, Future<List<float[]>>> embed) {}

  /** What was built. */
  record Report(Path output, int files, int chunks, Found found, EmbeddingSpec embedding) {}

  /** A build that cannot go on; its message is for the user. */
  static final class BuildException extends Exception {
    BuildException(String message) {
      super(message, null, false, false);
    }
  }

  private final PrintStream progress;
  private final boolean terminal;

  RagBuilder(PrintStream progress, boolean terminal) {
    this.progress = progress;
    this.terminal = terminal;
  }

  Report build(Options options, Model model) throws BuildException, IOException, SQLException {
    if (!Files.isDirectory(options.folder())) {
      throw new BuildException(options.folder() + " is not a folder");
    }
    if (Files.exists(options.output()) && !options.force()) {
      throw new BuildException(options.output() + " exists; add --force to replace it");
    }
    // The folder itself may be a link (only links inside it are left out).
    Found found = SourceFiles.collect(options.folder().toRealPath());
    if (found.files().isEmpty()) {
      throw new BuildException("no text files under " + options.folder());
    }
    List<Chunk> chunks = chunks(options, found.files());
    Files.createDirectories(options.output().toAbsolutePath().getParent());
    Path partial = options.output().resolveSibling(options.output().getFileName() + ".partial-"
        + ProcessHandle.current().pid());
    Files.deleteIfExists(partial);
    try {
      EmbeddingSpec embedding = write(partial, chunks, model);
      Files.move(partial, options.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Report(options.output(), found.files().size(), chunks.size(), found, embedding);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private List<Chunk> chunks(Options options, List<SourceFile> files) {
    Path folder = options.folder().toAbsolutePath().normalize();
    String rootSource = folder.getFileName() == null ? options.name() : folder.getFileName().toString();
    int shared = sharedFolders(files);
    List<Chunk> out = new ArrayList<>();
    for (SourceFile file : files) {
      out.addAll(Chunker.chunks(source(file.path(), shared, rootSource), file.path(), file.text()));
    }
    progress.println("orch rag: " + files.size() + " files, " + out.size() + " chunks to embed");
    return out;
  }

  /**
   * A file's source tag: the first folder it is in below the folders all files share (so a Java tree
   * gives "auth", "http" rather than "dev" for everything), the root's name for a file not in one.
   * search_knowledge can then be held to one part of the tree.
   */
  static String source(String path, int shared, String rootSource) {
    String[] parts = path.split("/");
    return parts.length - 1 > shared ? parts[shared] : shared == 0 ? rootSource : parts[shared - 1];
  }

  /** How many leading folders every file's path has in common. */
  static int sharedFolders(List<SourceFile> files) {
    String[] first = files.get(0).path().split("/");
    int shared = first.length - 1;
    for (SourceFile file : files) {
      String[] parts = file.path().split("/");
      int i = 0;
      while (i < shared && i < parts.length - 1 && parts[i].equals(first[i])) {
        i++;
      }
      shared = i;
    }
    return shared;
  }

  private EmbeddingSpec write(Path file, List<Chunk> chunks, Model model) throws BuildException, SQLException {
    Progress embedding = new Progress(progress, terminal, "embedding", "chunks", chunks.size());
    RagWriter writer = null;
    EmbeddingSpec spec = null;
    try {
      for (int from = 0; from < chunks.size(); from += BATCH) {
        List<Chunk> batch = chunks.subList(from, Math.min(chunks.size(), from + BATCH));
        List<float[]> vectors = embed(model, batch.stream().map(c -> model.documentPrefix() + c.text()).toList());
        if (writer == null) {
          spec = new EmbeddingSpec(model.provider(), model.model(), vectors.get(0).length, model.queryPrefix());
          writer = RagWriter.create(file, spec);
        }
        for (int i = 0; i < batch.size(); i++) {
          writer.add(batch.get(i), vectors.get(i));
        }
        embedding.advance(batch.size());
      }
      embedding.finish();
      writer.finish();
      return spec;
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
  }

  private static List<float[]> embed(Model model, List<String> texts) throws BuildException {
    try {
      List<float[]> vectors = model.embed().apply(texts).await();
      if (vectors.size() != texts.size()) {
        throw new BuildException("the embedding model answered " + vectors.size() + " vectors for " + texts.size()
            + " texts");
      }
      return vectors;
    } catch (BuildException e) {
      throw e;
    } catch (Exception e) {
      throw new BuildException("embedding failed: " + e.getMessage());
    }
  }
}
