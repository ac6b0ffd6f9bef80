package dev.cmk.crypto;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The parsed header of a version-1 envelope (see FORMAT.md).
 *
 * @param form {@link #FORM_SINGLE} or {@link #FORM_CHUNKED}
 * @param chunkSize plaintext bytes per non-final chunk (0 for the single-chunk form)
 * @param authenticated the header bytes every chunk authenticates: magic through commitment
 * @param salt the per-message HKDF salt
 * @param commitment the key-commitment value
 * @param refs the key references (not authenticated by the chunks)
 * @param length total header length in bytes, references included
 */
record EnvelopeHeader(
    int form,
    int chunkSize,
    byte[] authenticated,
    byte[] salt,
    byte[] commitment,
    ContentEnvelope.Header refs,
    int length) {

  static final byte[] MAGIC = {'C', 'M', 'K'};
  static final byte VERSION = 1;
  static final byte ALG_AES256_GCM_HKDF_SHA256 = 1;
  static final byte FORM_SINGLE = 1;
  static final byte FORM_CHUNKED = 2;
  static final int SALT_BYTES = 32;
  static final int COMMIT_BYTES = 32;
  static final int MIN_CHUNK = 16;
  static final int MAX_CHUNK = 8 << 20;
  private static final int LEAD = 6;

  /** Encodes the authenticated part of a header. */
  static byte[] authenticatedBytes(int form, int chunkSize, byte[] salt, byte[] commitment) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(LEAD + 4 + SALT_BYTES + COMMIT_BYTES);
    b.writeBytes(MAGIC);
    b.write(VERSION);
    b.write(ALG_AES256_GCM_HKDF_SHA256);
    b.write(form);
    if (form == FORM_CHUNKED) {
      writeInt(b, chunkSize);
    }
    b.writeBytes(salt);
    b.writeBytes(commitment);
    return b.toByteArray();
  }

  /** Encodes the key references that follow the authenticated part. */
  static byte[] refBytes(String kekId, byte[] wrappedDek) {
    byte[] kek = kekId.getBytes(StandardCharsets.UTF_8);
    if (kek.length > 0xFFFF || wrappedDek.length > 0xFFFF) {
      throw new IllegalArgumentException("KEK id and wrapped DEK must each fit in 65535 bytes");
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream(4 + kek.length + wrappedDek.length);
    b.write(kek.length >>> 8);
    b.write(kek.length);
    b.writeBytes(kek);
    b.write(wrappedDek.length >>> 8);
    b.write(wrappedDek.length);
    b.writeBytes(wrappedDek);
    return b.toByteArray();
  }

  /** Reads a header from the stream, leaving it at the first chunk. */
  static EnvelopeHeader read(InputStream in) {
    try {
      byte[] lead = readExactly(in, LEAD);
      for (int i = 0; i < MAGIC.length; i++) {
        if (lead[i] != MAGIC[i]) {
          throw malformed("not a CMK envelope");
        }
      }
      if (lead[3] != VERSION) {
        throw malformed("unsupported envelope version " + lead[3]);
      }
      if (lead[4] != ALG_AES256_GCM_HKDF_SHA256) {
        throw malformed("unsupported algorithm " + lead[4]);
      }
      int form = lead[5];
      if (form != FORM_SINGLE && form != FORM_CHUNKED) {
        throw malformed("unknown envelope form " + form);
      }
      return readRest(in, lead, form);
    } catch (EOFException e) {
      throw malformed("truncated header");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("reading envelope header", e);
    }
  }

  private static EnvelopeHeader readRest(InputStream in, byte[] lead, int form) throws IOException {
    int chunkSize = 0;
    byte[] sizeBytes = new byte[0];
    if (form == FORM_CHUNKED) {
      sizeBytes = readExactly(in, 4);
      chunkSize = readInt(sizeBytes);
      if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
        throw malformed("chunk size out of range");
      }
    }
    byte[] salt = readExactly(in, SALT_BYTES);
    byte[] commitment = readExactly(in, COMMIT_BYTES);
    byte[] kek = readExactly(in, readU16(in));
    byte[] wrapped = readExactly(in, readU16(in));
    byte[] auth = concat(lead, sizeBytes, salt, commitment);
    var refs = new ContentEnvelope.Header(new String(kek, StandardCharsets.UTF_8), wrapped);
    int length = auth.length + 4 + kek.length + wrapped.length;
    return new EnvelopeHeader(form, chunkSize, auth, salt, commitment, refs, length);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException();
    }
    return b;
  }

  private static int readU16(InputStream in) throws IOException {
    byte[] b = readExactly(in, 2);
    return ((b[0] & 0xFF) << 8) | (b[1] & 0xFF);
  }

  private static int readInt(byte[] b) {
    return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
  }

  private static void writeInt(ByteArrayOutputStream b, int v) {
    b.write(v >>> 24);
    b.write(v >>> 16);
    b.write(v >>> 8);
    b.write(v);
  }

  static DecryptionFailedException malformed(String why) {
    return new DecryptionFailedException("decryption failed: " + why);
  }
}
