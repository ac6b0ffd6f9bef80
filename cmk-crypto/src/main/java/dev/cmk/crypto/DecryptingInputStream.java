package dev.cmk.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads plaintext from a version-1 envelope, one authenticated chunk at a time.
 *
 * <p>A chunk's plaintext becomes readable only after its tag has verified; the final chunk is
 * recognised by reading one byte past each full chunk, so truncation at a chunk boundary and
 * appended data both fail. Once a chunk fails, every later read fails too. A read whose buffer can
 * take a whole chunk gets it decrypted straight into that buffer; if the chunk then fails to
 * verify, the bytes written there are wiped before the exception is thrown, so the caller never
 * holds unauthenticated plaintext. The content key is wiped at the end of the stream, on failure
 * and on {@link #close()}.
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
  private final int chunkSize;
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
    this.single = header.compact();
    this.chunkSize = header.chunkSize();
    this.want = single ? 0 : chunkSize + ChunkCipher.TAG + 1;
    this.ct = new byte[Math.min(want, Math.max(INITIAL_BUFFER, available(in)))];
  }

  /** What the source says it holds (a file or memory knows; a socket may say 0). */
  private static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      return 0;
    }
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
      if (!single && len >= chunkSize) {
        // the next chunk fits the caller's buffer: decrypt straight into it, one copy fewer
        int n = nextChunk(b, off);
        if (n > 0) {
          return n;
        }
      } else {
        limit = nextChunk(null, 0);
        pos = 0;
      }
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

  /**
   * Authenticates and decrypts the next chunk into {@code dst} at {@code off}, or into the internal
   * buffer when {@code dst} is null; returns the plaintext length. On failure whatever the cipher
   * wrote is wiped, the stream is marked failed and the content key destroyed.
   */
  private int nextChunk(byte @Nullable [] dst, int off) throws IOException {
    if (failed) {
      throw new DecryptionFailedException("decryption failed: stream already failed");
    }
    int n = single ? readSingle() : fill();
    boolean last = single || n < want;
    int chunkLen = last ? n : n - 1;
    int ptLen = Math.max(0, chunkLen - ChunkCipher.TAG);
    if (dst == null) {
      if (pt.length < ptLen) {
        pt = new byte[ptLen];
      }
      dst = pt;
      off = 0;
    }
    try {
      int written = cipher.open(index, last, ct, 0, chunkLen, dst, off);
      index++;
      if (last) {
        done = true;
        cipher.close();
      } else {
        ct[0] = ct[n - 1];
        carry = 1;
      }
      return written;
    } catch (DecryptionFailedException e) {
      failed = true;
      Arrays.fill(dst, off, off + Math.min(ptLen, dst.length - off), (byte) 0);
      Arrays.fill(pt, (byte) 0);
      limit = 0;
      pos = 0;
      cipher.close();
      throw e;
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
      // the content is longer than the first buffer: take a whole chunk at once
      ct = Arrays.copyOf(ct, want);
    }
  }

  /** Reads the compact form's one chunk (all that follows the header) into {@code ct}. */
  private int readSingle() throws IOException {
    ct = in.readNBytes(EnvelopeHeader.MAX_CHUNK + ChunkCipher.TAG + 1);
    if (ct.length > EnvelopeHeader.MAX_CHUNK + ChunkCipher.TAG) {
      throw EnvelopeHeader.malformed("single-chunk envelope too long");
    }
    return ct.length;
  }

  @Override
  public void close() throws IOException {
    cipher.close();
    Arrays.fill(pt, (byte) 0);
    limit = 0;
    pos = 0;
    done = true;
    in.close();
  }
}
