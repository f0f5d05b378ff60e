package dev.orch.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ClientIpTest {
  private final ClientIp ip = new ClientIp(List.of("10.0.0.1", "10.0.0.2"));

  @Test
  @DisplayName("an untrusted peer is the client, whatever it forwards")
  void untrustedPeer() {
    assertThat(ip.client("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
  }

  @Test
  @DisplayName("behind trusted proxies: the right-most entry that is not one of them; blanks are skipped")
  void rightMostUntrusted() {
    assertThat(ip.client("10.0.0.1", "6.6.6.6, 203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(ip.client("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2")).isEqualTo("203.0.113.7");
    assertThat(ip.client("10.0.0.1", "203.0.113.7, ,")).isEqualTo("203.0.113.7");
  }

  @Test
  @DisplayName("a trusted peer without the header, or with only trusted hops, is its own client")
  void onlyProxies() {
    assertThat(ip.client("10.0.0.1", null)).isEqualTo("10.0.0.1");
    assertThat(ip.client("10.0.0.1", "")).isEqualTo("10.0.0.1");
    assertThat(ip.client("10.0.0.1", "10.0.0.2")).isEqualTo("10.0.0.2");
    assertThat(ip.client(null, "1.2.3.4")).isEqualTo("unknown");
  }
}
