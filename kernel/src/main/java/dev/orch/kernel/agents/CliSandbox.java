package dev.orch.kernel.agents;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OS sandbox of every CLI agent run: bubblewrap ({@code bwrap}) with new namespaces, where the
 * agent sees a read-only minimal system ({@code /usr} and its links, a few files of {@code /etc}),
 * its own {@code /proc}, {@code /dev} and {@code /tmp}, an empty {@code HOME}, its executable, and
 * the project folder at {@link #PROJECT}, the only place it can write. The folder is mounted there
 * rather than at its own path, so that nothing of the data folder's layout exists inside. The data folder with the database and the other
 * projects, the configuration, the server's home and the server's processes are not there at all.
 * It runs as an unprivileged user without capabilities, in its own session, and dies with the server.
 * It shares the host's network, which it needs to reach its model's API.
 *
 * <p>The environment is the runner's: already reduced to {@code PATH}, {@code HOME} and the agent's
 * {@code env_allow}; no value goes on the command line, where the process list would show it.
 *
 * <p>{@link #probe} runs a trivial command in the sandbox once at startup. Where it fails, CLI agents
 * are refused unless {@code cli_agents.unsandboxed} is set.
 */
public final class CliSandbox {
  private static final Logger LOG = LoggerFactory.getLogger(CliSandbox.class);
  /** The agent's {@code HOME}: an empty folder on a tmpfs, gone when the run ends. */
  public static final String HOME = "/home/agent";
  /** Where the project folder appears inside the sandbox, and the agent's working folder. */
  public static final String PROJECT = "/project";
  /** Where an executable outside the system folders appears inside the sandbox. */
  static final String AGENT_BIN = "/opt/agent";
  /** The unprivileged user the agent runs as inside (nobody). */
  private static final String UID = "65534";
  private static final long PROBE_TIMEOUT_SECONDS = 10;
  /** What a CLI needs of {@code /etc}: the loader, name resolution, users, time zone, CA certificates. */
  private static final List<String> ETC = List.of("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "resolv.conf", "hosts",
      "host.conf", "nsswitch.conf", "gai.conf", "localtime", "passwd", "group", "ssl/certs", "ca-certificates",
      "ca-certificates.conf", "pki/tls/certs", "pki/ca-trust", "alternatives");
  /** Top-level system folders, each a real folder or (on a merged-/usr system) a link into /usr. */
  private static final List<String> SYSTEM = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

  /** How agents run on this host. */
  public enum Mode {
    /** In the sandbox. */
    CONFINED,
    /** Without it: the sandbox does not work here and {@code cli_agents.unsandboxed} allows that. */
    UNSANDBOXED,
    /** Not at all: the sandbox does not work here. */
    REFUSED
  }

  private final Mode mode;
  private final String reason;
  private final Path bwrap;
  private final CliAgentConfig config;
  private final Set<Path> hidden;

  private CliSandbox(Mode mode, String reason, Path bwrap, CliAgentConfig config, Set<Path> hidden) {
    this.mode = mode;
    this.reason = reason;
    this.bwrap = bwrap;
    this.config = config;
    this.hidden = hidden;
  }

  /**
   * Finds bubblewrap and runs {@code true} in the sandbox, on a worker. Never fails: where the probe
   * does, the result is {@link Mode#UNSANDBOXED} or {@link Mode#REFUSED} with the reason.
   *
   * @param environment the server's environment: its {@code PATH} to find {@code bwrap}, its
   *     {@code HOME} to hide
   */
  public static Future<CliSandbox> probe(Vertx vertx, CliAgentConfig config, Map<String, String> environment) {
    return vertx.executeBlocking(() -> probeNow(config, environment), false)
        .otherwise(err -> fallback(config, "the probe failed: " + err.getMessage()))
        .onSuccess(CliSandbox::log);
  }

  /** A sandbox that is not used, for embedders and tests that need the agent's real process ids. */
  public static CliSandbox unsandboxed(CliAgentConfig config, String why) {
    return new CliSandbox(Mode.UNSANDBOXED, why, null, config, Set.of());
  }

  public Mode mode() {
    return mode;
  }

  /** Why the sandbox is not used; null when it is. */
  public String reason() {
    return reason;
  }

  /** The 403 a CLI agent gets on a host where agents are refused; null where they run. */
  OrchestratorException refusal() {
    return mode != Mode.REFUSED ? null : OrchestratorException.forbidden("CLI agents are disabled on this server: no"
        + " working sandbox (bubblewrap) was found at startup; an operator can install bubblewrap, or set"
        + " cli_agents.unsandboxed");
  }

  /**
   * The command line that runs {@code command} in the sandbox, in {@code workDir} (writable), or the
   * command itself when agents run unsandboxed.
   *
   * @param command the agent's command line; its first element, the executable (a real path), is
   *     made visible read-only: where it is, when that is a system folder or a read-only path, else
   *     at {@link #AGENT_BIN}
   */
  List<String> wrap(List<String> command, Path workDir) {
    if (mode != Mode.CONFINED) {
      return command;
    }
    List<String> argv = base(bwrap, config, hidden);
    Path executable = Path.of(command.get(0));
    String inside = executable.toString();
    if (visibleRoots(config).stream().noneMatch(executable::startsWith)) {
      inside = AGENT_BIN + "/" + executable.getFileName();
      add(argv, "--ro-bind", executable.toString(), inside);
    }
    add(argv, "--bind", workDir.toString(), PROJECT);
    add(argv, "--chdir", PROJECT);
    argv.add(inside);
    argv.addAll(command.subList(1, command.size()));
    return List.copyOf(argv);
  }

  /** The {@code HOME} the agent gets: the empty one inside the sandbox, else the server's. */
  String home(String serverHome) {
    return mode == Mode.CONFINED ? HOME : serverHome;
  }

  private static CliSandbox probeNow(CliAgentConfig config, Map<String, String> environment) {
    Path bwrap = executable(config.sandbox().bwrap(), environment.getOrDefault("PATH", ""));
    if (bwrap == null) {
      return fallback(config, "'" + config.sandbox().bwrap() + "' not found (install the bubblewrap package)");
    }
    Set<Path> hidden = hidden(config, environment);
    Path trueCmd = Files.isExecutable(Path.of("/usr/bin/true")) ? Path.of("/usr/bin/true") : Path.of("/bin/true");
    List<String> argv = base(bwrap, config, hidden);
    add(argv, "--chdir", "/");
    argv.add(trueCmd.toString());
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/bin:/bin");
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return fallback(config, bwrap + " did not finish within " + PROBE_TIMEOUT_SECONDS + " s");
      }
      String output = firstLine(process.getInputStream());
      if (process.exitValue() != 0) {
        return fallback(config, bwrap + " exited with code " + process.exitValue() + (output.isEmpty() ? "" : ": " + output));
      }
      return new CliSandbox(Mode.CONFINED, null, bwrap, config, hidden);
    } catch (IOException e) {
      return fallback(config, bwrap + " could not be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fallback(config, "interrupted");
    }
  }

  private static CliSandbox fallback(CliAgentConfig config, String reason) {
    return new CliSandbox(config.unsandboxed() ? Mode.UNSANDBOXED : Mode.REFUSED, reason, null, config, Set.of());
  }

  private static void log(CliSandbox sandbox) {
    switch (sandbox.mode) {
      case CONFINED -> LOG.info("cli agent sandbox ready [bwrap: {}]", sandbox.bwrap);
      case UNSANDBOXED -> LOG.warn("cli agents run WITHOUT a sandbox, as the server's user with its files in reach"
          + " (cli_agents.unsandboxed is set) [reason: {}]", sandbox.reason);
      case REFUSED -> LOG.warn("cli agents refused: no working sandbox; install bubblewrap or set"
          + " cli_agents.unsandboxed [reason: {}]", sandbox.reason);
      default -> throw new IllegalStateException(sandbox.mode.name());
    }
  }

  /** Namespaces, user, the read-only system, the scratch folders, and tmpfs over what must stay hidden. */
  private static List<String> base(Path bwrap, CliAgentConfig config, Set<Path> hidden) {
    List<String> argv = new ArrayList<>();
    argv.add(bwrap.toString());
    argv.addAll(List.of("--unshare-all", "--share-net", "--unshare-user", "--disable-userns", "--uid", UID, "--gid", UID,
        "--cap-drop", "ALL", "--die-with-parent", "--new-session"));
    for (String dir : SYSTEM) {
      Path path = Path.of(dir);
      if (Files.isSymbolicLink(path)) {
        try {
          add(argv, "--symlink", Files.readSymbolicLink(path).toString(), dir);
        } catch (IOException e) {
          LOG.debug("system link unreadable, left out [path: {}, reason: {}]", dir, e.getMessage());
        }
      } else if (Files.isDirectory(path)) {
        add(argv, "--ro-bind", dir, dir);
      }
    }
    for (String name : ETC) {
      add(argv, "--ro-bind-try", "/etc/" + name, "/etc/" + name);
    }
    add(argv, "--proc", "/proc");
    add(argv, "--dev", "/dev");
    add(argv, "--tmpfs", "/tmp");
    add(argv, "--tmpfs", "/home");
    add(argv, "--dir", HOME);
    for (Path path : config.sandbox().readOnlyPaths()) {
      add(argv, "--ro-bind-try", path.toString(), path.toString());
    }
    // Mounted last, over anything above that would show them.
    for (Path path : hidden) {
      add(argv, "--tmpfs", path.toString());
    }
    return argv;
  }

  /**
   * The data folder, the server's home and working folder, where they lie in something visible
   * (a data folder below {@code /usr}, or inside an operator's read-only path).
   */
  private static Set<Path> hidden(CliAgentConfig config, Map<String, String> environment) {
    List<Path> visible = visibleRoots(config);
    Set<Path> out = new LinkedHashSet<>();
    List<String> candidates = new ArrayList<>();
    candidates.add(config.dataDir().toString());
    candidates.add(environment.get("HOME"));
    candidates.add(System.getProperty("user.home"));
    candidates.add(System.getProperty("user.dir"));
    for (String candidate : candidates) {
      if (candidate == null || candidate.isBlank()) {
        continue;
      }
      for (Path path : withRealPath(Path.of(candidate).toAbsolutePath().normalize())) {
        if (Files.isDirectory(path) && visible.stream().anyMatch(path::startsWith)) {
          out.add(path);
        }
      }
    }
    return Set.copyOf(out);
  }

  private static List<Path> visibleRoots(CliAgentConfig config) {
    List<Path> roots = new ArrayList<>();
    for (String dir : SYSTEM) {
      roots.add(Path.of(dir));
    }
    for (String name : ETC) {
      roots.add(Path.of("/etc", name));
    }
    roots.addAll(config.sandbox().readOnlyPaths());
    return roots;
  }

  private static List<Path> withRealPath(Path path) {
    try {
      Path real = path.toRealPath();
      return real.equals(path) ? List.of(path) : List.of(path, real);
    } catch (IOException e) {
      return List.of(path);
    }
  }

  /** A path as given, or the first match on {@code path}; null when there is none. */
  private static Path executable(String name, String path) {
    if (name.contains(File.separator)) {
      Path p = Path.of(name).toAbsolutePath();
      return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
    }
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        Path candidate = Path.of(entry, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toAbsolutePath();
        }
      } catch (InvalidPathException e) {
        // A malformed PATH entry cannot hold it; the next one may.
      }
    }
    return null;
  }

  private static String firstLine(InputStream in) throws IOException {
    String text = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static void add(List<String> argv, String... args) {
    argv.addAll(List.of(args));
  }

  @Override
  public String toString() {
    return "CliSandbox[" + mode + (reason == null ? "" : ", " + reason) + "]";
  }
}
