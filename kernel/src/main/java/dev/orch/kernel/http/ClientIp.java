package dev.orch.kernel.http;

import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * The client address for rate limits and lockout: the TCP peer, or the first
 * {@code X-Forwarded-For} entry when the peer is a trusted proxy.
 */
public final class ClientIp {
  private final Set<String> trustedProxies;

  public ClientIp(Iterable<String> trustedProxies) {
    var set = new java.util.HashSet<String>();
    trustedProxies.forEach(set::add);
    this.trustedProxies = Set.copyOf(set);
  }

  public String of(RoutingContext ctx) {
    SocketAddress peer = ctx.request().remoteAddress();
    String peerHost = peer == null ? "unknown" : peer.hostAddress();
    if (peerHost != null && trustedProxies.contains(peerHost)) {
      String forwarded = ctx.request().getHeader("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        return forwarded.split(",")[0].trim();
      }
    }
    return peerHost == null ? "unknown" : peerHost;
  }
}
