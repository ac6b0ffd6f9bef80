package dev.cmk.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;

/** Shared test data: deterministic keys, randomness and helpers around the stream API. */
final class Fixtures {
  static final String KEK_ID = "kek:acct-1/0001/2026-11-29";
  static final byte[] WRAPPED = "wrapped-dek-bytes".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD = "acct-1|0001|object-42".getBytes(StandardCharsets.US_ASCII);

  private Fixtures() {}

  /** A SecureRandom whose output is a fixed function of its seed, identical on every JVM. */
  static final class FixedRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final transient Random random;

    FixedRandom(long seed) {
      this.random = new Random(seed);
    }

    @Override
    public void nextBytes(byte[] bytes) {
      random.nextBytes(bytes);
    }
  }

  static SecretKeyMaterial key(long seed) {
    byte[] b = new byte[32];
    new Random(seed).nextBytes(b);
    return SecretKeyMaterial.takeOwnership(b);
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Encrypts through the stream API, writing in pieces of random size. */
  static byte[] streamSeal(SecretKeyMaterial dek, byte[] aad, byte[] pt, int chunk, long seed) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Random r = new Random(seed);
    try (OutputStream out =
        ContentEnvelope.encryptingStream(
            buf, dek, KEK_ID, WRAPPED, aad, new FixedRandom(seed), chunk)) {
      int off = 0;
      while (off < pt.length) {
        int n = Math.min(pt.length - off, r.nextInt(3 * chunk + 2));
        if (n == 1 && r.nextBoolean()) {
          out.write(pt[off]);
        } else {
          out.write(pt, off, n);
        }
        off += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /** Decrypts through the stream API, reading in pieces of random size. */
  static byte[] streamOpen(SecretKeyMaterial dek, byte[] aad, byte[] envelope, long seed) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    readInto(dek, aad, envelope, seed, sink);
    return sink.toByteArray();
  }

  /**
   * Decrypts through the stream API into {@code sink}, so that a caller can see what had been
   * released when a failure was thrown.
   */
  static void readInto(
      SecretKeyMaterial dek, byte[] aad, byte[] envelope, long seed, ByteArrayOutputStream sink) {
    Random r = new Random(seed);
    try (InputStream in =
        ContentEnvelope.decryptingStream(new java.io.ByteArrayInputStream(envelope), dek, aad)) {
      byte[] b = new byte[4096];
      while (true) {
        int n = r.nextInt(10) == 0 ? single(in, b) : in.read(b, 0, 1 + r.nextInt(b.length));
        if (n < 0) {
          return;
        }
        sink.write(b, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int single(InputStream in, byte[] b) throws IOException {
    int c = in.read();
    if (c < 0) {
      return -1;
    }
    b[0] = (byte) c;
    return 1;
  }
}
