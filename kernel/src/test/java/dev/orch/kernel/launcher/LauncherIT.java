package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orch.kernel.testing.PgSchemas;
import dev.orch.kernel.testing.TestKernel;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code orch} launcher as a user runs it from another folder. */
class LauncherIT {
  @TempDir Path caller;

  @RegisterExtension final PgSchemas schemas = new PgSchemas();

  /** {@code ./orch serve args} from the caller's folder, on {@code data}, its output in {@code log}. */
  private Process serve(Path data, Path log, String... args) throws java.io.IOException {
    return serve(data, null, log, args);
  }

  /** As {@link #serve(Path, Path, String...)}, on the PostgreSQL database at {@code dbUrl} when not null. */
  private Process serve(Path data, String dbUrl, Path log, String... args) throws java.io.IOException {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
        TestKernel.repoRoot().resolve("orch").toString(), "serve"));
    command.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(caller.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_"));
    pb.environment().put("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET);
    pb.environment().put("ORCH_DATA_DIR", data.toString());
    if (dbUrl != null) {
      pb.environment().put("ORCH_DB_URL", dbUrl);
    }
    return pb.start();
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** GET /api/health until it answers 200 or the server dies; the last status (0: no answer). */
  private static int awaitHealthy(Process server, int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.currentTimeMillis() + 120_000;
    int status = 0;
    while (status != 200 && System.currentTimeMillis() < deadline && server.isAlive()) {
      try {
        status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (java.io.IOException notYet) {
        Thread.sleep(200);
      }
    }
    return status;
  }

  @Test
  @DisplayName("./orch serve --config PATH reads a relative PATH from the caller's folder")
  void relativeConfigFromTheCallersFolder() throws Exception {
    int port = freePort();
    Files.writeString(caller.resolve("mine.json"), "{\"server\": {\"port\": " + port + ", \"host\": \"127.0.0.1\"}}");
    Process server = serve(caller.resolve("data"), caller.resolve("server.log"), "--config", "mine.json");
    try {
      assertThat(awaitHealthy(server, port)).as(Files.readString(caller.resolve("server.log"))).isEqualTo(200);
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a second ./orch serve on a data folder in use stops at once, says why, and the first one serves on")
  void oneServerPerDataFolder() throws Exception {
    Path data = caller.resolve("data");
    // ./orch execs the JVM: the server's pid is the launcher's.
    secondOneRefused(data, data, null, firstPid -> "another orch server is running on the data folder " + data
        + " (pid " + firstPid + "): stop it first");
  }

  @Test
  @DisplayName("a second ./orch serve outside a cluster on a PostgreSQL database in use stops at once, says why,"
      + " and the first one serves on")
  void oneServerPerDatabase() throws Exception {
    secondOneRefused(caller.resolve("data1"), caller.resolve("data2"), schemas.db().url(),
        firstPid -> "another orch server outside a cluster is using this PostgreSQL database (schema ");
  }

  /**
   * Starts a server on {@code firstData}, then a second one on {@code secondData} (both on {@code dbUrl}
   * when not null): the second stops at once with exit code 2 and the refusal {@code expected} gives for
   * the first one's pid, and the first still serves.
   */
  private void secondOneRefused(Path firstData, Path secondData, String dbUrl,
      java.util.function.LongFunction<String> expected) throws Exception {
    int first = freePort();
    Files.writeString(caller.resolve("first.json"), "{\"server\": {\"port\": " + first + ", \"host\": \"127.0.0.1\"}}");
    Files.writeString(caller.resolve("second.json"), "{\"server\": {\"port\": " + freePort()
        + ", \"host\": \"127.0.0.1\"}}");
    Process running = serve(firstData, dbUrl, caller.resolve("first.log"), "--config", "first.json");
    try {
      assertThat(awaitHealthy(running, first)).as(Files.readString(caller.resolve("first.log"))).isEqualTo(200);
      Process second = serve(secondData, dbUrl, caller.resolve("second.log"), "--config", "second.json");
      try {
        assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("stopped by itself").isTrue();
        assertThat(second.exitValue()).isEqualTo(2);
        assertThat(Files.readString(caller.resolve("second.log"))).contains(expected.apply(running.pid()));
      } finally {
        second.destroyForcibly();
      }
      assertThat(awaitHealthy(running, first)).as("the first still serves").isEqualTo(200);
    } finally {
      running.destroy();
      running.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("./orch serve --cluster on SQLite stops at once and says a cluster needs PostgreSQL")
  void aClusterOnSqliteIsRefused() throws Exception {
    Process server = serve(caller.resolve("data"), caller.resolve("server.log"), "--cluster");
    try {
      assertThat(server.waitFor(120, TimeUnit.SECONDS)).as("stopped by itself").isTrue();
      assertThat(server.exitValue()).isEqualTo(2);
      assertThat(Files.readString(caller.resolve("server.log")))
          .contains("a cluster needs PostgreSQL (db.url): nodes cannot share one SQLite file");
    } finally {
      server.destroyForcibly();
    }
  }
}
