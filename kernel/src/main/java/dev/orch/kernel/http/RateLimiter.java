package dev.orch.kernel.http;

import dev.orch.kernel.bus.OrchestratorException;
import dev.orch.kernel.config.RateSpec;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-client fixed-window limits (API.md §1.9, §18.1), one Bucket4j bucket per (rule, client).
 * Shared by every ApiVerticle instance of the process; each node of a cluster counts its own.
 */
public final class RateLimiter {
  /** The contract's 429 text. */
  public static final String TOO_MANY = "Rate limit exceeded. Try again later.";
  private static final int SWEEP_ABOVE = 10_000;

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, RateSpec> rules = new ConcurrentHashMap<>();

  /** Declares a rule; a rule's spec is fixed once declared. */
  public RateLimiter rule(String name, RateSpec spec) {
    rules.put(name, spec);
    return this;
  }

  /** Takes one permit of {@code rule} for {@code client}; throws 429 when none is left. */
  public void acquire(String rule, String client) {
    RateSpec spec = rules.get(rule);
    if (spec == null) {
      throw new IllegalArgumentException("unknown rate rule " + rule);
    }
    if (buckets.size() > SWEEP_ABOVE) {
      sweep();
    }
    Bucket bucket = buckets.computeIfAbsent(rule + '|' + client, k -> Bucket.builder()
        .addLimit(Bandwidth.builder().capacity(spec.permits()).refillIntervally(spec.permits(), spec.window()).build())
        .build());
    if (!bucket.tryConsume(1)) {
      throw new OrchestratorException(429, TOO_MANY);
    }
  }

  /** Drops buckets that are full again: they hold no information. */
  private void sweep() {
    buckets.entrySet().removeIf(e -> {
      RateSpec spec = rules.get(e.getKey().substring(0, e.getKey().indexOf('|')));
      return spec != null && e.getValue().getAvailableTokens() >= spec.permits();
    });
  }
}
