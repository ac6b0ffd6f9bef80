package dev.cmk.crypto;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The parsed header of a version-1 envelope (see FORMAT.md): a view over the envelope's first
 * {@link #length()} bytes, so opening an envelope copies nothing it does not need.
 *
 * <p>The view keeps a reference to the array it parsed; callers hand it arrays they own and do not
 * change while the envelope is being opened.
 */
final class EnvelopeHeader {
  private final byte[] bytes;
  private final int form;
  private final int chunkSize;
  private final int authLength;
  private final int kekLength;
  private final int length;

  private EnvelopeHeader(
      byte[] bytes, int form, int chunkSize, int authLength, int kekLength, int length) {
    this.bytes = bytes;
    this.form = form;
    this.chunkSize = chunkSize;
    this.authLength = authLength;
    this.kekLength = kekLength;
    this.length = length;
  }

  /** {@link #FORM_COMPACT}, {@link #FORM_CHUNKED} or the read-only {@link #FORM_SINGLE}. */
  int form() {
    return form;
  }

  /** Whether this is one of the single-chunk forms (01 or 03). */
  boolean compact() {
    return form != FORM_CHUNKED;
  }

  /** Plaintext bytes per non-final chunk (0 for the compact form). */
  int chunkSize() {
    return chunkSize;
  }

  /** Total header length in bytes, references included. */
  int length() {
    return length;
  }

  /** The header bytes every chunk authenticates: magic through commitment. */
  byte[] authenticated() {
    return Arrays.copyOf(bytes, authLength);
  }

  /** The associated data of every chunk: the authenticated header followed by the caller's. */
  byte[] chunkAad(byte[] callerAad) {
    byte[] aad = Arrays.copyOf(bytes, authLength + callerAad.length);
    System.arraycopy(callerAad, 0, aad, authLength, callerAad.length);
    return aad;
  }

  /** The parsed array; the salt or nonce starts at {@link #saltOffset()}. */
  byte[] bytes() {
    return bytes;
  }

  /** Where the per-message salt (chunked form) or GCM nonce (compact form) starts. */
  int saltOffset() {
    return form == FORM_CHUNKED ? LEAD + 4 : LEAD;
  }

  /** Where the 32-byte key commitment starts. */
  int commitmentOffset() {
    return authLength - COMMIT_BYTES;
  }

  /** A copy of the per-message salt of the chunked form. */
  byte[] salt() {
    return Arrays.copyOfRange(bytes, saltOffset(), commitmentOffset());
  }

  ContentEnvelope.Header refs() {
    int wrappedAt = authLength + 2 + kekLength + 2;
    return new ContentEnvelope.Header(
        new String(bytes, authLength + 2, kekLength, StandardCharsets.UTF_8),
        Arrays.copyOfRange(bytes, wrappedAt, length));
  }

  /** Constant-time comparison of {@code expected} with {@code actual[off, off+expected.length)}. */
  static boolean equalsAt(byte[] expected, byte[] actual, int off) {
    if (off < 0 || actual.length - off < expected.length) {
      return false;
    }
    long diff = 0;
    int i = 0;
    for (; i + 8 <= expected.length; i += 8) {
      diff |= (long) LONGS.get(expected, i) ^ (long) LONGS.get(actual, off + i);
    }
    for (; i < expected.length; i++) {
      diff |= expected[i] ^ actual[off + i];
    }
    return diff == 0;
  }

  /** Eight bytes at a time, for {@link #equalsAt}; the byte order does not matter there. */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static final byte[] MAGIC = {'C', 'M', 'K'};
  static final byte VERSION = 1;
  static final byte ALG_AES256_GCM_HKDF_SHA256 = 1;

  /**
   * Compact form 01: one chunk whose AAD is the header followed by the caller's AAD. Written until
   * 2026-11-29; still opened, no longer written.
   */
  static final byte FORM_SINGLE = 1;

  static final byte FORM_CHUNKED = 2;

  /**
   * Compact form 03: one chunk whose AAD is the caller's alone; the header is bound by the content
   * key (form-specific derivation), the commitment check and the GCM nonce (FORMAT.md).
   */
  static final byte FORM_COMPACT = 3;

  static final int SALT_BYTES = 32;
  static final int NONCE_BYTES = 12;
  static final int COMMIT_BYTES = 32;
  static final int MIN_CHUNK = 16;
  static final int MAX_CHUNK = 8 << 20;
  private static final int LEAD = 6;

  /** Length of the authenticated part of a header of this form. */
  static int authenticatedLength(int form) {
    return form == FORM_CHUNKED ? LEAD + 4 + SALT_BYTES + COMMIT_BYTES : LEAD + NONCE_BYTES + 32;
  }

  /**
   * Writes the lead (magic, version, algorithm, form) and, for the chunked form, the chunk size at
   * the start of {@code b}; returns where the salt or nonce goes.
   */
  static int writeLead(byte[] b, int form, int chunkSize) {
    System.arraycopy(MAGIC, 0, b, 0, 3);
    b[3] = VERSION;
    b[4] = ALG_AES256_GCM_HKDF_SHA256;
    b[5] = (byte) form;
    if (form == FORM_CHUNKED) {
      putInt(b, LEAD, chunkSize);
      return LEAD + 4;
    }
    return LEAD;
  }

  /** Encodes the key references that follow the authenticated part. */
  static byte[] refBytes(String kekId, byte[] wrappedDek) {
    byte[] kek = kekUtf8(kekId, wrappedDek);
    byte[] b = new byte[4 + kek.length + wrappedDek.length];
    writeRefs(b, 0, kek, wrappedDek);
    return b;
  }

  /** The KEK id's UTF-8 bytes, after checking both references fit their 16-bit lengths. */
  static byte[] kekUtf8(String kekId, byte[] wrappedDek) {
    byte[] kek = kekId.getBytes(StandardCharsets.UTF_8);
    if (kek.length > 0xFFFF || wrappedDek.length > 0xFFFF) {
      throw new IllegalArgumentException("KEK id and wrapped DEK must each fit in 65535 bytes");
    }
    return kek;
  }

  /** Writes the references at {@code off}; returns the offset after them. */
  static int writeRefs(byte[] b, int off, byte[] kekUtf8, byte[] wrappedDek) {
    b[off] = (byte) (kekUtf8.length >>> 8);
    b[off + 1] = (byte) kekUtf8.length;
    System.arraycopy(kekUtf8, 0, b, off + 2, kekUtf8.length);
    int o = off + 2 + kekUtf8.length;
    b[o] = (byte) (wrappedDek.length >>> 8);
    b[o + 1] = (byte) wrappedDek.length;
    System.arraycopy(wrappedDek, 0, b, o + 2, wrappedDek.length);
    return o + 2 + wrappedDek.length;
  }

  /** Parses the header at the start of {@code env}, keeping a reference to it. */
  static EnvelopeHeader parse(byte[] env) {
    int form = checkLead(env);
    int authLen = authenticatedLength(form);
    if (env.length < authLen + 2) {
      throw malformed("truncated header");
    }
    int chunkSize = form == FORM_CHUNKED ? checkChunkSize(getInt(env, LEAD)) : 0;
    int kekLen = u16(env, authLen);
    int wrappedAt = authLen + 2 + kekLen;
    if (env.length < wrappedAt + 2) {
      throw malformed("truncated header");
    }
    int length = wrappedAt + 2 + u16(env, wrappedAt);
    if (env.length < length) {
      throw malformed("truncated header");
    }
    return new EnvelopeHeader(env, form, chunkSize, authLen, kekLen, length);
  }

  /** Reads a header from the stream, leaving it at the first chunk. */
  static EnvelopeHeader read(InputStream in) {
    try {
      byte[] lead = readExactly(in, LEAD);
      int form = checkLead(lead);
      byte[] auth = Arrays.copyOf(lead, authenticatedLength(form));
      readFully(in, auth, LEAD);
      byte[] kekLen = readExactly(in, 2);
      byte[] kek = readExactly(in, u16(kekLen, 0));
      byte[] wrappedLen = readExactly(in, 2);
      byte[] wrapped = readExactly(in, u16(wrappedLen, 0));
      byte[] all = new byte[auth.length + 4 + kek.length + wrapped.length];
      int o = 0;
      for (byte[] part : new byte[][] {auth, kekLen, kek, wrappedLen, wrapped}) {
        System.arraycopy(part, 0, all, o, part.length);
        o += part.length;
      }
      return parse(all);
    } catch (EOFException e) {
      throw malformed("truncated header");
    } catch (IOException e) {
      throw new UncheckedIOException("reading envelope header", e);
    }
  }

  private static int checkLead(byte[] b) {
    if (b.length < LEAD || b[0] != MAGIC[0] || b[1] != MAGIC[1] || b[2] != MAGIC[2]) {
      throw malformed("not a CMK envelope");
    }
    if (b[3] != VERSION) {
      throw malformed("unsupported envelope version " + b[3]);
    }
    if (b[4] != ALG_AES256_GCM_HKDF_SHA256) {
      throw malformed("unsupported algorithm " + b[4]);
    }
    if (b[5] != FORM_COMPACT && b[5] != FORM_CHUNKED && b[5] != FORM_SINGLE) {
      throw malformed("unknown envelope form " + b[5]);
    }
    return b[5];
  }

  private static int checkChunkSize(int chunkSize) {
    if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
      throw malformed("chunk size out of range");
    }
    return chunkSize;
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] b = new byte[n];
    readFully(in, b, 0);
    return b;
  }

  private static void readFully(InputStream in, byte[] b, int from) throws IOException {
    if (in.readNBytes(b, from, b.length - from) != b.length - from) {
      throw new EOFException();
    }
  }

  private static int u16(byte[] b, int o) {
    return ((b[o] & 0xFF) << 8) | (b[o + 1] & 0xFF);
  }

  private static int getInt(byte[] b, int o) {
    return ((b[o] & 0xFF) << 24)
        | ((b[o + 1] & 0xFF) << 16)
        | ((b[o + 2] & 0xFF) << 8)
        | (b[o + 3] & 0xFF);
  }

  private static void putInt(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 24);
    b[o + 1] = (byte) (v >>> 16);
    b[o + 2] = (byte) (v >>> 8);
    b[o + 3] = (byte) v;
  }

  static DecryptionFailedException malformed(String why) {
    return new DecryptionFailedException("decryption failed: " + why);
  }
}
