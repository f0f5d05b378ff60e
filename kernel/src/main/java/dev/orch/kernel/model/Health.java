package dev.orch.kernel.model;

import java.util.List;

/**
 * A provider's reachability, from a cheap listing call.
 *
 * @param up true when the server answered and accepted the credentials
 * @param detail why it is down; empty when up
 * @param models the model ids the server lists; empty when down
 */
public record Health(boolean up, String detail, List<String> models) {
  public Health {
    detail = detail == null ? "" : detail;
    models = models == null ? List.of() : List.copyOf(models);
  }

  public static Health up(List<String> models) {
    return new Health(true, "", models);
  }

  public static Health down(String detail) {
    return new Health(false, detail, List.of());
  }
}
