package dev.orch.kernel.agents;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task on a CLI agent (Claude Code, Codex, Gemini CLI) as a subprocess in the project's
 * folder, streaming what it prints and enforcing a timeout.
 *
 * <p>Before a run starts, the {@link CliAgentPolicy} checks it against the role of the project's
 * owner, read at that moment; and the run is confined by the OS sandbox ({@link CliSandbox}) where
 * the host has one. A refused run starts no process.
 *
 * <p>The child gets a minimal environment: {@code PATH}, {@code HOME} (the sandbox's empty one) and
 * the variables of {@code cli_agents.<agent>.env_allow}, taken from the environment this runner was
 * given. Nothing else of the server's environment (its JWT secret, database URL, other providers'
 * keys) reaches the agent, and no variable value is ever logged.
 *
 * <p>Usable from any Vert.x context; it never blocks the caller.
 */
public final class CliAgentRunner {
  private static final Logger LOG = LoggerFactory.getLogger(CliAgentRunner.class);

  private final Vertx vertx;
  private final CliAgentPolicy policy;
  private final CliAgentConfig config;
  private final OwnerRoles owners;
  private final Map<String, String> environment;

  /** A runner over the server's own environment. */
  public CliAgentRunner(Vertx vertx, CliAgentPolicy policy, OwnerRoles owners) {
    this(vertx, policy, owners, System.getenv());
  }

  /**
   * A runner over the given environment: the source of the child's {@code PATH} and allowed
   * variables, and the {@code PATH} the binaries are looked up on.
   */
  public CliAgentRunner(Vertx vertx, CliAgentPolicy policy, OwnerRoles owners, Map<String, String> environment) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.config = policy.config();
    this.owners = Objects.requireNonNull(owners, "owners");
    this.environment = Map.copyOf(environment);
  }

  /**
   * Checks {@code request} against the policy, with the role its project's owner has now.
   *
   * @return the profile it would run with; fails 403 when it may not run
   */
  public Future<ToolProfile> admit(CliAgentRequest request) {
    return owners.role(request.projectId())
        .map(role -> policy.admit(role, request.agent(), request.profile()));
  }

  /**
   * Runs {@code request} to the end. Equivalent to {@code start(request, onOutput).result()}; use
   * {@link #start} to be able to cancel.
   */
  public Future<CliAgentResult> run(CliAgentRequest request, Consumer<CliAgentOutput> onOutput) {
    return start(request, onOutput).result();
  }

  /**
   * Starts {@code request} on a worker and returns at once.
   *
   * @param onOutput called on the calling context for each line the CLI prints, in order per
   *     stream (stdout and stderr interleave as they arrive), and never after the result completed;
   *     null to ignore the output
   * @return the run, whose {@link CliAgentRun#result()} completes as documented there
   */
  public CliAgentRun start(CliAgentRequest request, Consumer<CliAgentOutput> onOutput) {
    Context context = vertx.getOrCreateContext();
    CliAgentConfig.Agent settings = config.agent(request.agent());
    ToolProfile profile = Objects.requireNonNullElse(request.profile(), settings.defaultProfile());
    Duration timeout = Objects.requireNonNullElse(request.timeout(), settings.timeout());
    CliAgentRun run = new CliAgentRun(vertx, context, request, profile, timeout, config.killGrace(), onOutput);
    admit(request)
        .compose(admitted -> context.executeBlocking(() -> launch(request, admitted, settings), false))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            run.started(ar.result().process(), ar.result().command());
          } else {
            run.failedToStart(ar.cause());
          }
        });
    return run;
  }

  private record Launched(Process process, String command) {}

  private Launched launch(CliAgentRequest request, ToolProfile profile, CliAgentConfig.Agent settings) {
    Path dir = workingDirectory(request.workingDirectory());
    Path binary = binary(request.agent(), settings.binary());
    List<String> argv = policy.sandbox().wrap(AgentCommand.argv(request.agent(), profile, realPath(binary).toString(),
        settings.extraArgs()), dir);
    ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile());
    Map<String, String> env = builder.environment();
    env.clear();
    env.putAll(childEnvironment(settings));
    LOG.debug("cli agent command [agent: {}, argv: {}, variables: {}, sandbox: {}]", request.agent().wire(), argv,
        env.keySet(), policy.sandbox().mode());
    try {
      return new Launched(builder.start(), binary.getFileName().toString());
    } catch (IOException e) {
      throw new OrchestratorException(503, request.agent().wire() + " could not be started: " + e.getMessage(), false);
    }
  }

  /** The real path of {@code requested}, which must be a folder strictly below the data folder. */
  private Path workingDirectory(Path requested) {
    Path dir = requested.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      if (!below(dir, config.dataDir())) {
        throw outside(requested);
      }
      throw OrchestratorException.badRequest("the working directory " + requested + " does not exist");
    }
    Path real;
    Path realData;
    try {
      // Compared as real paths: a symbolic link inside the data folder must not lead the agent out.
      real = dir.toRealPath();
      realData = config.dataDir().toRealPath();
    } catch (IOException e) {
      throw outside(requested);
    }
    if (!below(real, realData)) {
      throw outside(requested);
    }
    return real;
  }

  /** Strictly below: the data folder itself holds the database, not a project. */
  private static boolean below(Path dir, Path data) {
    return dir.startsWith(data) && !dir.equals(data);
  }

  private static OrchestratorException outside(Path requested) {
    return OrchestratorException.forbidden("cli agents run only in a project folder below the data folder, not in "
        + requested);
  }

  /** The executable: a path as given, or the first match on the environment's {@code PATH}. */
  private Path binary(CliAgent agent, String binary) {
    if (binary.contains(File.separator)) {
      Path path = Path.of(binary).toAbsolutePath();
      if (Files.isRegularFile(path) && Files.isExecutable(path)) {
        return path;
      }
      throw notInstalled(agent, "'" + binary + "' is not an executable file");
    }
    for (String entry : environment.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      try {
        Path candidate = Path.of(entry, binary);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toAbsolutePath();
        }
      } catch (InvalidPathException e) {
        // A malformed PATH entry cannot hold the binary; the next one may.
      }
    }
    throw notInstalled(agent, "no executable '" + binary + "' on the PATH");
  }

  private static OrchestratorException notInstalled(CliAgent agent, String why) {
    // Not retryable: installing the CLI or fixing the config takes a person, not a backoff.
    return new OrchestratorException(503, agent.wire() + " is not installed: " + why + " (install it or set cli_agents."
        + agent.wire() + ".binary)", false);
  }

  /** The file a link leads to: inside the sandbox, only that file is visible, not the link. */
  private static Path realPath(Path binary) {
    try {
      return binary.toRealPath();
    } catch (IOException e) {
      return binary;
    }
  }

  private Map<String, String> childEnvironment(CliAgentConfig.Agent settings) {
    Map<String, String> env = new TreeMap<>();
    copy(env, "PATH");
    String home = policy.sandbox().home(environment.get("HOME"));
    if (home != null) {
      env.put("HOME", home);
    }
    settings.envAllow().forEach(name -> copy(env, name));
    return env;
  }

  private void copy(Map<String, String> env, String name) {
    String value = environment.get(name);
    if (value != null) {
      env.put(name, value);
    }
  }
}
