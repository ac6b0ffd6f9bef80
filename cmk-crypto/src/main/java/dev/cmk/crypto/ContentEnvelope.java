package dev.cmk.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The versioned content envelope (format version 1): a self-describing header followed by
 * AES-256-GCM chunks. The byte layout is in {@code cmk-crypto/FORMAT.md}.
 *
 * <p>Two forms share one header: a compact single-chunk form for content of at most one chunk (what
 * {@link #seal} writes for small content) and a chunked form for anything larger and for every
 * stream. Both open with {@link #open} and {@link #decryptingStream}.
 *
 * <p><b>Security:</b>
 *
 * <ul>
 *   <li>Key commitment: the content key and a 32-byte commitment are derived from the DEK and a
 *       random per-message salt (HKDF-SHA256); the commitment is checked before any chunk is
 *       decrypted, so an envelope opens only under the DEK that made it.
 *   <li>Every chunk of the chunked form authenticates the header (version, algorithm, form, chunk
 *       size, salt, commitment), the caller's AAD, its own index and whether it is the last chunk:
 *       altering, reordering, dropping, duplicating, truncating or appending chunks fails. The
 *       compact form (03) authenticates the caller's AAD and binds its header through a
 *       form-specific key, the commitment check and the nonce (FORMAT.md); form 01, no longer
 *       written, still opens.
 *   <li>The KEK id and the wrapped DEK are references, deliberately <em>not</em> covered by the
 *       chunks: they are authenticated by the DEK wrap itself (whose AAD binds account, asset and
 *       object), which lets {@link #withKeyReferences} re-wrap a DEK without touching the chunks.
 *   <li>No plaintext of a chunk is released before its tag verifies; {@link #open} returns nothing
 *       on failure.
 *   <li>Every failure is a {@link DecryptionFailedException} whose message starts with {@code
 *       "decryption failed"} and carries no key or plaintext bytes.
 * </ul>
 */
public final class ContentEnvelope {
  /**
   * Plaintext bytes per chunk unless the caller chooses, tuned for the AES-GCM provider in use
   * ({@link GcmProvider}). On the JDK's provider 16 KiB: as fast as larger chunks once the JIT has
   * compiled the JDK's GCM path, and it gets there within the first second of a fresh JVM, where 64
   * KiB-1 MiB chunks stay on the slow path for seconds. On AWS-LC (Amazon Corretto Crypto Provider)
   * 32 KiB: native code has no warm-up and larger calls amortise the JNI crossing, while an
   * encrypting stream buffers its last chunk and a decrypting one its current chunk, which costs
   * small messages more the larger the chunk (BENCHMARKS.md, rounds r10 and r10b).
   */
  public static int defaultChunkSize() {
    return GcmProvider.defaultChunkSize();
  }

  /**
   * The references of an envelope that carries none: pass {@code DETACHED.kekId()} and {@code
   * DETACHED.wrappedDek()} to {@link #seal} or {@link #encryptingStream} to keep the KEK id and
   * wrapped DEK elsewhere (FORMAT.md, "Detached references").
   */
  public static final Header DETACHED = new Header("", new byte[0]);

  /** Smallest and largest chunk size a header may declare. */
  public static final int MIN_CHUNK_SIZE = EnvelopeHeader.MIN_CHUNK;

  public static final int MAX_CHUNK_SIZE = EnvelopeHeader.MAX_CHUNK;

  private static final int TAG = ChunkCipher.TAG;

  private ContentEnvelope() {}

  /**
   * The key references an envelope carries in its header. Both are empty in an envelope with
   * <em>detached</em> references ({@link #DETACHED}), whose KEK id and wrapped DEK are kept by the
   * caller (CMK: in the object's database row), so re-wrapping its DEK never touches the envelope.
   */
  public record Header(String kekId, byte[] wrappedDek) {
    /** Whether the references are kept outside the envelope (both empty). */
    public boolean detached() {
      return kekId.isEmpty() && wrappedDek.length == 0;
    }

    @Override
    public String toString() {
      return "Header[kekId=" + kekId + ", wrappedDek=" + wrappedDek.length + " bytes]";
    }
  }

  /** Seals {@code plaintext} with the {@link #defaultChunkSize()}. */
  public static byte[] seal(
      SecretKeyMaterial dek,
      String kekId,
      byte[] wrappedDek,
      byte[] aad,
      byte[] plaintext,
      SecureRandom rnd) {
    return seal(dek, kekId, wrappedDek, aad, plaintext, rnd, defaultChunkSize());
  }

  /**
   * Seals {@code plaintext}: the compact single-chunk form when it fits in one chunk, the chunked
   * form otherwise.
   *
   * @param aad associated data the reader must present again, e.g. (account, asset, object id)
   */
  public static byte[] seal(
      SecretKeyMaterial dek,
      String kekId,
      byte[] wrappedDek,
      byte[] aad,
      byte[] plaintext,
      SecureRandom rnd,
      int chunkSize) {
    checkChunkSize(chunkSize);
    if (plaintext.length <= chunkSize) {
      return sealCompact(dek, kekId, wrappedDek, aad, plaintext, rnd);
    }
    byte[] kek = EnvelopeHeader.kekUtf8(kekId, wrappedDek);
    long chunks = (plaintext.length + (long) chunkSize - 1) / chunkSize;
    int authLen = EnvelopeHeader.authenticatedLength(EnvelopeHeader.FORM_CHUNKED);
    long total = authLen + 4 + kek.length + wrappedDek.length + plaintext.length + chunks * TAG;
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("content too large for a byte array: use a stream");
    }
    byte[] out = new byte[(int) total];
    int o = EnvelopeHeader.writeRefs(out, authLen, kek, wrappedDek);
    try (ChunkCipher cipher = startChunked(dek, chunkSize, aad, rnd, out)) {
      for (int i = 0, p = 0; i < chunks; i++, p += chunkSize) {
        int len = Math.min(chunkSize, plaintext.length - p);
        o += cipher.seal(i, i == chunks - 1, plaintext, p, len, out, o);
      }
    }
    return out;
  }

  /**
   * The compact form (03): the DEK's own content key (derived once per DEK object), a random nonce,
   * one chunk whose associated data is the caller's alone. The header is written straight into the
   * output; it is bound by the key, the commitment and the nonce instead of the AAD (FORMAT.md).
   */
  private static byte[] sealCompact(
      SecretKeyMaterial dek,
      String kekId,
      byte[] wrappedDek,
      byte[] aad,
      byte[] plaintext,
      SecureRandom rnd) {
    byte[] kek = EnvelopeHeader.kekUtf8(kekId, wrappedDek);
    CompactKeys.Entry keys = dek.compactKeys();
    int authLen = EnvelopeHeader.authenticatedLength(EnvelopeHeader.FORM_COMPACT);
    byte[] out = new byte[authLen + 4 + kek.length + wrappedDek.length + plaintext.length + TAG];
    int nonceAt = EnvelopeHeader.writeLead(out, EnvelopeHeader.FORM_COMPACT, 0);
    byte[] nonce = new byte[EnvelopeHeader.NONCE_BYTES];
    rnd.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, nonceAt, nonce.length);
    keys.writeCommitment(out, nonceAt + nonce.length);
    int body = EnvelopeHeader.writeRefs(out, authLen, kek, wrappedDek);
    try (ChunkCipher cipher = ChunkCipher.compact(keys, nonce, 0, aad)) {
      cipher.seal(0, true, plaintext, 0, plaintext.length, out, body);
    }
    return out;
  }

  /**
   * Starts a chunked message: a random salt, the content key and commitment derived from it, the
   * authenticated header written at the start of {@code header}, and the cipher for its chunks.
   */
  private static ChunkCipher startChunked(
      SecretKeyMaterial dek, int chunkSize, byte[] aad, SecureRandom rnd, byte[] header) {
    byte[] salt = new byte[EnvelopeHeader.SALT_BYTES];
    rnd.nextBytes(salt);
    byte[][] keys = ChunkCipher.derive(dek, salt);
    int saltAt = EnvelopeHeader.writeLead(header, EnvelopeHeader.FORM_CHUNKED, chunkSize);
    System.arraycopy(salt, 0, header, saltAt, salt.length);
    System.arraycopy(keys[1], 0, header, saltAt + salt.length, EnvelopeHeader.COMMIT_BYTES);
    Arrays.fill(keys[1], (byte) 0);
    int authLen = saltAt + salt.length + EnvelopeHeader.COMMIT_BYTES;
    byte[] chunkAad = Arrays.copyOf(header, authLen + aad.length);
    System.arraycopy(aad, 0, chunkAad, authLen, aad.length);
    return ChunkCipher.chunked(keys[0], chunkAad);
  }

  /** Reads the key references from an envelope without decrypting anything. */
  public static Header readHeader(byte[] envelope) {
    return EnvelopeHeader.parse(envelope).refs();
  }

  /**
   * Reads the header from {@code in}, consuming it: the stream is left at the first chunk. To
   * decrypt a stream whose DEK must first be unwrapped, use {@link #decryptingStream(InputStream,
   * Function, byte[])} instead.
   */
  public static Header readHeader(InputStream in) {
    return EnvelopeHeader.read(in).refs();
  }

  /**
   * Opens an envelope of either form.
   *
   * @throws DecryptionFailedException wrong DEK, wrong AAD, or any altered byte of the envelope
   */
  public static byte[] open(SecretKeyMaterial dek, byte[] aad, byte[] envelope) {
    EnvelopeHeader h = EnvelopeHeader.parse(envelope);
    int body = envelope.length - h.length();
    int full;
    int chunks;
    int lastLength;
    if (h.compact()) {
      full = body;
      chunks = 1;
      lastLength = body;
    } else {
      full = h.chunkSize() + TAG;
      int rest = body % full;
      if (body < TAG || (rest > 0 && rest < TAG)) {
        throw EnvelopeHeader.malformed("truncated chunk");
      }
      chunks = body / full + (rest == 0 ? 0 : 1);
      lastLength = rest == 0 ? full : rest;
    }
    try (ChunkCipher cipher = ChunkCipher.forDecryption(dek, h, aad, false)) {
      byte[] out = new byte[Math.max(0, body - chunks * TAG)];
      int in = h.length();
      int o = 0;
      try {
        for (int i = 0; i < chunks; i++) {
          int len = i == chunks - 1 ? lastLength : full;
          o += cipher.open(i, i == chunks - 1, envelope, in, len, out, o);
          in += len;
        }
        return out;
      } catch (DecryptionFailedException e) {
        Arrays.fill(out, (byte) 0);
        throw e;
      }
    }
  }

  /**
   * Returns a stream that encrypts what is written to it into {@code out} in the chunked form. The
   * header is written at once; the final chunk is written by {@code close()}, which also closes
   * {@code out}. Memory use is two chunks, whatever the content's length.
   *
   * @param chunkSize plaintext bytes per chunk, {@link #MIN_CHUNK_SIZE} to {@link #MAX_CHUNK_SIZE}
   */
  public static OutputStream encryptingStream(
      OutputStream out,
      SecretKeyMaterial dek,
      String kekId,
      byte[] wrappedDek,
      byte[] aad,
      SecureRandom rnd,
      int chunkSize)
      throws IOException {
    checkChunkSize(chunkSize);
    byte[] refs = EnvelopeHeader.refBytes(kekId, wrappedDek);
    byte[] auth = new byte[EnvelopeHeader.authenticatedLength(EnvelopeHeader.FORM_CHUNKED)];
    ChunkCipher cipher = startChunked(dek, chunkSize, aad, rnd, auth);
    try {
      out.write(auth);
      out.write(refs);
    } catch (IOException | RuntimeException e) {
      cipher.close();
      throw e;
    }
    return new EncryptingOutputStream(out, cipher, chunkSize);
  }

  /**
   * Returns a stream of the plaintext of the envelope that {@code in} holds, header included. The
   * key commitment is checked here; each chunk is authenticated before any of its bytes is
   * returned. Reads throw {@link DecryptionFailedException} (unchecked) on tampering.
   */
  public static InputStream decryptingStream(InputStream in, SecretKeyMaterial dek, byte[] aad) {
    return decryptingStream(in, h -> dek.duplicate(), aad);
  }

  /**
   * Like {@link #decryptingStream(InputStream, SecretKeyMaterial, byte[])}, for a reader that
   * learns which DEK to use from the header: {@code dekForHeader} receives the key references
   * (typically to unwrap the DEK); the key it returns is closed once the content key is derived.
   */
  public static InputStream decryptingStream(
      InputStream in, Function<Header, SecretKeyMaterial> dekForHeader, byte[] aad) {
    EnvelopeHeader h = EnvelopeHeader.read(in);
    try (SecretKeyMaterial dek = dekForHeader.apply(h.refs())) {
      return new DecryptingInputStream(in, ChunkCipher.forDecryption(dek, h, aad, true), h);
    }
  }

  /**
   * Returns a copy of {@code envelope} whose header names another KEK and wrapped DEK, with every
   * chunk unchanged: re-protecting content under a new KEK without re-encrypting it.
   */
  public static byte[] withKeyReferences(byte[] envelope, String kekId, byte[] wrappedDek) {
    EnvelopeHeader h = EnvelopeHeader.parse(envelope);
    byte[] auth = h.authenticated();
    byte[] refs = EnvelopeHeader.refBytes(kekId, wrappedDek);
    int body = envelope.length - h.length();
    byte[] out = Arrays.copyOf(auth, auth.length + refs.length + body);
    System.arraycopy(refs, 0, out, auth.length, refs.length);
    System.arraycopy(envelope, h.length(), out, auth.length + refs.length, body);
    return out;
  }

  private static void checkChunkSize(int chunkSize) {
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunk size must be between " + MIN_CHUNK_SIZE + " and " + MAX_CHUNK_SIZE);
    }
  }
}
