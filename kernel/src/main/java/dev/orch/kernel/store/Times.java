package dev.orch.kernel.store;

import java.time.Clock;

/** Timestamps as the API sends them: epoch seconds with a fractional part. */
public final class Times {
  private Times() {}

  public static double now(Clock clock) {
    return clock.millis() / 1000.0;
  }
}
