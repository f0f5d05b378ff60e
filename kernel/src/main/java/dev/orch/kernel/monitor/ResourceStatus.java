package dev.orch.kernel.monitor;

import java.util.Locale;

/** The status of a monitored resource (API.md §8.1 {@code ResourceStatus}); {@link #wire()} is its JSON name. */
public enum ResourceStatus {
  /** The last check succeeded. */
  ONLINE,
  /** The last check failed, or the resource is not configured (no key, no binary). */
  OFFLINE,
  /** Configured but not fully usable, e.g. an Anthropic key whose API is unreachable or failing. */
  DEGRADED,
  /** Not checked yet since startup; counts as unavailable. */
  CHECKING;

  /** The lower-case JSON name. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The status with the JSON name {@code wire}.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static ResourceStatus of(String wire) {
    return valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
