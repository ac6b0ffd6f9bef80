package dev.cmk.crypto;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The versioned content envelope: a self-describing header followed by AES-256-GCM ciphertext.
 *
 * <p>Walking-skeleton form (version 1, single chunk). Layout, all integers big-endian:
 *
 * <pre>
 *   magic "CMK" (3) | version (1) = 1 | algorithm (1) = 1 (AES-256-GCM, HKDF-SHA256 subkeys)
 *   chunk size (4) | salt (32) | commitment (32)
 *   kek id length (2) | kek id (UTF-8) | wrapped DEK length (2) | wrapped DEK
 *   ciphertext || tag (16)
 * </pre>
 *
 * The content key and the commitment are derived from the DEK and the salt, so the envelope opens
 * only under the DEK that made it (key commitment). The associated data of the GCM call is the
 * caller's AAD plus the header prefix (version, algorithm, chunk size, salt, commitment). The KEK
 * id and wrapped DEK are references, authenticated by the DEK wrap itself: altering them makes the
 * DEK unwrap fail.
 */
public final class ContentEnvelope {
  static final byte[] MAGIC = {'C', 'M', 'K'};
  static final byte VERSION = 1;
  static final byte ALG_AES256_GCM_HKDF = 1;
  static final int SALT_BYTES = 32;
  static final int COMMIT_BYTES = 32;
  private static final int FIXED_PREFIX = 3 + 1 + 1 + 4 + SALT_BYTES + COMMIT_BYTES;

  private ContentEnvelope() {}

  /** The key references an envelope carries in its header. */
  public record Header(String kekId, byte[] wrappedDek) {
    @Override
    public String toString() {
      return "Header[kekId=" + kekId + ", wrappedDek=" + wrappedDek.length + " bytes]";
    }
  }

  public static byte[] seal(
      SecretKeyMaterial dek,
      String kekId,
      byte[] wrappedDek,
      byte[] aad,
      byte[] plaintext,
      SecureRandom rnd) {
    byte[] salt = new byte[SALT_BYTES];
    rnd.nextBytes(salt);
    byte[] encKey = derive(dek, salt, "cmk/v1/enc");
    byte[] commit = derive(dek, salt, "cmk/v1/commit");
    try {
      ByteArrayOutputStream buf = new ByteArrayOutputStream(plaintext.length + 200);
      DataOutputStream out = new DataOutputStream(buf);
      out.write(MAGIC);
      out.writeByte(VERSION);
      out.writeByte(ALG_AES256_GCM_HKDF);
      out.writeInt(0);
      out.write(salt);
      out.write(commit);
      byte[] prefix = buf.toByteArray();
      byte[] kek = kekId.getBytes(StandardCharsets.UTF_8);
      out.writeShort(kek.length);
      out.write(kek);
      out.writeShort(wrappedDek.length);
      out.write(wrappedDek);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(encKey, "AES"), lastChunkNonce());
      c.updateAAD(prefix);
      c.updateAAD(aad);
      out.write(c.doFinal(plaintext));
      return buf.toByteArray();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("content encryption failed", e);
    } finally {
      Arrays.fill(encKey, (byte) 0);
    }
  }

  public static Header readHeader(byte[] envelope) {
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(envelope));
      byte[] magic = in.readNBytes(3);
      if (!Arrays.equals(magic, MAGIC) || in.readByte() != VERSION) {
        throw new DecryptionFailedException("decryption failed: not a CMK v1 envelope");
      }
      in.skipNBytes(FIXED_PREFIX - 4);
      byte[] kek = in.readNBytes(in.readUnsignedShort());
      byte[] wrapped = in.readNBytes(in.readUnsignedShort());
      return new Header(new String(kek, StandardCharsets.UTF_8), wrapped);
    } catch (IOException e) {
      throw new DecryptionFailedException("decryption failed: truncated header");
    }
  }

  public static byte[] open(SecretKeyMaterial dek, byte[] aad, byte[] envelope) {
    Header h = readHeader(envelope);
    int bodyStart =
        FIXED_PREFIX
            + 2
            + h.kekId().getBytes(StandardCharsets.UTF_8).length
            + 2
            + h.wrappedDek().length;
    if (envelope[4] != ALG_AES256_GCM_HKDF || envelope.length < bodyStart + AesGcm.TAG_BYTES) {
      throw new DecryptionFailedException("decryption failed: malformed envelope");
    }
    byte[] salt = Arrays.copyOfRange(envelope, 9, 9 + SALT_BYTES);
    byte[] commit = Arrays.copyOfRange(envelope, 9 + SALT_BYTES, FIXED_PREFIX);
    if (!MessageDigest.isEqual(commit, derive(dek, salt, "cmk/v1/commit"))) {
      throw new DecryptionFailedException("decryption failed: key commitment mismatch");
    }
    byte[] encKey = derive(dek, salt, "cmk/v1/enc");
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(encKey, "AES"), lastChunkNonce());
      c.updateAAD(envelope, 0, FIXED_PREFIX);
      c.updateAAD(aad);
      return c.doFinal(envelope, bodyStart, envelope.length - bodyStart);
    } catch (AEADBadTagException e) {
      throw new DecryptionFailedException("decryption failed: authentication tag mismatch");
    } catch (GeneralSecurityException e) {
      throw new DecryptionFailedException("decryption failed", e);
    } finally {
      Arrays.fill(encKey, (byte) 0);
    }
  }

  private static GCMParameterSpec lastChunkNonce() {
    byte[] nonce = new byte[AesGcm.NONCE_BYTES];
    nonce[AesGcm.NONCE_BYTES - 1] = 1; // chunk 0, last-chunk flag set
    return new GCMParameterSpec(AesGcm.TAG_BYTES * 8, nonce);
  }

  /** HKDF-SHA256 (RFC 5869) with one output block: extract(salt, dek), expand(info). */
  static byte[] derive(SecretKeyMaterial dek, byte[] salt, String info) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt, "HmacSHA256"));
      byte[] raw = dek.copyBytes();
      byte[] prk = mac.doFinal(raw);
      Arrays.fill(raw, (byte) 0);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      Arrays.fill(prk, (byte) 0);
      mac.update(info.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) 1);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }
}
