package dev.orch.kernel.executor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** When a worker must stop, for a 60 s lease claimed until t = 160, heartbeats every 20 s. */
class LeaseWatchTest {
  final LeaseWatch watch = new LeaseWatch(160, 60);

  @Test
  @DisplayName("unrenewed, a worker stops a sixth of a lease before the expiry the claim wrote")
  void stopsBeforeTheExpiry() {
    assertThat(watch.stopBy()).isEqualTo(150);
    assertThat(watch.lapsedAt(149.9)).isFalse();
    assertThat(watch.lapsedAt(150)).isTrue();
  }

  @Test
  @DisplayName("each heartbeat that wrote a later expiry moves the stop with it")
  void heartbeatsMoveTheStop() {
    watch.renewed(180);
    watch.renewed(200);

    assertThat(watch.stopBy()).isEqualTo(190);
    assertThat(watch.lapsedAt(189)).isFalse();
  }

  @Test
  @DisplayName("after failed heartbeats the last written expiry still rules: one failure leaves time for the next beat")
  void failedHeartbeatsKeepTheLastExpiry() {
    watch.renewed(180); // the beat at t = 120
    // The beats at t = 140 failed: nothing renewed.
    assertThat(watch.lapsedAt(160)).as("the beat at 160 may still renew").isFalse();
    assertThat(watch.lapsedAt(170)).isTrue();
  }

  @Test
  @DisplayName("a lost lease stops the worker at once, and once lapsed a late renewal changes nothing")
  void lostAndLapsedAreFinal() {
    watch.lost();
    assertThat(watch.lapsedAt(100)).isTrue();

    LeaseWatch late = new LeaseWatch(160, 60);
    assertThat(late.lapsedAt(155)).isTrue();
    late.renewed(215);
    assertThat(late.lapsedAt(156)).isTrue();
  }

  @Test
  @DisplayName("the wait until the stop is rounded up, so a timer set for it does not fire before the stop is due")
  void stopWaitRoundsUp() {
    assertThat(watch.msUntilStop(149.9996)).isEqualTo(1);
    assertThat(watch.lapsedAt(149.9996)).as("a moment early: not yet").isFalse();
    assertThat(watch.msUntilStop(140)).isEqualTo(10_000);
    assertThat(watch.msUntilStop(151)).isZero();
  }
}
