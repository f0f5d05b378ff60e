package dev.orch.kernel.monitor;

import dev.orch.kernel.monitor.MonitorConfig.Host;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;

/**
 * The probe of a service host of API.md §15.1: an HTTP GET within 2 s; when that fails, a TCP
 * connect within 1.5 s decides between online (method {@code tcp}) and offline (method {@code none}).
 */
final class HostProbe {
  static final long HTTP_TIMEOUT_MS = 2_000;
  static final long TCP_TIMEOUT_MS = 1_500;
  // Both steps plus scheduling slack: the longest a host check can take.
  static final long BUDGET_MS = HTTP_TIMEOUT_MS + TCP_TIMEOUT_MS + 500;

  private final WebClient web;
  private final NetClient net;

  HostProbe(WebClient web, NetClient net) {
    this.web = web;
    this.net = net;
  }

  /** The body of a 2xx answer to {@code GET {url}{path}}; fails on any other status, error or timeout. */
  Future<Buffer> get(Host host, String path) {
    return web.getAbs(host.url() + path)
        .connectTimeout(HTTP_TIMEOUT_MS)
        .idleTimeout(HTTP_TIMEOUT_MS)
        .send()
        .timeout(HTTP_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(res -> res.statusCode() / 100 == 2
            ? Future.succeededFuture(res.body() == null ? Buffer.buffer() : res.body())
            : Future.failedFuture("HTTP " + res.statusCode()));
  }

  /** After a failed HTTP step: online via {@code tcp} if the port accepts a connection, else offline. */
  Future<Outcome> tcpFallback(Host host) {
    Future<NetSocket> attempt = net.connect(host.port(), host.host());
    // Close whatever connects, even after the timeout below gave up on it.
    attempt.onSuccess(NetSocket::close);
    return attempt
        .timeout(TCP_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(socket -> Outcome.online("tcp", new JsonObject()))
        .otherwise(err -> Outcome.offline("none", new JsonObject()));
  }
}
