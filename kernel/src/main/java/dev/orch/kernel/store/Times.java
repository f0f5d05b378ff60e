package dev.orch.kernel.store;

import java.time.Clock;

/** Timestamps as the API sends them: epoch seconds with a fractional part. */
public final class Times {
  private Times() {}

  /** Now, to the microsecond where the clock has it (the executor's timings are sub-millisecond). */
  public static double now(Clock clock) {
    java.time.Instant now = clock.instant();
    return now.getEpochSecond() + now.getNano() / 1_000_000_000.0;
  }
}
