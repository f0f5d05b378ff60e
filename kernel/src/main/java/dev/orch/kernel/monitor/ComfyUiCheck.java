package dev.orch.kernel.monitor;

import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A ComfyUI host: {@code GET /system_stats} answering 2xx is online via {@code http}; else the TCP probe. */
final class ComfyUiCheck implements ResourceCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ComfyUiCheck.class);
  private final Host host;
  private final HostProbe probe;

  ComfyUiCheck(Host host, HostProbe probe) {
    this.host = host;
    this.probe = probe;
  }

  @Override
  public String id() {
    return "comfyui_" + host.key();
  }

  @Override
  public String name() {
    return "ComfyUI (" + host.key() + ")";
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
    return probe.get(host, "/system_stats")
        .map(body -> Outcome.online("http", new JsonObject()))
        .recover(err -> {
          LOG.debug("comfyui http check failed [resource: {}, url: {}, error: {}]", id(), host.url(), err.toString());
          return probe.tcpFallback(host);
        });
  }
}
