package dev.orch.kernel.monitor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A command-line agent: online (method {@code cli}, details {@code {"binary", "path"}}) when its binary
 * is an executable file in a {@code PATH} folder, else offline with {@code {"binary", "hint"}}. The
 * search touches the file system, so it runs on a worker thread.
 */
final class CliCheck implements ResourceCheck {
  static final long TIMEOUT_MS = 5_000;
  private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
  private static final String METHOD = "cli";

  private final Vertx vertx;
  private final String binary;
  private final String name;
  private final Supplier<String> pathVariable;

  CliCheck(Vertx vertx, String binary, String name, Supplier<String> pathVariable) {
    this.vertx = vertx;
    this.binary = binary;
    this.name = name;
    this.pathVariable = pathVariable;
  }

  @Override
  public String id() {
    return binary + "_cli";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String category() {
    return "cli";
  }

  @Override
  public long budgetMillis() {
    return TIMEOUT_MS + 500;
  }

  @Override
  public Future<Outcome> run() {
    return vertx.executeBlocking(() -> find(binary, pathVariable.get()), false)
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(found -> found
            .map(path -> Outcome.online(METHOD, new JsonObject().put("binary", binary).put("path", path.toString())))
            .orElseGet(() -> Outcome.offline(METHOD, new JsonObject().put("binary", binary)
                .put("hint", "Install " + binary + " CLI"))))
        .otherwise(err -> Outcome.offline(METHOD, new JsonObject().put("binary", binary)
            .put("hint", "Install " + binary + " CLI").put("error", "PATH search failed: " + err)));
  }

  /** The first executable {@code binary} in the folders of {@code path}, as {@code which} finds it. */
  static Optional<Path> find(String binary, String path) {
    if (path == null || path.isBlank()) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      // An empty entry means the working directory to a shell; a server should not run what lies there.
      if (dir.isBlank()) {
        continue;
      }
      for (String candidate : candidates(binary)) {
        try {
          Path file = Path.of(dir, candidate);
          if (Files.isRegularFile(file) && Files.isExecutable(file)) {
            return Optional.of(file.toAbsolutePath());
          }
        } catch (InvalidPathException | SecurityException unusable) {
          // A malformed or unreadable PATH entry is skipped, as the shell skips it.
        }
      }
    }
    return Optional.empty();
  }

  private static List<String> candidates(String binary) {
    if (!WINDOWS) {
      return List.of(binary);
    }
    List<String> out = new ArrayList<>();
    String pathext = System.getenv().getOrDefault("PATHEXT", ".COM;.EXE;.BAT;.CMD");
    for (String ext : pathext.split(";")) {
      if (!ext.isBlank()) {
        out.add(binary + ext.toLowerCase(Locale.ROOT));
      }
    }
    out.add(binary);
    return out;
  }
}
