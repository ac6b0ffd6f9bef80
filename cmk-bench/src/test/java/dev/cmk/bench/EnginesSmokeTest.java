package dev.cmk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every benchmarked engine really round-trips, so the benchmark compares working code. */
class EnginesSmokeTest {
  @Test
  void everyEngineRoundTrips() throws Exception {
    for (int size : new int[] {0, 1024, 70_000}) {
      byte[] pt = new byte[size];
      new Random(size).nextBytes(pt);
      for (Engine e : Engines.all(16 * 1024)) {
        byte[] ct = e.seal(pt);
        assertThat(ct).as(e.name()).isNotEqualTo(pt);
        assertThat(e.open(ct)).as(e.name()).isEqualTo(pt);
        Object timed = e.openTimed(ct);
        byte[] got = timed instanceof Sink sink ? sink.toByteArray() : (byte[]) timed;
        assertThat(got).as(e.name() + ", timed").isEqualTo(pt);
        Object sealed = e.sealTimed(pt);
        byte[] again = sealed instanceof Sink sink ? sink.toByteArray() : (byte[]) sealed;
        assertThat(e.open(again)).as(e.name() + ", timed seal").isEqualTo(pt);
      }
    }
  }
}
