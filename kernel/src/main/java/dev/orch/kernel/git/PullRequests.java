package dev.orch.kernel.git;

import dev.orch.kernel.bus.OrchestratorException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens pull requests through a forge's REST API: GitHub ({@code POST /repos/{owner}/{repo}/pulls},
 * a bearer token) or Gitea/Forgejo (the same path under {@code /api/v1}, {@code Authorization: token}).
 * The token comes from the environment variable {@code git.forge.token_env} and is never logged.
 */
public final class PullRequests {
  private static final Logger LOG = LoggerFactory.getLogger(PullRequests.class);
  private static final long TIMEOUT_MS = 30_000;

  /** An opened pull request. */
  public record Opened(String url, long number) {}

  private final GitConfig.Forge forge;
  private final Map<String, String> env;
  private final WebClient client;

  /** @param env where the token is looked up (the process environment in production) */
  public PullRequests(Vertx vertx, GitConfig.Forge forge, Map<String, String> env) {
    this.forge = forge;
    this.env = env;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(10_000).setIdleTimeout(60)
        .setUserAgent("orch"));
  }

  /** Whether a forge and its repository are configured. */
  public boolean configured() {
    return forge.configured() && !forge.repository().isEmpty();
  }

  /**
   * Opens a pull request of {@code head} into {@code base}.
   *
   * @return fails 503 when the token is missing, 502 when the forge refuses or does not answer
   */
  public Future<Opened> open(String head, String base, String title, String body) {
    String token = env.get(forge.tokenEnv());
    if (token == null || token.isBlank()) {
      return Future.failedFuture(OrchestratorException.unavailable("No forge token in " + forge.tokenEnv()));
    }
    String url = forge.apiUrl() + "/repos/" + forge.repository() + "/pulls";
    String authorization = "gitea".equals(forge.type()) ? "token " + token : "Bearer " + token;
    return client.postAbs(url).timeout(TIMEOUT_MS)
        .putHeader("Authorization", authorization)
        .putHeader("Accept", "github".equals(forge.type()) ? "application/vnd.github+json" : "application/json")
        .putHeader("X-GitHub-Api-Version", "2022-11-28")
        .sendJsonObject(new JsonObject().put("title", title).put("head", head).put("base", base).put("body", body))
        .recover(err -> {
          LOG.warn("forge did not answer [url: {}, reason: {}]", url, err.getMessage());
          return Future.failedFuture(new GitException("pull request"));
        })
        .compose(res -> {
          if (res.statusCode() != 201) {
            LOG.warn("forge refused the pull request [url: {}, status: {}, body: {}]", url, res.statusCode(),
                res.bodyAsString() == null ? "" : res.bodyAsString().substring(0, Math.min(500, res.bodyAsString().length())));
            return Future.failedFuture(new GitException("pull request"));
          }
          JsonObject json = res.bodyAsJsonObject();
          return Future.succeededFuture(new Opened(json.getString("html_url"), json.getLong("number", 0L)));
        });
  }
}
