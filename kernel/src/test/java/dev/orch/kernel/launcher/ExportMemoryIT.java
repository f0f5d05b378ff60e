package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.TestKernel;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large answers from the packaged server under a small heap: the export and the task list of a
 * project of 1,000 tasks with 50 KB outputs each (about 50 MB) from a JVM limited to 256 MB.
 */
@Timeout(300)
class ExportMemoryIT {
  static final int TASKS = 1_000;
  static final int OUTPUT_CHARS = 50_000;

  @TempDir Path data;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void kill() {
    started.forEach(Process::destroyForcibly);
  }

  private Process launch(int port) throws Exception {
    String jar = System.getProperty("orch.kernel.jar");
    assertThat(jar).as("failsafe passes the packaged jar").isNotNull();
    List<String> command = new ArrayList<>(ServerProcessIT.sigintDefault() == null ? List.of()
        : ServerProcessIT.sigintDefault());
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+ExitOnOutOfMemoryError", "-jar", jar, "serve"));
    ProcessBuilder pb = new ProcessBuilder(command).directory(TestKernel.repoRoot().toFile())
        .redirectOutput(data.resolve("stdout.log").toFile()).redirectError(data.resolve("stderr.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_") || k.startsWith("ANTHROPIC_"));
    pb.environment().put("ORCH_DATA_DIR", data.resolve("data").toString());
    pb.environment().put("ORCH_SERVER__LOG_FORMAT", "text");
    pb.environment().put("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET);
    pb.environment().put("ORCH_SERVER__PORT", String.valueOf(port));
    pb.environment().put("ORCH_SERVER__HOST", "127.0.0.1");
    pb.environment().put("ORCH_AUTH__BCRYPT_COST", "4");
    pb.environment().put("ORCH_SERVER__ENDPOINT_RATE_LIMITS", "{\"export\": \"1000/minute\"}");
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private void awaitHealthy(int port, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("server exited early: " + Files.readString(data.resolve("stderr.log"))).isTrue();
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError("server not healthy within 60 s");
  }

  private JsonObject post(int port, String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> res = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isBetween(200, 201);
    return new JsonObject(res.body());
  }

  private HttpResponse<Path> download(int port, String path, String token, Path to) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(120)).build(),
        HttpResponse.BodyHandlers.ofFile(to));
  }

  /** 1,000 tasks of 50 KB output each, written straight into the server's SQLite file beside it. */
  private void seed(String projectId) throws Exception {
    String output = "x".repeat(OUTPUT_CHARS - 10);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("data/orchestration.db"))) {
      c.createStatement().execute("PRAGMA busy_timeout = 10000");
      c.setAutoCommit(false);
      try (PreparedStatement plan = c.prepareStatement("INSERT INTO plans (id, project_id, version, model_used,"
          + " plan_json, status, created_at) VALUES (?, ?, 1, 'm', '{}', 'approved', 1)")) {
        plan.setString(1, projectId + "pl");
        plan.setString(2, projectId);
        plan.executeUpdate();
      }
      try (PreparedStatement task = c.prepareStatement("INSERT INTO tasks (id, project_id, plan_id, title, description,"
          + " task_type, status, output_text, wave, priority, created_at, updated_at)"
          + " VALUES (?, ?, ?, ?, 'd', 'code', 'completed', ?, 0, ?, ?, ?)")) {
        for (int i = 0; i < TASKS; i++) {
          task.setString(1, String.format("t%011d", i));
          task.setString(2, projectId);
          task.setString(3, projectId + "pl");
          task.setString(4, "Task " + i);
          task.setString(5, String.format("%09d ", i) + output);
          task.setInt(6, i);
          task.setDouble(7, 1000 + i);
          task.setDouble(8, 1000 + i);
          task.addBatch();
        }
        task.executeBatch();
      }
      c.commit();
    }
  }

  @Test
  @DisplayName("a 1,000-task project with 50 KB outputs exports whole, and lists 500 tasks at a time, from a 256 MB heap")
  void exportUnderSmallHeap() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process server = launch(port);
    awaitHealthy(port, server);
    String token = post(port, "/api/auth/register", new JsonObject().put("email", "a@example.com")
        .put("password", "password1"), null).getString("access_token");
    if (token == null) {
      token = post(port, "/api/auth/login", new JsonObject().put("email", "a@example.com")
          .put("password", "password1"), null).getString("access_token");
    }
    String projectId = post(port, "/api/projects", new JsonObject().put("name", "big").put("requirements", "r"), token)
        .getString("id");
    seed(projectId);

    Path exported = data.resolve("export.json");
    HttpResponse<Path> export = download(port, "/api/projects/" + projectId + "/export", token, exported);
    Path listed = data.resolve("list.json");
    HttpResponse<Path> list = download(port, "/api/tasks/project/" + projectId + "?limit=500&offset=500", token, listed);

    assertThat(server.isAlive()).as("the server survived: " + Files.readString(data.resolve("stderr.log"))).isTrue();
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Disposition")).contains(
        "attachment; filename=\"project_" + projectId + ".json\"");
    JsonObject body = new JsonObject(Buffer.buffer(Files.readAllBytes(exported)));
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("exported_at", "project", "plans", "tasks", "events",
        "checkpoints", "usage", "knowledge");
    assertThat(body.getJsonObject("project").getString("id")).isEqualTo(projectId);
    JsonArray tasks = body.getJsonArray("tasks");
    assertThat(tasks).hasSize(TASKS);
    for (int i = 0; i < TASKS; i++) {
      JsonObject task = tasks.getJsonObject(i);
      assertThat(task.getString("title")).isEqualTo("Task " + i);
      assertThat(task.getString("output_text")).hasSize(OUTPUT_CHARS).startsWith(String.format("%09d ", i));
    }
    assertThat(list.statusCode()).isEqualTo(200);
    JsonArray page = new JsonArray(Buffer.buffer(Files.readAllBytes(listed)));
    assertThat(page).hasSize(500);
    assertThat(page.getJsonObject(0).getString("title")).isEqualTo("Task 500");
    assertThat(page.getJsonObject(499).getString("output_text")).hasSize(OUTPUT_CHARS);
  }
}
