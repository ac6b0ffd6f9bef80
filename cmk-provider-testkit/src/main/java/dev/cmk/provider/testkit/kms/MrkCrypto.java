package dev.cmk.provider.testkit.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The crypto of AWS multi-region keys, answered by the proxy: GenerateDataKey(WithoutPlaintext),
 * Encrypt, Decrypt and ReEncrypt for {@code mrk-} key ids, with one key material per mrk id shared
 * by every region (as real replicas share theirs) and the encryption context as AES-GCM associated
 * data. So a replica in us-west-2 decrypts what the primary in us-east-1 encrypted, and back.
 *
 * <p>Why not moto: moto 5 keeps one key material per region and packs the key id into a fixed
 * 36-byte ciphertext header, so {@code mrk-<uuid>} (40 characters) is truncated and moto answers
 * AccessDeniedException to every Decrypt of an MRK ciphertext, in either region. Routing to the
 * region that made the ciphertext would not help for that reason. Key creation, replication,
 * describe, policies and grants stay with moto; the material lives in this proxy's memory (a
 * restarted proxy cannot decrypt what an earlier one encrypted).
 *
 * <p>Ciphertext: {@code "EMRK" | len(id) | id | iv(12) | AES-GCM(ct+tag)}. Test use only.
 */
final class MrkCrypto {
  private static final byte[] MAGIC = "EMRK".getBytes(StandardCharsets.US_ASCII);
  private final ObjectMapper json;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> material = new ConcurrentHashMap<>();

  MrkCrypto(ObjectMapper json) {
    this.json = json;
  }

  /** Whether this call is MRK crypto that this class answers. */
  static boolean handles(String action, String keyId) {
    return switch (action) {
      case "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "Encrypt", "Decrypt" ->
          mrkId(keyId) != null;
      case "ReEncrypt" -> mrkId(keyId) != null;
      default -> false;
    };
  }

  /** The answer (status, JSON body) to an MRK crypto call. */
  KmsFaultProxy.Answer answer(String action, JsonNode req) {
    try {
      return switch (action) {
        case "GenerateDataKey" -> generate(req, true);
        case "GenerateDataKeyWithoutPlaintext" -> generate(req, false);
        case "Encrypt" -> encrypt(req, b64(req, "Plaintext"));
        case "ReEncrypt" -> reEncrypt(req);
        default -> decrypt(req);
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return KmsFaultProxy.awsError(json, 400, "InvalidCiphertextException", "");
    }
  }

  private KmsFaultProxy.Answer generate(JsonNode req, boolean withPlaintext)
      throws GeneralSecurityException {
    byte[] plain = new byte[req.path("NumberOfBytes").asInt(32)];
    random.nextBytes(plain);
    ObjectNode out = json.createObjectNode();
    String keyId = req.path("KeyId").asText();
    out.put("CiphertextBlob", seal(keyId, plain, req.path("EncryptionContext")));
    out.put("KeyId", keyId);
    if (withPlaintext) {
      out.put("Plaintext", Base64.getEncoder().encodeToString(plain));
    }
    Arrays.fill(plain, (byte) 0);
    return ok(out);
  }

  private KmsFaultProxy.Answer encrypt(JsonNode req, byte[] plain) throws GeneralSecurityException {
    String keyId = req.path("KeyId").asText();
    ObjectNode out =
        json.createObjectNode()
            .put("CiphertextBlob", seal(keyId, plain, req.path("EncryptionContext")))
            .put("KeyId", keyId)
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return ok(out);
  }

  private KmsFaultProxy.Answer decrypt(JsonNode req) throws GeneralSecurityException {
    String keyId = req.path("KeyId").asText();
    byte[] plain = open(keyId, b64(req, "CiphertextBlob"), req.path("EncryptionContext"));
    if (plain == null) {
      return KmsFaultProxy.awsError(
          json,
          400,
          "IncorrectKeyException",
          "The key ID in the request does not identify the key");
    }
    ObjectNode out =
        json.createObjectNode()
            .put("Plaintext", Base64.getEncoder().encodeToString(plain))
            .put("KeyId", keyId)
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return ok(out);
  }

  private KmsFaultProxy.Answer reEncrypt(JsonNode req) throws GeneralSecurityException {
    String source = req.path("SourceKeyId").asText();
    String dest = req.path("DestinationKeyId").asText();
    if (mrkId(dest) == null) {
      // an MRK ciphertext moved to an ordinary key: moto cannot read the source, so refuse
      return KmsFaultProxy.awsError(
          json, 400, "UnsupportedOperationException", "proxy: ReEncrypt from an MRK to a non-MRK");
    }
    byte[] plain = open(source, b64(req, "CiphertextBlob"), req.path("SourceEncryptionContext"));
    if (plain == null) {
      return KmsFaultProxy.awsError(json, 400, "IncorrectKeyException", "wrong source key");
    }
    ObjectNode out =
        json.createObjectNode()
            .put("CiphertextBlob", seal(dest, plain, req.path("DestinationEncryptionContext")))
            .put("SourceKeyId", source)
            .put("KeyId", dest);
    return ok(out);
  }

  private String seal(String keyId, byte[] plain, JsonNode context)
      throws GeneralSecurityException {
    String id = Objects.requireNonNull(mrkId(keyId), "only multi-Region keys are sealed here");
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    byte[] sealed = cipher(Cipher.ENCRYPT_MODE, id, iv, context).doFinal(plain);
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer blob = ByteBuffer.allocate(4 + 1 + idBytes.length + 12 + sealed.length);
    blob.put(MAGIC).put((byte) idBytes.length).put(idBytes).put(iv).put(sealed);
    return Base64.getEncoder().encodeToString(blob.array());
  }

  /** The plaintext, or null when the ciphertext is another key's; throws when it is forged. */
  private byte @Nullable [] open(String keyId, byte[] ciphertext, JsonNode context)
      throws GeneralSecurityException {
    ByteBuffer blob = ByteBuffer.wrap(ciphertext);
    if (blob.remaining() < 4 + 1 + 12 + 16 || !Arrays.equals(get(blob, new byte[4]), MAGIC)) {
      throw new GeneralSecurityException("not an emulated MRK ciphertext");
    }
    String id = new String(get(blob, new byte[blob.get() & 0xff]), StandardCharsets.US_ASCII);
    if (!id.equals(mrkId(keyId))) {
      return null;
    }
    byte[] iv = get(blob, new byte[12]);
    return cipher(Cipher.DECRYPT_MODE, id, iv, context)
        .doFinal(get(blob, new byte[blob.remaining()]));
  }

  private Cipher cipher(int mode, String id, byte[] iv, JsonNode context)
      throws GeneralSecurityException {
    byte[] key = material.computeIfAbsent(id, k -> randomKey());
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(canonical(context));
    return c;
  }

  private static byte[] canonical(JsonNode context) {
    TreeMap<String, String> sorted = new TreeMap<>();
    context.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
    StringBuilder sb = new StringBuilder();
    sorted.forEach(
        (k, v) ->
            sb.append(k.length()).append(':').append(k).append(v.length()).append(':').append(v));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private KmsFaultProxy.Answer ok(ObjectNode out) {
    return new KmsFaultProxy.Answer(200, KmsFaultProxy.bytes(json, out));
  }

  private byte[] randomKey() {
    byte[] k = new byte[32];
    random.nextBytes(k);
    return k;
  }

  private static byte[] b64(JsonNode req, String field) {
    return Base64.getDecoder().decode(req.path(field).asText());
  }

  private static byte[] get(ByteBuffer b, byte[] into) {
    b.get(into);
    return into;
  }

  /** The {@code mrk-…} id in a key id or ARN, or null. */
  static @Nullable String mrkId(String keyId) {
    int i = keyId.indexOf("mrk-");
    return i < 0 ? null : keyId.substring(i);
  }
}
