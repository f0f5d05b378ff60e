package dev.orch.kernel.launcher;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.io.TempDir;

/** The {@code orch} launcher as a user runs it from another folder. */
class LauncherIT {
  @TempDir Path caller;

  @Test
  @DisplayName("./orch serve --config PATH reads a relative PATH from the caller's folder")
  void relativeConfigFromTheCallersFolder() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(caller.resolve("mine.json"), "{\"server\": {\"port\": " + port + ", \"host\": \"127.0.0.1\"}}");
    ProcessBuilder pb = new ProcessBuilder(TestKernel.repoRoot().resolve("orch").toString(), "serve", "--config",
        "mine.json").directory(caller.toFile()).redirectErrorStream(true)
        .redirectOutput(caller.resolve("server.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_"));
    pb.environment().put("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET);
    pb.environment().put("ORCH_DATA_DIR", caller.resolve("data").toString());
    Process server = pb.start();
    try {
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
      assertThat(status).as(Files.readString(caller.resolve("server.log"))).isEqualTo(200);
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("./orch serve --cluster on SQLite stops at once and says a cluster needs PostgreSQL")
  void aClusterOnSqliteIsRefused() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(TestKernel.repoRoot().resolve("orch").toString(), "serve", "--cluster")
        .directory(caller.toFile()).redirectErrorStream(true).redirectOutput(caller.resolve("server.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ORCH_"));
    pb.environment().put("ORCH_AUTH__SECRET_KEY", TestKernel.SECRET);
    pb.environment().put("ORCH_DATA_DIR", caller.resolve("data").toString());
    Process server = pb.start();
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
