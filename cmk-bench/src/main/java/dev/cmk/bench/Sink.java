package dev.cmk.bench;

import java.io.OutputStream;
import java.util.Arrays;

/** A reusable in-memory output stream: the same buffer across operations, grown when needed. */
final class Sink extends OutputStream {
  private byte[] buf = new byte[64];
  private int size;

  Sink reset(int capacity) {
    if (buf.length < capacity) {
      buf = new byte[capacity];
    }
    size = 0;
    return this;
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }
}
