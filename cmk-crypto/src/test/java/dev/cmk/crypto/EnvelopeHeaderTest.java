package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The commitment comparison finds every differing byte, wherever the value sits. */
class EnvelopeHeaderTest {
  @Test
  void equalsAtSeesEveryByteOfTheValue() {
    byte[] expected = Fixtures.bytes(32, 1);
    for (int off : new int[] {0, 1, 7, 18, 42}) {
      byte[] actual = new byte[off + 32 + 3];
      System.arraycopy(expected, 0, actual, off, 32);
      assertThat(EnvelopeHeader.equalsAt(expected, actual, off)).isTrue();
      for (int i = 0; i < 32; i++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] t = actual.clone();
          t[off + i] ^= (byte) (1 << bit);
          assertThat(EnvelopeHeader.equalsAt(expected, t, off))
              .as("byte %d bit %d", i, bit)
              .isFalse();
        }
      }
      byte[] outside = actual.clone();
      Arrays.fill(outside, 0, off, (byte) 0x55);
      Arrays.fill(outside, off + 32, outside.length, (byte) 0x55);
      assertThat(EnvelopeHeader.equalsAt(expected, outside, off)).as("bytes around it").isTrue();
    }
  }

  @Test
  void aValueRunningPastTheArrayIsNotEqual() {
    byte[] expected = Fixtures.bytes(32, 2);
    assertThat(EnvelopeHeader.equalsAt(expected, expected, 1)).isFalse();
    assertThat(EnvelopeHeader.equalsAt(expected, Arrays.copyOf(expected, 31), 0)).isFalse();
    assertThat(EnvelopeHeader.equalsAt(expected, expected, -1)).isFalse();
    assertThat(EnvelopeHeader.equalsAt(new byte[5], new byte[5], 0)).as("a short value").isTrue();
  }
}
