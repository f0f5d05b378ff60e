package dev.orch.kernel.executor;

/**
 * This node's view of the lease on one task it runs. The database holds the lease's expiry; other
 * nodes take the task back once it passes. The worker must stop before then, whatever made its
 * heartbeats fail (a lost lease, a database that does not answer), and must never store an outcome
 * after it: the watch says when the last expiry this node knows was written is too close.
 */
final class LeaseWatch {
  private final double margin;
  private volatile double validUntil;
  private volatile boolean lapsed;

  /**
   * @param validUntil the expiry the claim wrote
   * @param leaseSeconds the lease's length; a worker stops a sixth of it before the expiry, which
   *     leaves one heartbeat (every third of a lease) the chance to renew it first
   */
  LeaseWatch(double validUntil, double leaseSeconds) {
    this.validUntil = validUntil;
    this.margin = leaseSeconds / 6;
  }

  /** When the worker must have stopped, unless a heartbeat renews the lease first. */
  double stopBy() {
    return validUntil - margin;
  }

  /**
   * Milliseconds from {@code now} to {@link #stopBy()}, rounded up, 0 when it has passed: a timer set
   * for this never fires before the stop is due (one that fires early anyway is set again for the rest).
   */
  long msUntilStop(double now) {
    return Math.max(0, (long) Math.ceil((stopBy() - now) * 1000));
  }

  /** A heartbeat wrote {@code until}; ignored once the lease lapsed. */
  void renewed(double until) {
    if (!lapsed && until > validUntil) {
      validUntil = until;
    }
  }

  /** The database says the lease is no longer ours (cancelled, or taken back). */
  void lost() {
    lapsed = true;
  }

  /** True, from now on, when the lease was lost or {@code now} is past {@link #stopBy()}. */
  boolean lapsedAt(double now) {
    if (now >= stopBy()) {
      lapsed = true;
    }
    return lapsed;
  }
}
