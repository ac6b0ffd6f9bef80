package dev.cmk.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes a chunked version-1 envelope: the header at once, then one chunk each time a full chunk of
 * plaintext is followed by at least one more byte, and the final chunk on {@link #close()}.
 *
 * <p>Holds at most one chunk of plaintext and one of ciphertext, whatever the stream's length; the
 * buffers start small and grow to a chunk only when that much is written, so a short stream costs
 * little. A chunk of plaintext that is followed by more input in the same {@code write} call is
 * encrypted straight from the caller's array. Closing this stream closes the underlying one and
 * wipes the content key; a stream that is never closed has no final chunk and will not decrypt.
 */
final class EncryptingOutputStream extends OutputStream {
  private final OutputStream out;
  private final ChunkCipher cipher;
  private static final int INITIAL_BUFFER = 4096;
  private final int chunkSize;
  private byte[] buf;
  private byte[] ct = new byte[0];
  private int pending;
  private long index;
  private boolean closed;

  EncryptingOutputStream(OutputStream out, ChunkCipher cipher, int chunkSize) {
    this.out = out;
    this.cipher = cipher;
    this.chunkSize = chunkSize;
    this.buf = new byte[0];
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
        emit(buf, 0, pending, false);
        pending = 0;
      }
      if (pending == 0 && len > chunkSize) {
        // more input follows this chunk, so it is not the last: encrypt straight from the caller
        emit(b, off, chunkSize, false);
        off += chunkSize;
        len -= chunkSize;
        continue;
      }
      if (pending == buf.length) {
        // grow once to what this write needs (at most a chunk), not by repeated doubling
        int grown = Math.max(INITIAL_BUFFER, Math.max(2 * buf.length, pending + len));
        buf = Arrays.copyOf(buf, Math.min(chunkSize, grown));
      }
      int n = Math.min(len, buf.length - pending);
      System.arraycopy(b, off, buf, pending, n);
      pending += n;
      off += n;
      len -= n;
    }
  }

  private void emit(byte[] src, int off, int len, boolean last) throws IOException {
    if (ct.length < len + ChunkCipher.TAG) {
      ct = new byte[len + ChunkCipher.TAG];
    }
    int n = cipher.seal(index++, last, src, off, len, ct, 0);
    out.write(ct, 0, n);
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
      emit(buf, 0, pending, true);
      Arrays.fill(buf, 0, pending, (byte) 0);
    } finally {
      cipher.close();
      out.close();
    }
  }
}
