package dev.cmk.service.content;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Content to store: a byte array, or a stream (a request body) read once and never held whole.
 * {@link #start} reads at most one chunk and a byte: content that fits one envelope chunk is then
 * complete in memory and stored in the compact form; anything longer streams through {@link
 * #copyTo}, which counts it against the limit as it goes.
 *
 * <p>Failures are the API's: {@code empty_body}, {@code content_too_large} (declared or counted;
 * thrown as soon as the count passes the limit, so nothing more is read), and {@code
 * body_incomplete} when the stream fails or ends early (the client went away): an unchecked
 * exception, so a blob store passes it on as the writer's failure and stores nothing.
 */
final class Body {
  private final InputStream in;
  private final long declaredLength;
  private byte[] head;
  private boolean complete;
  private long count;

  private Body(InputStream in, long declaredLength, byte[] head) {
    this.in = in;
    this.declaredLength = declaredLength;
    this.head = head;
  }

  static Body of(byte[] plaintext) {
    Body b = new Body(InputStream.nullInputStream(), plaintext.length, plaintext);
    b.complete = true;
    return b;
  }

  /**
   * @param declaredLength the length the client declared (Content-Length), or -1
   */
  static Body of(InputStream in, long declaredLength) {
    return new Body(in, declaredLength, new byte[0]);
  }

  /** Reads the head: after this, {@link #complete()} says whether it is all the content. */
  void start(long maxBytes, int chunkSize) {
    if (complete) { // made from bytes: the head is all the content
      check(head.length, maxBytes);
      if (head.length == 0) {
        throw new CmkException(ErrorCode.EMPTY_BODY, "content is empty");
      }
      count = head.length;
      return;
    }
    if (declaredLength > maxBytes) {
      throw tooLarge("content is " + declaredLength + " bytes", maxBytes);
    }
    int want = (int) Math.min(chunkSize + 1L, maxBytes + 1L);
    head = read(want);
    if (head.length == 0) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "content is empty");
    }
    check(head.length, maxBytes);
    complete = head.length < want || head.length <= chunkSize;
    count = head.length;
    if (complete && declaredLength >= 0 && declaredLength != head.length) {
      throw incomplete(null);
    }
  }

  boolean complete() {
    return complete;
  }

  /** The whole content, once {@link #complete()}. */
  byte[] bytes() {
    return head;
  }

  /** Bytes of content seen so far (all of it after {@link #copyTo} returns). */
  long count() {
    return count;
  }

  /** Copies the head and the rest of the stream to {@code out}, enforcing the limit. */
  void copyTo(OutputStream out, long maxBytes) throws IOException {
    out.write(head);
    Arrays.fill(head, (byte) 0);
    byte[] buf = new byte[64 * 1024];
    try {
      while (true) {
        int n = readSome(buf);
        if (n < 0) {
          break;
        }
        count += n;
        check(count, maxBytes);
        out.write(buf, 0, n);
      }
      if (declaredLength >= 0 && count != declaredLength) {
        throw incomplete(null);
      }
    } finally {
      Arrays.fill(buf, (byte) 0);
    }
  }

  private int readSome(byte[] buf) {
    try {
      return in.read(buf);
    } catch (IOException e) {
      throw incomplete(e);
    }
  }

  private byte[] read(int n) {
    try {
      return in.readNBytes(n);
    } catch (IOException e) {
      throw incomplete(e);
    }
  }

  private static void check(long n, long maxBytes) {
    if (n > maxBytes) {
      throw tooLarge("content is more than " + maxBytes + " bytes", maxBytes);
    }
  }

  private static CmkException tooLarge(String what, long maxBytes) {
    return new CmkException(
        ErrorCode.CONTENT_TOO_LARGE, what + "; the limit is " + maxBytes + "; nothing was stored");
  }

  /** The body ended before its declared length, or could not be read: the client went away. */
  static CmkException incomplete(@Nullable IOException cause) {
    return new CmkException(
        ErrorCode.BODY_INCOMPLETE,
        "the request body ended before all of it arrived (the client closed the connection or"
            + " stopped sending); nothing was stored",
        java.util.Map.of(),
        cause);
  }
}
