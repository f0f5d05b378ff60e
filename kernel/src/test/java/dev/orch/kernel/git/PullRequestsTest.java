package dev.orch.kernel.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Pull requests against a local server speaking the forges' REST protocol. */
class PullRequestsTest {
  Vertx vertx;
  HttpServer forge;
  final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger status = new AtomicInteger(201);

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    forge = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      requests.add(new JsonObject().put("path", req.path()).put("authorization", req.getHeader("Authorization"))
          .put("body", body.toJsonObject()));
      req.response().setStatusCode(status.get()).putHeader("Content-Type", "application/json")
          .end(status.get() == 201 ? new JsonObject().put("number", 3).put("html_url", "https://gitea.example/o/r/pulls/3")
              .encode() : new JsonObject().put("message", "pull request already exists").encode());
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  PullRequests gitea(Map<String, String> env) {
    return new PullRequests(vertx, new GitConfig.Forge("gitea", "http://127.0.0.1:" + forge.actualPort() + "/api/v1",
        "o/r", "FORGE_TOKEN"), env);
  }

  @Test
  @DisplayName("a Gitea pull request goes to /api/v1/repos/{owner}/{repo}/pulls with the token as 'token' authorization")
  void gitea() throws Exception {
    PullRequests.Opened opened = gitea(Map.of("FORGE_TOKEN", "t0k3n")).open("orch/x-1", "main", "X", "body")
        .await(10, TimeUnit.SECONDS);

    assertThat(opened).isEqualTo(new PullRequests.Opened("https://gitea.example/o/r/pulls/3", 3));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getString("path")).isEqualTo("/api/v1/repos/o/r/pulls");
    assertThat(requests.get(0).getString("authorization")).isEqualTo("token t0k3n");
    assertThat(requests.get(0).getJsonObject("body")).isEqualTo(new JsonObject().put("title", "X")
        .put("head", "orch/x-1").put("base", "main").put("body", "body"));
  }

  @Test
  @DisplayName("a refusal by the forge is a 502; a missing token a 503 and no request")
  void failures() {
    status.set(422);
    assertThatThrownBy(() -> gitea(Map.of("FORGE_TOKEN", "t")).open("h", "main", "X", "b").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(OrchestratorException.class, e -> assertThat(e.status()).isEqualTo(502));
    requests.clear();
    assertThatThrownBy(() -> gitea(Map.of()).open("h", "main", "X", "b").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(OrchestratorException.class, e -> assertThat(e.status()).isEqualTo(503));
    assertThat(requests).isEmpty();
  }
}
