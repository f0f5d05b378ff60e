package dev.orch.kernel.monitor;

import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Ollama host: {@code GET /api/tags} lists the pulled models (online, method {@code http}, details
 * {@code {"models": [names]}}); an answer that is not Ollama's falls back to the TCP probe.
 */
final class OllamaCheck implements ResourceCheck {
  private static final Logger LOG = LoggerFactory.getLogger(OllamaCheck.class);
  private final Host host;
  private final HostProbe probe;

  OllamaCheck(Host host, HostProbe probe) {
    this.host = host;
    this.probe = probe;
  }

  @Override
  public String id() {
    return "ollama_" + host.key();
  }

  @Override
  public String name() {
    return "Ollama (" + host.key() + ")";
  }

  @Override
  public String category() {
    return "ai";
  }

  @Override
  public long budgetMillis() {
    return HostProbe.BUDGET_MS;
  }

  @Override
  public Future<Outcome> run() {
    return probe.get(host, "/api/tags")
        .map(OllamaCheck::modelNames)
        .map(models -> Outcome.online("http", new JsonObject().put("models", models)))
        .recover(err -> {
          LOG.debug("ollama http check failed [resource: {}, url: {}, error: {}]", id(), host.url(), err.toString());
          return probe.tcpFallback(host);
        });
  }

  /** The {@code name} of each entry of {@code {"models": [...]}}; throws when the body is not that. */
  static JsonArray modelNames(Buffer body) {
    JsonObject tags = body.toJsonObject();
    JsonArray names = new JsonArray();
    JsonArray models = tags.getJsonArray("models", new JsonArray());
    for (Object model : models) {
      if (model instanceof JsonObject m && m.getValue("name") instanceof String name) {
        names.add(name);
      }
    }
    return names;
  }
}
