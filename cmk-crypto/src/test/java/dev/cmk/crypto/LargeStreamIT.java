package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import org.junit.jupiter.api.Test;

/**
 * Streams {@code cmk.test.largeStreamBytes} (default 2 GiB) of generated plaintext through encrypt
 * and decrypt in one pass, in a JVM whose heap failsafe caps at 64 MiB (see the module pom), and
 * checks every decrypted byte. Nothing is held but the two streams' chunk buffers: the ciphertext
 * is produced on demand by {@link EncryptedSource} as the decryptor pulls it.
 */
class LargeStreamIT {
  private static final long SIZE =
      Long.getLong("cmk.test.largeStreamBytes", 2L * 1024 * 1024 * 1024);

  /** Plaintext byte at position {@code p}: cheap to generate and to check, never periodic. */
  static byte at(long p) {
    return (byte) (p ^ (p >>> 9) ^ (p >>> 21));
  }

  /** An InputStream of ciphertext that runs the encrypting stream only as far as it is read. */
  static final class EncryptedSource extends InputStream {
    private final byte[] plain = new byte[256 * 1024];
    private final Buffer buf = new Buffer();
    private final OutputStream enc;
    private long produced;
    private boolean closed;

    EncryptedSource(SecretKeyMaterial dek, int chunk) throws IOException {
      enc =
          ContentEnvelope.encryptingStream(
              buf, dek, "kek", new byte[40], Fixtures.AAD, new java.security.SecureRandom(), chunk);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (buf.pos == buf.size) {
        if (closed) {
          return -1;
        }
        buf.pos = 0;
        buf.size = 0;
        refill();
      }
      int n = Math.min(len, buf.size - buf.pos);
      System.arraycopy(buf.data, buf.pos, b, off, n);
      buf.pos += n;
      return n;
    }

    private void refill() throws IOException {
      if (produced == SIZE) {
        enc.close();
        closed = true;
        return;
      }
      int n = (int) Math.min(plain.length, SIZE - produced);
      for (int i = 0; i < n; i++) {
        plain[i] = at(produced + i);
      }
      produced += n;
      enc.write(plain, 0, n);
    }
  }

  /** A growable byte sink that the source drains before it is written again. */
  static final class Buffer extends OutputStream {
    byte[] data = new byte[512 * 1024];
    int size;
    int pos;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (size + len > data.length) {
        data = java.util.Arrays.copyOf(data, Math.max(2 * data.length, size + len));
      }
      System.arraycopy(b, off, data, size, len);
      size += len;
    }
  }

  @Test
  void twoGibibytesStreamThroughASmallHeap() throws IOException {
    long max = Runtime.getRuntime().maxMemory();
    assertThat(max).as("failsafe runs this test with -Xmx64m").isLessThanOrEqualTo(80L << 20);
    long started = System.nanoTime();
    long count = 0;
    try (SecretKeyMaterial dek = Fixtures.key(2026);
        InputStream in =
            ContentEnvelope.decryptingStream(
                new EncryptedSource(dek, ContentEnvelope.defaultChunkSize()), dek, Fixtures.AAD)) {
      byte[] b = new byte[100_000];
      for (int n; (n = in.read(b)) >= 0; ) {
        for (int i = 0; i < n; i++) {
          if (b[i] != at(count + i)) {
            throw new AssertionError("plaintext differs at byte " + (count + i));
          }
        }
        count += n;
      }
    }
    assertThat(count).isEqualTo(SIZE);
    double secs = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "LargeStreamIT: %d MiB encrypted and decrypted in %.1f s, heap max %d MiB, peak %d MiB%n",
        SIZE >> 20, secs, max >> 20, peakHeap() >> 20);
  }

  private static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        peak += p.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
