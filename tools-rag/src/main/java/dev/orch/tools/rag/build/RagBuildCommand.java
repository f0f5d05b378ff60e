package dev.orch.tools.rag.build;

import dev.orch.rag.EmbeddingSpec;
import dev.orch.rag.RagConfig;
import dev.orch.tools.rag.OllamaEmbedder;
import dev.orch.tools.rag.OnnxEmbedder;
import dev.orch.tools.rag.build.RagBuilder.BuildException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code orch rag build NAME FOLDER}: builds the RAG database NAME from the text files under FOLDER.
 * Progress goes to stderr, the result and the line to add to the configuration to stdout. Exit code 0
 * when built, 1 when the build failed or was refused, 2 for a usage error.
 */
public final class RagBuildCommand {
  static final String USAGE = """
      usage: orch rag build NAME FOLDER [--force] [--output FILE] [--ollama] [--ollama-host URL] [--model NAME]

        NAME           the database's name in rag.databases (letters, digits, '_' and '-')
        FOLDER         the folder of text, Markdown and source files to index
        --force        replace an existing database
        --output FILE  where to write it (default: $ORCH_DATA_DIR/rag/NAME.db, $ORCH_DATA_DIR being ./data)
        --ollama       embed with an Ollama host instead of the offline model in the plugin
        --ollama-host  the Ollama base URL (default: $OLLAMA_HOST, else http://localhost:11434)
        --model NAME   the Ollama embedding model (default: nomic-embed-text); the server must have the
                       same ollama.embed_model to search the database
      """;
  private static final Duration OLLAMA_TIMEOUT = Duration.ofSeconds(120);

  private RagBuildCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs the command; returns its exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, java.util.Map<String, String> env) {
    Parsed parsed;
    try {
      parsed = Parsed.of(args, env);
    } catch (IllegalArgumentException e) {
      err.println("orch rag build: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    boolean terminal = Boolean.parseBoolean(System.getProperty("orch.tty", String.valueOf(System.console() != null)));
    Vertx vertx = Vertx.vertx();
    WebClient client = null;
    try {
      RagBuilder.Model model;
      if (parsed.ollama) {
        client = WebClient.create(vertx);
        OllamaEmbedder ollama = new OllamaEmbedder(client, parsed.ollamaHost, parsed.model, OLLAMA_TIMEOUT);
        model = new RagBuilder.Model(EmbeddingSpec.OLLAMA, parsed.model, EmbeddingSpec.OLLAMA_DOCUMENT_PREFIX,
            EmbeddingSpec.OLLAMA_QUERY_PREFIX, ollama::embed);
      } else {
        OnnxEmbedder onnx = new OnnxEmbedder(vertx);
        model = new RagBuilder.Model(OnnxEmbedder.SPEC.provider(), OnnxEmbedder.SPEC.model(), "",
            OnnxEmbedder.SPEC.queryPrefix(), onnx::embed);
      }
      RagBuilder.Report report = new RagBuilder(err, terminal).build(
          new RagBuilder.Options(parsed.name, parsed.folder, parsed.output, parsed.force), model);
      print(out, parsed.name, report);
      return 0;
    } catch (BuildException e) {
      err.println("orch rag build: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println("orch rag build: failed: " + e);
      return 1;
    } finally {
      if (client != null) {
        client.close();
      }
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("orch rag build: shutting down: " + e.getMessage());
      }
    }
  }

  private static void print(PrintStream out, String name, RagBuilder.Report report) {
    Path file = report.output().toAbsolutePath().normalize();
    List<String> skipped = new ArrayList<>();
    if (report.found().binary() > 0) {
      skipped.add(report.found().binary() + " binary");
    }
    if (report.found().huge() > 0) {
      skipped.add(report.found().huge() + " over " + SourceFiles.MAX_BYTES / 1024 / 1024 + " MiB");
    }
    if (report.found().unreadable() > 0) {
      skipped.add(report.found().unreadable() + " unreadable");
    }
    out.printf(Locale.ROOT, "Built RAG database '%s': %d chunks from %d files, embedded with the %s%s.%n", name,
        report.chunks(), report.files(), report.embedding().describe(),
        skipped.isEmpty() ? "" : "; skipped " + String.join(", ", skipped) + " files");
    out.println("  " + file);
    out.println("To search it, add it to rag.databases in your config file (conf/config.json or --config):");
    out.println("  \"rag\": {\"databases\": " + new JsonObject().put(name, file.toString()).encode() + "}");
    out.println("then restart the server.");
  }

  /** The command line, checked. */
  private static final class Parsed {
    String name;
    Path folder;
    Path output;
    boolean force;
    boolean ollama;
    String ollamaHost;
    String model;

    static Parsed of(String[] args, java.util.Map<String, String> env) {
      Parsed p = new Parsed();
      List<String> positional = new ArrayList<>();
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--force" -> p.force = true;
          case "--ollama" -> p.ollama = true;
          case "--output" -> p.output = Path.of(value(args, ++i, "--output"));
          case "--ollama-host" -> p.ollamaHost = value(args, ++i, "--ollama-host");
          case "--model" -> p.model = value(args, ++i, "--model");
          default -> {
            if (args[i].startsWith("--")) {
              throw new IllegalArgumentException("unknown option " + args[i]);
            }
            positional.add(args[i]);
          }
        }
      }
      if (positional.size() != 2) {
        throw new IllegalArgumentException("expected NAME and FOLDER");
      }
      p.name = positional.get(0);
      if (!RagConfig.NAME.matcher(p.name).matches()) {
        throw new IllegalArgumentException("NAME is 1-64 letters, digits, '_' or '-', starting with a letter or digit");
      }
      p.folder = Path.of(positional.get(1));
      if (p.output == null) {
        String dataDir = env.getOrDefault("ORCH_DATA_DIR", "");
        p.output = Path.of(dataDir.isBlank() ? "data" : dataDir, "rag", p.name + ".db");
      }
      if (!p.ollama && (p.model != null || p.ollamaHost != null)) {
        throw new IllegalArgumentException("--model and --ollama-host go with --ollama");
      }
      if (p.model == null) {
        p.model = "nomic-embed-text";
      }
      if (p.ollamaHost == null) {
        String host = env.getOrDefault("OLLAMA_HOST", "");
        p.ollamaHost = host.isBlank() ? "http://localhost:11434" : host;
      }
      p.ollamaHost = p.ollamaHost.strip().replaceAll("/+$", "");
      if (!p.ollamaHost.startsWith("http://") && !p.ollamaHost.startsWith("https://")) {
        p.ollamaHost = "http://" + p.ollamaHost;
      }
      return p;
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length || args[i].startsWith("--")) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }
  }
}
