package dev.cmk.provider.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test-only stand-in for KMS's crypto on multi-region keys: GenerateDataKey, Encrypt and Decrypt
 * for {@code mrk-} key ids, with one key material per mrk id shared by every region (as real
 * replicas share it) and the encryption context as AES-GCM associated data.
 *
 * <p>Why: moto 5 packs the key id into a fixed 36-byte ciphertext header, so {@code mrk-<uuid>} (40
 * characters) is truncated and moto answers AccessDeniedException to every Decrypt of an MRK
 * ciphertext, in the primary region as in the replica. Keys, replicas, describe and grants stay
 * with moto; only these three operations of MRKs are emulated here.
 */
final class MrkCrypto {
  private static final byte[] MAGIC = "EMRK".getBytes(StandardCharsets.US_ASCII);
  private final ObjectMapper json;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, byte[]> material = new ConcurrentHashMap<>();

  MrkCrypto(ObjectMapper json) {
    this.json = json;
  }

  boolean handles(FaultProxy.Call call) {
    boolean crypto =
        switch (call.operation()) {
          case "GenerateDataKey", "Encrypt", "Decrypt" -> true;
          default -> false;
        };
    return crypto && mrkId(call.keyId()) != null;
  }

  FaultProxy.Answer answer(FaultProxy.Call call, byte[] body) throws IOException {
    JsonNode req = json.readTree(body);
    try {
      return switch (call.operation()) {
        case "GenerateDataKey" -> generate(call, req);
        case "Encrypt" ->
            encrypt(call, req, Base64.getDecoder().decode(req.get("Plaintext").asText()));
        default -> decrypt(call, req);
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return error("InvalidCiphertextException", "");
    }
  }

  private FaultProxy.Answer generate(FaultProxy.Call call, JsonNode req)
      throws GeneralSecurityException, IOException {
    byte[] plain = new byte[32];
    random.nextBytes(plain);
    FaultProxy.Answer enc = encrypt(call, req, plain);
    ObjectNode out = (ObjectNode) json.readTree(enc.body());
    out.put("Plaintext", Base64.getEncoder().encodeToString(plain));
    return new FaultProxy.Answer(200, json.writeValueAsBytes(out));
  }

  private FaultProxy.Answer encrypt(FaultProxy.Call call, JsonNode req, byte[] plain)
      throws GeneralSecurityException, IOException {
    String id = mrkId(call.keyId());
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    byte[] sealed = cipher(Cipher.ENCRYPT_MODE, id, iv, req).doFinal(plain);
    byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer blob = ByteBuffer.allocate(4 + 1 + idBytes.length + 12 + sealed.length);
    blob.put(MAGIC).put((byte) idBytes.length).put(idBytes).put(iv).put(sealed);
    ObjectNode out =
        json.createObjectNode()
            .put("CiphertextBlob", Base64.getEncoder().encodeToString(blob.array()))
            .put("KeyId", call.keyId())
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return new FaultProxy.Answer(200, json.writeValueAsBytes(out));
  }

  private FaultProxy.Answer decrypt(FaultProxy.Call call, JsonNode req)
      throws GeneralSecurityException, IOException {
    ByteBuffer blob =
        ByteBuffer.wrap(Base64.getDecoder().decode(req.get("CiphertextBlob").asText()));
    byte[] magic = new byte[4];
    if (blob.remaining() < 4 + 1 + 12 + 16 || !java.util.Arrays.equals(get(blob, magic), MAGIC)) {
      return error("InvalidCiphertextException", "");
    }
    byte[] idBytes = get(blob, new byte[blob.get() & 0xff]);
    String id = new String(idBytes, StandardCharsets.US_ASCII);
    if (!id.equals(mrkId(call.keyId()))) {
      return error("IncorrectKeyException", "The key ID in the request does not identify the key");
    }
    byte[] iv = get(blob, new byte[12]);
    byte[] sealed = get(blob, new byte[blob.remaining()]);
    byte[] plain = cipher(Cipher.DECRYPT_MODE, id, iv, req).doFinal(sealed);
    ObjectNode out =
        json.createObjectNode()
            .put("Plaintext", Base64.getEncoder().encodeToString(plain))
            .put("KeyId", call.keyId())
            .put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return new FaultProxy.Answer(200, json.writeValueAsBytes(out));
  }

  private Cipher cipher(int mode, String id, byte[] iv, JsonNode req)
      throws GeneralSecurityException {
    byte[] key = material.computeIfAbsent(id, k -> randomKey());
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(context(req));
    return c;
  }

  private byte[] context(JsonNode req) {
    TreeMap<String, String> sorted = new TreeMap<>();
    req.path("EncryptionContext")
        .properties()
        .forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
    StringBuilder sb = new StringBuilder();
    sorted.forEach(
        (k, v) ->
            sb.append(k.length()).append(':').append(k).append(v.length()).append(':').append(v));
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private byte[] randomKey() {
    byte[] k = new byte[32];
    random.nextBytes(k);
    return k;
  }

  private FaultProxy.Answer error(String type, String message) throws IOException {
    ObjectNode err = json.createObjectNode().put("__type", type).put("message", message);
    return new FaultProxy.Answer(400, json.writeValueAsBytes(err));
  }

  private static byte[] get(ByteBuffer b, byte[] into) {
    b.get(into);
    return into;
  }

  /** The {@code mrk-…} id in a key id or ARN, or null. */
  static String mrkId(String keyId) {
    int i = keyId.indexOf("mrk-");
    return i < 0 ? null : keyId.substring(i);
  }
}
