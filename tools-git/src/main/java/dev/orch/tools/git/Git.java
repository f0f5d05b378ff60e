package dev.orch.tools.git;

import dev.orch.tool.ToolException;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one read-only git command in a repository, as a subprocess: hooks, fsmonitor, pagers, external
 * diff and text conversion off, no prompt, the system config and any {@code GIT_*} variable of the
 * server ignored, repository discovery stopped at the project folder, a deadline, and the output cut
 * at a size. Blocking: call it from a worker thread.
 */
final class Git {
  /** Options that keep a repository's own settings from running anything. */
  private static final List<String> SAFE = List.of("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
      "-c", "core.pager=cat", "-c", "color.ui=false", "--no-pager", "--no-optional-locks");
  private static final int MAX_ERROR_CHARS = 2_000;

  private final Vertx vertx;
  private final GitSettings settings;

  Git(Vertx vertx, GitSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
  }

  /**
   * The output of {@code git <args>} in {@code repository}.
   *
   * @throws ToolException when the folder is not a repository, git fails, or it runs out of time
   */
  String run(Path repository, String what, List<String> args) throws IOException, InterruptedException {
    if (!settings.enabled()) {
      throw new ToolException("Git is turned off on this server (git.enabled is false)");
    }
    if (!Files.exists(repository.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
      throw new ToolException("The project folder is not a git repository");
    }
    List<String> command = new ArrayList<>();
    command.add(settings.binary());
    command.addAll(SAFE);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(repository.toFile());
    environment(builder.environment(), repository);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new ToolException("git is not available on this server (" + settings.binary() + ")", false);
    }
    process.getOutputStream().close();
    AtomicBoolean timedOut = new AtomicBoolean();
    long timer = vertx.setTimer(settings.timeoutMs(), id -> {
      timedOut.set(true);
      kill(process);
    });
    CompletableFuture<Captured> errors = new CompletableFuture<>();
    Thread errorReader = new Thread(() -> {
      try {
        errors.complete(capture(process.getErrorStream(), MAX_ERROR_CHARS));
      } catch (IOException e) {
        errors.complete(new Captured("", false));
      }
    }, "orch-git-stderr");
    errorReader.setDaemon(true);
    errorReader.start();
    try {
      Captured out = capture(process.getInputStream(), settings.maxOutputChars());
      int exit = process.waitFor();
      if (timedOut.get()) {
        throw new ToolException(what + " did not finish within " + seconds(settings.timeoutMs()) + " s", true);
      }
      if (exit != 0) {
        String err = errors.get(5, TimeUnit.SECONDS).text().strip();
        throw new ToolException(what + " failed: " + (err.isEmpty() ? "exit code " + exit : err));
      }
      if (!out.cut()) {
        return out.text();
      }
      return out.text() + "\n\n[Cut at " + settings.maxOutputChars() + " characters; narrow it down with a path"
          + " or a smaller count.]";
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException("git's error output was not read", e);
    } finally {
      vertx.cancelTimer(timer);
      kill(process);
    }
  }

  /** The server's environment minus everything git-specific, plus settings that keep git quiet and local. */
  private static void environment(Map<String, String> env, Path repository) {
    String path = env.get("PATH");
    String home = env.get("HOME");
    env.clear();
    if (path != null) {
      env.put("PATH", path);
    }
    if (home != null) {
      env.put("HOME", home);
    }
    env.put("LC_ALL", "C");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_PAGER", "cat");
    env.put("PAGER", "cat");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_LITERAL_PATHSPECS", "1");
    env.put("GIT_OPTIONAL_LOCKS", "0");
    // A project folder that is not a repository must not find one further up (the server's own).
    Path parent = repository.toAbsolutePath().getParent();
    if (parent != null) {
      env.put("GIT_CEILING_DIRECTORIES", parent.toString());
    }
  }

  private record Captured(String text, boolean cut) {}

  /** Reads a stream to its end, keeping the first {@code maxChars} characters. */
  private static Captured capture(InputStream in, int maxChars) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    long limit = 4L * maxChars + 4;
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) > 0) {
      int room = (int) Math.max(0, Math.min(n, limit - kept.size()));
      kept.write(buffer, 0, room);
    }
    String text = kept.toString(StandardCharsets.UTF_8);
    boolean cut = kept.size() >= limit || text.length() > maxChars;
    if (text.length() > maxChars) {
      int end = Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
      text = text.substring(0, end);
    }
    return new Captured(text, cut);
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0);
  }
}
