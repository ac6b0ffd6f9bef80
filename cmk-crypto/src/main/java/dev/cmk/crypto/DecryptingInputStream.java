package dev.cmk.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads plaintext from a version-1 envelope, one authenticated chunk at a time.
 *
 * <p>A chunk's plaintext becomes readable only after its tag has verified; the final chunk is
 * recognised by reading one byte past each full chunk, so truncation at a chunk boundary and
 * appended data both fail. Once a chunk fails, every later read fails too.
 *
 * <p>Memory: at most two chunk-sized buffers, whatever the stream's length; they start small and
 * grow only as far as the chunks read need. Failures surface as {@link DecryptionFailedException},
 * an unchecked exception, thrown from {@code read}.
 */
final class DecryptingInputStream extends InputStream {
  private final InputStream in;
  private final ChunkCipher cipher;
  private static final int INITIAL_BUFFER = 4096 + ChunkCipher.TAG + 1;
  private final boolean single;
  private final int want;
  private byte[] ct;
  private byte[] pt = new byte[0];
  private int carry;
  private int pos;
  private int limit;
  private long index;
  private boolean done;
  private boolean failed;

  DecryptingInputStream(InputStream in, ChunkCipher cipher, EnvelopeHeader header) {
    this.in = in;
    this.cipher = cipher;
    this.single = header.form() == EnvelopeHeader.FORM_SINGLE;
    this.want = single ? 0 : header.chunkSize() + ChunkCipher.TAG + 1;
    this.ct = new byte[Math.min(want, INITIAL_BUFFER)];
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    while (pos == limit) {
      if (done) {
        return -1;
      }
      nextChunk();
    }
    int n = Math.min(len, limit - pos);
    System.arraycopy(pt, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public int available() {
    return limit - pos;
  }

  private void nextChunk() throws IOException {
    if (failed) {
      throw new DecryptionFailedException("decryption failed: stream already failed");
    }
    try {
      if (single) {
        openSingle();
      } else {
        openNext();
      }
    } catch (DecryptionFailedException e) {
      failed = true;
      Arrays.fill(pt, (byte) 0);
      limit = 0;
      pos = 0;
      throw e;
    }
  }

  private void openNext() throws IOException {
    int n = fill();
    boolean last = n < want;
    int chunkLen = last ? n : n - 1;
    if (pt.length < chunkLen - ChunkCipher.TAG) {
      pt = new byte[chunkLen - ChunkCipher.TAG];
    }
    limit = cipher.open(index, last, ct, 0, chunkLen, pt, 0);
    pos = 0;
    index++;
    if (last) {
      done = true;
    } else {
      ct[0] = ct[n - 1];
      carry = 1;
    }
  }

  /**
   * Reads up to {@code want} bytes (a chunk and one more) into {@code ct}, growing it as needed.
   */
  private int fill() throws IOException {
    int n = carry;
    while (true) {
      n += in.readNBytes(ct, n, ct.length - n);
      if (n < ct.length || ct.length == want) {
        return n;
      }
      ct = Arrays.copyOf(ct, (int) Math.min(want, 2L * ct.length));
    }
  }

  private void openSingle() throws IOException {
    byte[] all = in.readNBytes(EnvelopeHeader.MAX_CHUNK + ChunkCipher.TAG + 1);
    if (all.length > EnvelopeHeader.MAX_CHUNK + ChunkCipher.TAG) {
      throw EnvelopeHeader.malformed("single-chunk envelope too long");
    }
    pt = new byte[Math.max(0, all.length - ChunkCipher.TAG)];
    limit = cipher.open(0, true, all, 0, all.length, pt, 0);
    pos = 0;
    done = true;
  }

  @Override
  public void close() throws IOException {
    Arrays.fill(pt, (byte) 0);
    limit = 0;
    pos = 0;
    done = true;
    in.close();
  }
}
