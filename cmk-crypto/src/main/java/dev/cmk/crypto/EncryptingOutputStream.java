package dev.cmk.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes a chunked version-1 envelope: the header at once, then one chunk each time a full chunk of
 * plaintext is followed by at least one more byte, and the final chunk on {@link #close()}.
 *
 * <p>Holds one buffer of at most a chunk and a tag, whatever the stream's length; it starts small
 * and grows to a chunk only when that much is written, so a short stream costs little. A chunk of
 * plaintext that is followed by more input in the same {@code write} call is encrypted straight
 * from the caller's array into this buffer; a chunk gathered in the buffer is encrypted in place,
 * so its ciphertext overwrites its plaintext. Closing this stream closes the underlying one and
 * wipes the content key; a stream that is never closed has no final chunk and will not decrypt.
 */
final class EncryptingOutputStream extends OutputStream {
  private static final int TAG = ChunkCipher.TAG;
  private static final int INITIAL_BUFFER = 4096;
  private final OutputStream out;
  private final ChunkCipher cipher;
  private final int chunkSize;

  /** Plaintext gathered for the next chunk, {@code [0, pending)}; also the ciphertext scratch. */
  private byte[] buf = new byte[0];

  private int pending;
  private long index;
  private boolean closed;

  EncryptingOutputStream(OutputStream out, ChunkCipher cipher, int chunkSize) {
    this.out = out;
    this.cipher = cipher;
    this.chunkSize = chunkSize;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("stream closed");
    }
    while (len > 0) {
      if (pending == chunkSize) {
        emitPending(false);
      }
      if (pending == 0 && len > chunkSize) {
        // more input follows this chunk, so it is not the last: encrypt straight from the caller
        grow(chunkSize);
        int n = cipher.seal(index++, false, b, off, chunkSize, buf, 0);
        out.write(buf, 0, n);
        off += chunkSize;
        len -= chunkSize;
        continue;
      }
      if (pending + TAG >= buf.length) {
        // grow once to what this write needs (at most a chunk), not by repeated doubling
        grow(Math.min(chunkSize, Math.max(INITIAL_BUFFER, Math.max(2 * pending, pending + len))));
      }
      int n = Math.min(len, buf.length - TAG - pending);
      System.arraycopy(b, off, buf, pending, n);
      pending += n;
      off += n;
      len -= n;
    }
  }

  /** Makes room for {@code plaintext} bytes and a tag; a replaced buffer is wiped. */
  private void grow(int plaintext) {
    if (buf.length >= plaintext + TAG) {
      return;
    }
    byte[] bigger = Arrays.copyOf(buf, plaintext + TAG);
    Arrays.fill(buf, 0, pending, (byte) 0);
    buf = bigger;
  }

  /** Encrypts the gathered plaintext in place (ciphertext overwrites it) and writes it out. */
  private void emitPending(boolean last) throws IOException {
    int n;
    try {
      n = cipher.seal(index++, last, buf, 0, pending, buf, 0);
    } catch (RuntimeException e) {
      Arrays.fill(buf, 0, pending, (byte) 0);
      throw e;
    } finally {
      pending = 0;
    }
    out.write(buf, 0, n);
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      grow(pending);
      emitPending(true);
    } finally {
      cipher.close();
      out.close();
    }
  }
}
