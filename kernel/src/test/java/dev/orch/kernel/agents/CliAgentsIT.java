package dev.orch.kernel.agents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.executor.ExecutorAddresses;
import dev.orch.kernel.testing.ExecutorFixture;
import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may run what on the host: the grants of {@code cli_agents.allowed} at create, PATCH and
 * dispatch, and the OS sandbox around every CLI agent run, exercised for real with bubblewrap and a
 * stand-in agent that tries to get out of its folder.
 */
@Timeout(120)
class CliAgentsIT {
  /** Set for the test JVM by the failsafe configuration: a secret in the server's own environment. */
  static final String SERVER_SECRET_VAR = "ORCH_TEST_SERVER_SECRET";

  @TempDir Path dir;
  TestKernel k;
  Path bin;
  String adminToken;
  String userToken;
  String userId;

  @AfterEach
  void stop() {
    if (k != null) {
      k.close();
    }
  }

  private void start(Consumer<JsonObject> tweak) throws Exception {
    bin = dir.resolve("bin");
    Path claude = FakeClis.installProber(bin);
    JsonObject json = TestKernel.testConfig(dir.resolve("data"));
    json.getJsonObject("execution").put("verification_enabled", false).put("knowledge_extraction_enabled", false)
        .put("safety_tick_sec", 30);
    json.put("cli_agents", new JsonObject().put("claude_code", new JsonObject().put("binary", claude.toString())));
    tweak.accept(json);
    k = TestKernel.start(json);
    adminToken = k.signUp("admin@example.com", "password1").getString("access_token");
    JsonObject user = k.signUp("user@example.com", "password1");
    userToken = user.getString("access_token");
    userId = user.getJsonObject("user").getString("id");
  }

  private static JsonObject cli(String profile) {
    JsonObject config = new JsonObject().put("cli_agent", "claude_code");
    return profile == null ? config : config.put("cli_profile", profile);
  }

  private io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> create(String token, JsonObject config) {
    return k.post("/api/projects", new JsonObject().put("name", "p").put("requirements", "r").put("config", config),
        token);
  }

  /** A project of {@code token}'s user with one approved task whose description is {@code description}. */
  private String projectWithTask(String token, JsonObject config, String description) {
    var created = create(token, config);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String projectId = created.bodyAsJsonObject().getString("id");
    JsonArray tasks = new JsonArray().add(new JsonObject().put("title", "Probe").put("description", description)
        .put("task_type", "code").put("complexity", "simple").put("depends_on", new JsonArray()));
    k.sql("INSERT INTO plans (id, project_id, version, model_used, plan_json, status, created_at)"
        + " VALUES (?, ?, 1, 'm', ?, 'draft', 1)", projectId + "pl", projectId,
        new JsonObject().put("summary", "s").put("tasks", tasks).encode());
    var approved = k.post("/api/projects/" + projectId + "/plans/" + projectId + "pl/approve", null, token);
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    return projectId;
  }

  private void execute(String projectId, String token) {
    var res = k.post("/api/projects/" + projectId + "/execute", null, token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    k.vertx.eventBus().publish(ExecutorAddresses.WAKE, new JsonObject().put("project_id", projectId));
  }

  private JsonObject task(String projectId, String token) {
    return k.get("/api/tasks/project/" + projectId, token).bodyAsJsonArray().getJsonObject(0);
  }

  private JsonObject finished(String projectId, String token) {
    ExecutorFixture.await("the task finished", Duration.ofSeconds(30),
        () -> List.of("completed", "failed", "needs_review").contains(task(projectId, token).getString("status")));
    return task(projectId, token);
  }

  private Path folder(String projectId) {
    return k.config.dataDir().resolve("projects").resolve(projectId);
  }

  @Test
  @DisplayName("a user cannot pick full_access (403 with the reason, at create and PATCH); readonly and developer are fine; an admin may")
  void grantsByRole() throws Exception {
    start(c -> {});

    var refused = create(userToken, cli("full_access"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getString("detail"))
        .isEqualTo("CLI agent profile 'full_access' is not allowed for role 'user' on this server"
            + " (allowed: readonly, developer)");
    var developer = create(userToken, cli("developer"));
    assertThat(developer.statusCode()).isEqualTo(201);
    assertThat(create(userToken, cli("readonly")).statusCode()).isEqualTo(201);
    assertThat(create(userToken, cli(null)).statusCode()).as("the agent's default profile, developer").isEqualTo(201);

    String projectId = developer.bodyAsJsonObject().getString("id");
    var patched = k.patch("/api/projects/" + projectId, new JsonObject().put("config", cli("full_access")), userToken);
    assertThat(patched.statusCode()).isEqualTo(403);
    assertThat(patched.bodyAsJsonObject().getString("detail")).contains("'full_access' is not allowed for role 'user'");
    var adminPatch = k.patch("/api/projects/" + projectId, new JsonObject().put("config", cli("full_access")), adminToken);
    assertThat(adminPatch.statusCode()).as("the owner's grants decide, also when an admin edits").isEqualTo(403);
    assertThat(k.get("/api/projects/" + projectId, userToken).bodyAsJsonObject().getJsonObject("config")
        .getString("cli_profile")).isEqualTo("developer");

    assertThat(create(adminToken, cli("full_access")).statusCode()).isEqualTo(201);
    var unknown = create(userToken, new JsonObject().put("cli_agent", "bash"));
    assertThat(unknown.statusCode()).isEqualTo(422);
    assertThat(unknown.bodyAsJsonObject().getString("detail")).startsWith("config.cli_agent must be one of");
    assertThat(create(userToken, cli("root")).statusCode()).isEqualTo(422);
  }

  @Test
  @DisplayName("a profile the owner may no longer run is refused at dispatch: the task fails with the reason and no agent starts")
  void checkedAgainAtDispatch() throws Exception {
    start(c -> {});
    // The user is an admin when the project is written, and no longer one when it runs.
    assertThat(k.patch("/api/admin/users/" + userId, new JsonObject().put("role", "admin"), adminToken).statusCode())
        .isEqualTo(200);
    String projectId = projectWithTask(userToken, cli("full_access"), "Summarise the project.");
    assertThat(k.patch("/api/admin/users/" + userId, new JsonObject().put("role", "user"), adminToken).statusCode())
        .isEqualTo(200);

    execute(projectId, userToken);
    JsonObject task = finished(projectId, userToken);

    assertThat(task.getString("status")).isEqualTo("failed");
    assertThat(task.getString("error")).contains("'full_access' is not allowed for role 'user'");
    assertThat(folder(projectId).resolve("stdin.txt")).as("no agent was started").doesNotExist();
  }

  @Test
  @DisplayName("in its sandbox an agent cannot read the database, another project, the server's home or environment, nor write outside its folder; its folder is writable")
  void sandboxConfinesTheAgent() throws Exception {
    String secret = System.getenv(SERVER_SECRET_VAR);
    assertThat(secret).as("the failsafe configuration sets %s", SERVER_SECRET_VAR).isNotBlank();
    start(c -> {});
    Path data = k.config.dataDir();
    Path database = data.resolve("orchestration.db");
    assertThat(database).exists();
    String other = projectWithTask(adminToken, new JsonObject(), "Another project.");
    Path otherFile = Files.createDirectories(folder(other)).resolve("secret.txt");
    Files.writeString(otherFile, "another user's work");
    Path serverHome = Path.of(System.getProperty("user.home"));
    Path outside = dir.resolve("outside.txt");
    Path inData = data.resolve("planted.txt");
    Path inHostTmp = Path.of("/tmp", "orch-escape-" + System.nanoTime());
    String probes = String.join("\n",
        "PROBE read " + database,
        "PROBE read " + otherFile,
        "PROBE list " + data,
        "PROBE list " + serverHome,
        "PROBE env " + secret,
        "PROBE procenv " + secret,
        "PROBE write " + outside,
        "PROBE write " + inData,
        "PROBE write " + inHostTmp,
        "PROBE write inside.txt");
    String projectId = projectWithTask(userToken, cli("developer"), probes);

    execute(projectId, userToken);
    JsonObject task = finished(projectId, userToken);

    assertThat(task.getString("status")).as(String.valueOf(task.getString("error"))).isEqualTo("completed");
    Map<String, String> results = Files.readAllLines(folder(projectId).resolve("probe.txt")).stream()
        .collect(Collectors.toMap(l -> l.substring(0, l.lastIndexOf(':')), l -> l.substring(l.lastIndexOf(':') + 2)));
    assertThat(results).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("read " + database, "denied"),
        Map.entry("read " + otherFile, "denied"),
        Map.entry("list " + data, "denied"),
        Map.entry("list " + serverHome, "denied"),
        Map.entry("env " + secret, "denied"),
        Map.entry("procenv " + secret, "denied"),
        Map.entry("write " + outside, "denied"),
        Map.entry("write " + inData, "denied"),
        // The agent's own /tmp is a tmpfs: writing there works and never reaches the host's.
        Map.entry("write " + inHostTmp, "ok"),
        Map.entry("write inside.txt", "ok")));
    assertThat(outside).doesNotExist();
    assertThat(inData).doesNotExist();
    assertThat(inHostTmp).doesNotExist();
    assertThat(folder(projectId).resolve("inside.txt")).hasContent("escaped");
    assertThat(Files.readString(folder(projectId).resolve("env.txt"))).contains("HOME=" + CliSandbox.HOME)
        .doesNotContain(secret, TestKernel.SECRET);
  }

  @Test
  @DisplayName("where the sandbox does not work, CLI agents are refused with the reason: 403 at create, the task fails; the rest works")
  void refusedWithoutSandbox() throws Exception {
    start(c -> c.getJsonObject("cli_agents").put("sandbox", new JsonObject().put("bwrap", dir.resolve("no-bwrap")
        .toString())));

    var refused = create(userToken, cli("readonly"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getString("detail")).startsWith("CLI agents are disabled on this server");
    assertThat(create(adminToken, cli("full_access")).statusCode()).isEqualTo(403);
    // A project written before, or by hand: its task fails at dispatch with the same reason.
    String projectId = projectWithTask(userToken, new JsonObject(), "Summarise the project.");
    k.sql("UPDATE projects SET config_json = ? WHERE id = ?", cli("readonly").encode(), projectId);
    execute(projectId, userToken);
    JsonObject task = finished(projectId, userToken);

    assertThat(task.getString("status")).isEqualTo("failed");
    assertThat(task.getString("error")).startsWith("CLI agents are disabled on this server");
    assertThat(folder(projectId).resolve("stdin.txt")).doesNotExist();
    assertThat(k.get("/api/health", null).statusCode()).isEqualTo(200);
    assertThat(create(userToken, new JsonObject()).statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("cli_agents.unsandboxed lets agents run where the sandbox does not work")
  void unsandboxedByChoice() throws Exception {
    start(c -> c.getJsonObject("cli_agents").put("unsandboxed", true)
        .put("sandbox", new JsonObject().put("bwrap", dir.resolve("no-bwrap").toString())));

    String projectId = projectWithTask(userToken, cli("developer"), "PROBE write inside.txt");
    execute(projectId, userToken);

    assertThat(finished(projectId, userToken).getString("status")).isEqualTo("completed");
    assertThat(folder(projectId).resolve("inside.txt")).exists();
  }
}
