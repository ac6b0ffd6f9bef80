package dev.cmk.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes a chunked version-1 envelope: the header at once, then one chunk each time a full chunk of
 * plaintext is followed by at least one more byte, and the final chunk on {@link #close()}.
 *
 * <p>Holds at most one chunk of plaintext and one of ciphertext, whatever the stream's length.
 * Closing this stream closes the underlying one; a stream that is never closed has no final chunk
 * and will not decrypt.
 */
final class EncryptingOutputStream extends OutputStream {
  private final OutputStream out;
  private final ChunkCipher cipher;
  private final byte[] buf;
  private final byte[] ct;
  private int pending;
  private long index;
  private boolean closed;

  EncryptingOutputStream(OutputStream out, ChunkCipher cipher, int chunkSize) {
    this.out = out;
    this.cipher = cipher;
    this.buf = new byte[chunkSize];
    this.ct = new byte[chunkSize + ChunkCipher.TAG];
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
      if (pending == buf.length) {
        emit(buf, 0, pending, false);
        pending = 0;
      }
      if (pending == 0 && len > buf.length) {
        // more input follows this chunk, so it is not the last: encrypt straight from the caller
        emit(b, off, buf.length, false);
        off += buf.length;
        len -= buf.length;
        continue;
      }
      int n = Math.min(len, buf.length - pending);
      System.arraycopy(b, off, buf, pending, n);
      pending += n;
      off += n;
      len -= n;
    }
  }

  private void emit(byte[] src, int off, int len, boolean last) throws IOException {
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
      Arrays.fill(buf, (byte) 0);
    } finally {
      out.close();
    }
  }
}
