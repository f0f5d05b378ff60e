package dev.orch.kernel.monitor;

import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host checked over HTTP (API.md §15.1): a 2xx answer on its status path is online via
 * {@code http} with the details read from the body; anything else falls back to the TCP probe.
 */
final class HttpHostCheck implements ResourceCheck {
  private static final Logger LOG = LoggerFactory.getLogger(HttpHostCheck.class);
  private final String kind;
  private final String label;
  private final String path;
  private final Function<Buffer, JsonObject> details;
  private final Host host;
  private final HostProbe probe;

  private HttpHostCheck(String kind, String label, String path, Function<Buffer, JsonObject> details, Host host,
      HostProbe probe) {
    this.kind = kind;
    this.label = label;
    this.path = path;
    this.details = details;
    this.host = host;
    this.probe = probe;
  }

  /** An Ollama host: {@code GET /api/tags}, details {@code {"models": [names]}}. */
  static HttpHostCheck ollama(Host host, HostProbe probe) {
    return new HttpHostCheck("ollama", "Ollama", "/api/tags",
        body -> new JsonObject().put("models", modelNames(body)), host, probe);
  }

  /** A ComfyUI host: {@code GET /system_stats}, no details. */
  static HttpHostCheck comfyUi(Host host, HostProbe probe) {
    return new HttpHostCheck("comfyui", "ComfyUI", "/system_stats", body -> new JsonObject(), host, probe);
  }

  @Override
  public String id() {
    return kind + "_" + host.key();
  }

  @Override
  public String name() {
    return label + " (" + host.key() + ")";
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
    return probe.get(host, path)
        .map(body -> Outcome.online("http", details.apply(body)))
        .recover(err -> {
          LOG.debug("{} http check failed [resource: {}, url: {}, error: {}]", kind, id(), host.url(), err.toString());
          return probe.tcpFallback(host);
        });
  }

  /** The {@code name} of each entry of {@code {"models": [...]}}; throws when the body is not that. */
  static JsonArray modelNames(Buffer body) {
    JsonObject tags = body.toJsonObject();
    JsonArray names = new JsonArray();
    for (Object model : tags.getJsonArray("models", new JsonArray())) {
      if (model instanceof JsonObject m && m.getValue("name") instanceof String name) {
        names.add(name);
      }
    }
    return names;
  }
}
