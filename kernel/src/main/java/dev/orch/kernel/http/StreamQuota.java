package dev.orch.kernel.http;

import dev.orch.kernel.bus.OrchestratorException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open SSE streams per user, against {@code server.sse_max_streams_per_user}. Counted per process:
 * in a cluster each node allows that many, since a stream holds this node's connection and memory.
 * Shared by every ApiVerticle instance of the process.
 */
public final class StreamQuota {
  private final int maxPerUser;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  StreamQuota(int maxPerUser) {
    this.maxPerUser = maxPerUser;
  }

  /**
   * Takes a place for one more stream of {@code userId}.
   *
   * @return the release, to run once when the stream closes
   * @throws OrchestratorException 429 when the user already holds the maximum
   */
  Runnable open(String userId) {
    boolean[] taken = {false};
    open.compute(userId, (user, n) -> {
      int current = n == null ? 0 : n;
      if (current >= maxPerUser) {
        return n;
      }
      taken[0] = true;
      return current + 1;
    });
    if (!taken[0]) {
      throw new OrchestratorException(429, "Too many open event streams");
    }
    return () -> open.computeIfPresent(userId, (user, n) -> n <= 1 ? null : n - 1);
  }
}
