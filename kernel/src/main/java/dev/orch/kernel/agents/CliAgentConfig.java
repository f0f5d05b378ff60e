package dev.orch.kernel.agents;

import dev.orch.kernel.config.ConfigException;
import dev.orch.kernel.config.OrchConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code cli_agents} section of the configuration, validated. Keys (conf/config.json):
 *
 * <ul>
 *   <li>{@code cli_agents.kill_grace_seconds} (5): how long a timed-out or cancelled agent gets between
 *       SIGTERM and SIGKILL;
 *   <li>{@code cli_agents.allowed} ({@code user}: {@code readonly}, {@code developer}; {@code admin}:
 *       every profile): the profiles a project owned by a user of each role may run. A role not
 *       listed may run no CLI agent. The server decides this, not the project's owner;
 *   <li>{@code cli_agents.unsandboxed} (false): run agents without the OS sandbox where bubblewrap is
 *       missing or does not work. Without it, CLI agents are refused on such a host;
 *   <li>{@code cli_agents.sandbox.bwrap} ({@code bwrap}): the bubblewrap executable, on the
 *       {@code PATH} or as a path;
 *   <li>{@code cli_agents.sandbox.read_only_paths} ({@code []}): folders an agent sees, read-only,
 *       besides the system's own (for example a Node.js installed below a home folder);
 *   <li>per agent ({@code claude_code}, {@code codex}, {@code gemini}):
 *       <ul>
 *         <li>{@code binary} ({@link CliAgent#defaultBinary()}): a name looked up on the {@code PATH},
 *             or a path to the executable;
 *         <li>{@code extra_args} ({@code []}): added after the profile's flags, e.g.
 *             {@code ["--model", "claude-sonnet-4-6"]};
 *         <li>{@code timeout_seconds} (1800): the default limit of one run;
 *         <li>{@code default_profile} ({@code developer}): {@code readonly}, {@code developer} or
 *             {@code full_access} (see {@link ToolProfile}), for requests that name none;
 *         <li>{@code env_allow} ({@link CliAgent#defaultEnv()}): the server's environment variables
 *             the CLI sees besides {@code PATH} and {@code HOME}. Nothing else of the server's
 *             environment reaches it.
 *       </ul>
 * </ul>
 *
 * @param dataDir the data folder; agents run only in a folder below it
 * @param killGrace the wait between SIGTERM and SIGKILL
 * @param agents the settings of every {@link CliAgent}
 * @param allowed role → the profiles a project of an owner with that role may run
 * @param unsandboxed whether agents may run without the sandbox where it does not work
 * @param sandbox the sandbox's settings
 */
public record CliAgentConfig(Path dataDir, Duration killGrace, Map<CliAgent, Agent> agents,
    Map<String, Set<ToolProfile>> allowed, boolean unsandboxed, Sandbox sandbox) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1800);
  public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);
  public static final ToolProfile DEFAULT_PROFILE = ToolProfile.DEVELOPER;
  /** Users may read and edit their project; only admins may run an agent without its CLI's own limits. */
  public static final Map<String, Set<ToolProfile>> DEFAULT_ALLOWED = Map.of(
      "user", Set.of(ToolProfile.READONLY, ToolProfile.DEVELOPER),
      "admin", Set.of(ToolProfile.values()));

  static final String SECTION = "cli_agents";
  private static final Set<String> OWN_KEYS = Set.of("kill_grace_seconds", "allowed", "unsandboxed", "sandbox");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * The settings of one agent.
   *
   * @param binary a name looked up on the {@code PATH}, or a path
   * @param extraArgs arguments added after the profile's flags
   * @param timeout the limit of a run whose request names none
   * @param defaultProfile the profile of a run whose request names none
   * @param envAllow the variables passed through besides {@code PATH} and {@code HOME}
   */
  public record Agent(String binary, List<String> extraArgs, Duration timeout, ToolProfile defaultProfile,
      List<String> envAllow) {
    public Agent {
      extraArgs = List.copyOf(extraArgs);
      envAllow = List.copyOf(envAllow);
    }

    /** The built-in settings of {@code agent}. */
    public static Agent defaults(CliAgent agent) {
      return new Agent(agent.defaultBinary(), List.of(), DEFAULT_TIMEOUT, DEFAULT_PROFILE, agent.defaultEnv());
    }
  }

  /**
   * The OS sandbox every agent runs in (see {@link CliSandbox}).
   *
   * @param bwrap the bubblewrap executable: a name on the {@code PATH}, or a path
   * @param readOnlyPaths extra folders visible read-only inside the sandbox
   */
  public record Sandbox(String bwrap, List<Path> readOnlyPaths) {
    public static final Sandbox DEFAULT = new Sandbox("bwrap", List.of());

    public Sandbox {
      readOnlyPaths = List.copyOf(readOnlyPaths);
    }
  }

  public CliAgentConfig {
    dataDir = dataDir.toAbsolutePath().normalize();
    EnumMap<CliAgent, Agent> all = new EnumMap<>(CliAgent.class);
    for (CliAgent agent : CliAgent.values()) {
      all.put(agent, agents.getOrDefault(agent, Agent.defaults(agent)));
    }
    agents = Map.copyOf(all);
    Map<String, Set<ToolProfile>> grants = new LinkedHashMap<>();
    allowed.forEach((role, profiles) -> grants.put(role, profiles.isEmpty() ? Set.of()
        : Set.copyOf(EnumSet.copyOf(profiles))));
    allowed = Map.copyOf(grants);
  }

  /** The defaults for everything but the data folder. */
  public CliAgentConfig(Path dataDir) {
    this(dataDir, DEFAULT_KILL_GRACE, Map.of(), DEFAULT_ALLOWED, false, Sandbox.DEFAULT);
  }

  /** The settings of {@code agent}. */
  public Agent agent(CliAgent agent) {
    return agents.get(agent);
  }

  /** The profiles a project owned by a user with {@code role} may run; empty for an unknown role. */
  public Set<ToolProfile> allowed(String role) {
    return role == null ? Set.of() : allowed.getOrDefault(role, Set.of());
  }

  /** Reads the section from the validated configuration. */
  public static CliAgentConfig from(OrchConfig config) {
    return from(config.raw(), config.dataDir());
  }

  /**
   * Reads and validates the {@code cli_agents} section of the whole configuration.
   *
   * @param raw the layered configuration ({@code OrchConfig.raw()})
   * @param dataDir the data folder ({@code OrchConfig.dataDir()})
   * @throws ConfigException naming the key: an unknown agent, a blank binary, a non-positive
   *     timeout, an unknown profile, a malformed variable name or a value of the wrong type
   */
  public static CliAgentConfig from(JsonObject raw, Path dataDir) {
    JsonObject section = object(raw, SECTION, SECTION);
    Duration grace = seconds(section, SECTION + ".kill_grace_seconds", "kill_grace_seconds",
        DEFAULT_KILL_GRACE.toMillis() / 1000.0);
    Map<CliAgent, Agent> agents = new EnumMap<>(CliAgent.class);
    for (String name : section.fieldNames()) {
      if (OWN_KEYS.contains(name)) {
        continue;
      }
      CliAgent agent = CliAgent.fromWire(name).filter(a -> a.wire().equals(name)).orElseThrow(() ->
          new ConfigException(SECTION + "." + name + " is not a CLI agent; known: claude_code, codex, gemini"));
      agents.put(agent, agent(agent, object(section, SECTION + "." + name, name)));
    }
    Object unsandboxed = section.getValue("unsandboxed");
    if (unsandboxed != null && !(unsandboxed instanceof Boolean)) {
      throw new ConfigException(SECTION + ".unsandboxed must be true or false, got " + unsandboxed);
    }
    return new CliAgentConfig(dataDir, grace, agents, allowed(section), Boolean.TRUE.equals(unsandboxed),
        sandbox(object(section, SECTION + ".sandbox", "sandbox")));
  }

  private static Map<String, Set<ToolProfile>> allowed(JsonObject section) {
    if (section.getValue("allowed") == null) {
      return DEFAULT_ALLOWED;
    }
    JsonObject json = object(section, SECTION + ".allowed", "allowed");
    Map<String, Set<ToolProfile>> out = new LinkedHashMap<>();
    for (String role : json.fieldNames()) {
      String key = SECTION + ".allowed." + role;
      Set<ToolProfile> profiles = EnumSet.noneOf(ToolProfile.class);
      for (String name : strings(json, key, role)) {
        profiles.add(ToolProfile.fromWire(name).filter(p -> p.wire().equals(name)).orElseThrow(() ->
            new ConfigException(key + " entries must be readonly, developer or full_access, got '" + name + "'")));
      }
      out.put(role, profiles);
    }
    return out;
  }

  private static Sandbox sandbox(JsonObject json) {
    String prefix = SECTION + ".sandbox.";
    String bwrap = string(json, prefix + "bwrap", "bwrap", Sandbox.DEFAULT.bwrap());
    if (bwrap.isBlank()) {
      throw new ConfigException(prefix + "bwrap must name the bubblewrap executable, got an empty string");
    }
    List<Path> paths = new ArrayList<>();
    for (String path : strings(json, prefix + "read_only_paths", "read_only_paths")) {
      Path p = Path.of(path);
      if (!p.isAbsolute()) {
        throw new ConfigException(prefix + "read_only_paths entries must be absolute paths, got '" + path + "'");
      }
      paths.add(p.normalize());
    }
    return new Sandbox(bwrap.trim(), paths);
  }

  private static Agent agent(CliAgent agent, JsonObject json) {
    String prefix = SECTION + "." + agent.wire() + ".";
    String binary = string(json, prefix + "binary", "binary", agent.defaultBinary());
    if (binary.isBlank()) {
      throw new ConfigException(prefix + "binary must name the " + agent.wire() + " executable, got an empty string");
    }
    String profileName = string(json, prefix + "default_profile", "default_profile", DEFAULT_PROFILE.wire());
    ToolProfile profile = ToolProfile.fromWire(profileName).orElseThrow(() -> new ConfigException(prefix
        + "default_profile must be one of readonly, developer, full_access, got '" + profileName + "'"));
    List<String> env = json.getValue("env_allow") == null ? agent.defaultEnv()
        : strings(json, prefix + "env_allow", "env_allow");
    for (String name : env) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new ConfigException(prefix + "env_allow entries must be variable names, got '" + name + "'");
      }
    }
    return new Agent(binary.trim(), strings(json, prefix + "extra_args", "extra_args"),
        seconds(json, prefix + "timeout_seconds", "timeout_seconds", DEFAULT_TIMEOUT.toSeconds()), profile, env);
  }

  private static JsonObject object(JsonObject parent, String fullKey, String key) {
    Object value = parent.getValue(key);
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject object) {
      return object;
    }
    throw new ConfigException(fullKey + " must be an object, got " + value);
  }

  private static String string(JsonObject parent, String fullKey, String key, String fallback) {
    Object value = parent.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof String s) {
      return s;
    }
    throw new ConfigException(fullKey + " must be a string, got " + value);
  }

  private static List<String> strings(JsonObject parent, String fullKey, String key) {
    Object value = parent.getValue(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(fullKey + " must be a list of strings, got " + value);
    }
    List<String> out = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof String s)) {
        throw new ConfigException(fullKey + " must be a list of strings, got " + item);
      }
      out.add(s);
    }
    return out;
  }

  private static Duration seconds(JsonObject parent, String fullKey, String key, double fallback) {
    Object value = parent.getValue(key);
    if (value == null) {
      return Duration.ofMillis(Math.round(fallback * 1000));
    }
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw new ConfigException(fullKey + " must be a number of seconds, got " + value);
    }
    if (n.doubleValue() <= 0) {
      throw new ConfigException(fullKey + " must be > 0, got " + value);
    }
    return Duration.ofMillis(Math.max(1, Math.round(n.doubleValue() * 1000)));
  }
}
