package dev.orch.kernel.http;

import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;

/**
 * The client address for rate limits and lockout: the TCP peer; when the peer is a trusted proxy,
 * the right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy. Each proxy
 * appends the address it saw, so the entries left of that one are whatever the client wrote.
 */
public final class ClientIp {
  private final Set<String> trustedProxies;

  public ClientIp(Iterable<String> trustedProxies) {
    Set<String> set = new HashSet<>();
    trustedProxies.forEach(set::add);
    this.trustedProxies = Set.copyOf(set);
  }

  public String of(RoutingContext ctx) {
    SocketAddress peer = ctx.request().remoteAddress();
    String peerHost = peer == null ? null : peer.hostAddress();
    return client(peerHost, String.join(",", ctx.request().headers().getAll("X-Forwarded-For")));
  }

  /** The client of a request from {@code peer} carrying {@code forwardedFor} (null or empty when absent). */
  String client(String peer, String forwardedFor) {
    if (peer == null) {
      return "unknown";
    }
    if (!trustedProxies.contains(peer) || forwardedFor == null || forwardedFor.isBlank()) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String leftmost = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (hop.isEmpty()) {
        continue;
      }
      if (!trustedProxies.contains(hop)) {
        return hop;
      }
      leftmost = hop;
    }
    // Every hop is a trusted proxy: the request started at one of them.
    return leftmost;
  }
}
