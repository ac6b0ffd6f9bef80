package dev.cmk.crypto;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The parsed header of a version-1 envelope (see FORMAT.md).
 *
 * @param form {@link #FORM_SINGLE} or {@link #FORM_CHUNKED}
 * @param chunkSize plaintext bytes per non-final chunk (0 for the compact form)
 * @param authenticated the header bytes every chunk authenticates: magic through commitment
 * @param salt the per-message HKDF salt (chunked form) or GCM nonce (compact form)
 * @param commitment the key-commitment value
 * @param kekId the KEK id reference, UTF-8 (not authenticated by the chunks)
 * @param wrappedDek the wrapped DEK reference (not authenticated by the chunks)
 * @param length total header length in bytes, references included
 */
record EnvelopeHeader(
    int form,
    int chunkSize,
    byte[] authenticated,
    byte[] salt,
    byte[] commitment,
    byte[] kekId,
    byte[] wrappedDek,
    int length) {

  static final byte[] MAGIC = {'C', 'M', 'K'};
  static final byte VERSION = 1;
  static final byte ALG_AES256_GCM_HKDF_SHA256 = 1;
  static final byte FORM_SINGLE = 1;
  static final byte FORM_CHUNKED = 2;
  static final int SALT_BYTES = 32;
  static final int NONCE_BYTES = 12;
  static final int COMMIT_BYTES = 32;
  static final int MIN_CHUNK = 16;
  static final int MAX_CHUNK = 8 << 20;
  private static final int LEAD = 6;

  ContentEnvelope.Header refs() {
    return new ContentEnvelope.Header(new String(kekId, StandardCharsets.UTF_8), wrappedDek);
  }

  /** Length of the authenticated part of a header of this form. */
  static int authenticatedLength(int form) {
    return form == FORM_CHUNKED ? LEAD + 4 + SALT_BYTES + COMMIT_BYTES : LEAD + NONCE_BYTES + 32;
  }

  /** Encodes the authenticated part of a header. */
  static byte[] authenticatedBytes(int form, int chunkSize, byte[] salt, byte[] commitment) {
    byte[] b = new byte[authenticatedLength(form)];
    System.arraycopy(MAGIC, 0, b, 0, 3);
    b[3] = VERSION;
    b[4] = ALG_AES256_GCM_HKDF_SHA256;
    b[5] = (byte) form;
    int o = LEAD;
    if (form == FORM_CHUNKED) {
      putInt(b, o, chunkSize);
      o += 4;
    }
    System.arraycopy(salt, 0, b, o, salt.length);
    System.arraycopy(commitment, 0, b, o + salt.length, COMMIT_BYTES);
    return b;
  }

  /** Encodes the key references that follow the authenticated part. */
  static byte[] refBytes(String kekId, byte[] wrappedDek) {
    byte[] kek = kekId.getBytes(StandardCharsets.UTF_8);
    if (kek.length > 0xFFFF || wrappedDek.length > 0xFFFF) {
      throw new IllegalArgumentException("KEK id and wrapped DEK must each fit in 65535 bytes");
    }
    byte[] b = new byte[4 + kek.length + wrappedDek.length];
    b[0] = (byte) (kek.length >>> 8);
    b[1] = (byte) kek.length;
    System.arraycopy(kek, 0, b, 2, kek.length);
    int o = 2 + kek.length;
    b[o] = (byte) (wrappedDek.length >>> 8);
    b[o + 1] = (byte) wrappedDek.length;
    System.arraycopy(wrappedDek, 0, b, o + 2, wrappedDek.length);
    return b;
  }

  /** Parses the header at the start of {@code env}. */
  static EnvelopeHeader parse(byte[] env) {
    int form = checkLead(env);
    int authLen = authenticatedLength(form);
    if (env.length < authLen + 2) {
      throw malformed("truncated header");
    }
    int o = LEAD;
    int chunkSize = 0;
    if (form == FORM_CHUNKED) {
      chunkSize = checkChunkSize(getInt(env, o));
      o += 4;
    }
    int saltLen = form == FORM_CHUNKED ? SALT_BYTES : NONCE_BYTES;
    byte[] salt = Arrays.copyOfRange(env, o, o + saltLen);
    byte[] commitment = Arrays.copyOfRange(env, o + saltLen, authLen);
    int kekLen = u16(env, authLen);
    int wrappedAt = authLen + 2 + kekLen;
    if (env.length < wrappedAt + 2) {
      throw malformed("truncated header");
    }
    int wrappedLen = u16(env, wrappedAt);
    int length = wrappedAt + 2 + wrappedLen;
    if (env.length < length) {
      throw malformed("truncated header");
    }
    return new EnvelopeHeader(
        form,
        chunkSize,
        Arrays.copyOf(env, authLen),
        salt,
        commitment,
        Arrays.copyOfRange(env, authLen + 2, wrappedAt),
        Arrays.copyOfRange(env, wrappedAt + 2, length),
        length);
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
    if (b[5] != FORM_SINGLE && b[5] != FORM_CHUNKED) {
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
