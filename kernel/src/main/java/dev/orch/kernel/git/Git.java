package dev.orch.kernel.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs git as a subprocess: an argument list (never a shell), hooks and fsmonitor off, no pager, no
 * prompt ({@code GIT_TERMINAL_PROMPT=0}), the system configuration and the server's {@code GIT_*}
 * variables ignored, the configured author as identity, and a deadline after which the process and
 * its children are killed. Blocking: call it on a worker thread, never on an event loop.
 */
public final class Git {
  private static final Logger LOG = LoggerFactory.getLogger(Git.class);
  private static final int MAX_CAPTURE_BYTES = 8 * 1024 * 1024;
  /** Reads the output streams of running commands: blocking reads stay off the common pool. */
  private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "orch-git-output");
    t.setDaemon(true);
    return t;
  });

  /** What a command printed and how it ended. */
  public record Out(int exit, String stdout, String stderr) {
    public boolean ok() {
      return exit == 0;
    }
  }

  private final GitConfig config;
  private final Map<String, String> extraEnv;

  public Git(GitConfig config) {
    this(config, Map.of());
  }

  /** With {@code extraEnv} added to every command's environment (tests point {@code HOME} elsewhere). */
  Git(GitConfig config, Map<String, String> extraEnv) {
    this.config = config;
    this.extraEnv = Map.copyOf(extraEnv);
  }

  public GitConfig config() {
    return config;
  }

  /** Whether a git binary runs on this machine ({@code git --version}); blocking. */
  public boolean available() {
    try {
      return exec(Path.of(System.getProperty("java.io.tmpdir")), "--version").ok();
    } catch (GitException e) {
      return false;
    }
  }

  /** Runs {@code git args} in {@code dir}; a non-zero exit fails with {@link GitException}. */
  public String run(Path dir, String... args) {
    Out out = exec(dir, args);
    if (!out.ok()) {
      throw failed(dir, args, out);
    }
    return out.stdout();
  }

  /** Runs {@code git args} in {@code dir} and returns how it ended, whatever the exit code. */
  public Out exec(Path dir, String... args) {
    List<String> command = new ArrayList<>(List.of("git",
        "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.pager=cat",
        "-c", "color.ui=false", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
        "-c", "user.name=" + config.authorName(), "-c", "user.email=" + config.authorEmail(),
        "-c", "merge.conflictstyle=merge", "--no-pager"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    environment(builder.environment());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      LOG.warn("git could not start [dir: {}, reason: {}]", dir, e.getMessage());
      throw new GitException(args.length == 0 ? "git" : args[0]);
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), READERS);
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()), READERS);
      if (!process.waitFor(config.timeoutMs(), TimeUnit.MILLISECONDS)) {
        kill(process);
        LOG.warn("git timed out [dir: {}, command: {}, timeout ms: {}]", dir, args.length == 0 ? "" : args[0],
            config.timeoutMs());
        throw new GitException((args.length == 0 ? "git" : args[0]) + " timed out");
      }
      return new Out(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
      throw new GitException(args.length == 0 ? "git" : args[0]);
    } catch (IOException | ExecutionException | TimeoutException e) {
      kill(process);
      LOG.warn("git output not read [dir: {}, reason: {}]", dir, e.getMessage());
      throw new GitException(args.length == 0 ? "git" : args[0]);
    }
  }

  /** The failure of a command: its stderr goes to the log, the exception names the operation only. */
  GitException failed(Path dir, String[] args, Out out) {
    LOG.warn("git failed [dir: {}, command: {}, exit: {}, stderr: {}]", dir, String.join(" ", args), out.exit(),
        out.stderr().strip());
    return new GitException(args.length == 0 ? "git" : args[0]);
  }

  private void environment(Map<String, String> env) {
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
    env.put("GIT_ASKPASS", "/bin/false");
    env.put("SSH_ASKPASS", "/bin/false");
    env.put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    env.put("GIT_PAGER", "cat");
    env.put("PAGER", "cat");
    env.put("GIT_EDITOR", "true");
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.putAll(extraEnv);
  }

  private static String read(InputStream in) {
    try (in) {
      ByteArrayOutputStream kept = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        kept.write(buffer, 0, Math.max(0, Math.min(n, MAX_CAPTURE_BYTES - kept.size())));
      }
      return kept.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
