package dev.cmk.provider.oci;

import com.oracle.bmc.keymanagement.model.DecryptDataDetails;
import com.oracle.bmc.keymanagement.model.EncryptDataDetails;
import com.oracle.bmc.keymanagement.model.GenerateKeyDetails;
import com.oracle.bmc.keymanagement.model.GeneratedKey;
import com.oracle.bmc.keymanagement.model.Key;
import com.oracle.bmc.keymanagement.model.KeyShape;
import com.oracle.bmc.keymanagement.requests.DecryptRequest;
import com.oracle.bmc.keymanagement.requests.EncryptRequest;
import com.oracle.bmc.keymanagement.requests.GenerateDataEncryptionKeyRequest;
import com.oracle.bmc.keymanagement.requests.GetKeyRequest;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.oci.OciErrors.Op;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * Customer keys in OCI Vault, used through the vault's crypto endpoint ({@code Encrypt}, {@code
 * Decrypt}, {@code GenerateDataEncryptionKey}) and management endpoint ({@code GetKey}).
 *
 * <p>Key ids are {@link OciKeyId} strings. Every crypto call sends the {@link EncryptionContext}
 * twice: as {@code associatedData}, which OCI binds to the ciphertext (decrypt with other data
 * fails), and as {@code loggingContext}, which OCI writes to the customer's audit log so the
 * customer sees why each call happened. The wrapped form is OCI's ciphertext, base64-decoded.
 *
 * <p><b>Security:</b> key bytes cross the SDK as base64 strings, which cannot be wiped; they live
 * only for the call. No OCI type leaves this module; exceptions carry OCI codes and request ids,
 * never key bytes.
 */
public final class OciKeyProvider implements KeyProvider, KeyIdSyntax, AutoCloseable {
  public static final String KIND = "oci";
  private static final int AES_256 = 32;

  private final OciClients clients;
  private final boolean allowLoopback;

  public OciKeyProvider(OciConfig config) {
    this.clients = new OciClients(config);
    this.allowLoopback = config.allowLoopbackEndpoints();
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void checkKeyId(String keyId) {
    OciKeyId.parse(keyId, allowLoopback);
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    OciKeyId id = OciKeyId.parse(key.keyId(), allowLoopback);
    Key k =
        call(
            Op.GET_KEY,
            id,
            () ->
                clients
                    .management(id.managementEndpoint())
                    .getKey(GetKeyRequest.builder().keyId(id.keyOcid()).build())
                    .getKey());
    KeyShape shape = k.getKeyShape();
    boolean aes = shape != null && shape.getAlgorithm() == KeyShape.Algorithm.Aes;
    String spec =
        shape == null
            ? "UNKNOWN"
            : shape.getAlgorithm().getValue() + "_" + (shape.getLength() * 8) + protection(k);
    return new KeyDescription(
        id.format(), state(k.getLifecycleState()), aes, id.region(), false, spec);
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    OciKeyId id = OciKeyId.parse(key.keyId(), allowLoopback);
    GenerateKeyDetails details =
        GenerateKeyDetails.builder()
            .keyId(id.keyOcid())
            .keyShape(KeyShape.builder().algorithm(KeyShape.Algorithm.Aes).length(AES_256).build())
            .includePlaintextKey(true)
            .associatedData(context.asMap())
            .loggingContext(context.asMap())
            .build();
    GeneratedKey g =
        call(
            Op.GENERATE_DATA_KEY,
            id,
            () ->
                clients
                    .crypto(id.cryptoEndpoint())
                    .generateDataEncryptionKey(
                        GenerateDataEncryptionKeyRequest.builder()
                            .generateKeyDetails(details)
                            .build())
                    .getGeneratedKey());
    SecretKeyMaterial plaintext = keyFrom(g.getPlaintext(), id);
    return new DataKey(plaintext, decode(g.getCiphertext(), id));
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    OciKeyId id = OciKeyId.parse(key.keyId(), allowLoopback);
    byte[] raw = plaintext.copyBytes();
    EncryptDataDetails details;
    try {
      details =
          EncryptDataDetails.builder()
              .keyId(id.keyOcid())
              .plaintext(Base64.getEncoder().encodeToString(raw))
              .associatedData(context.asMap())
              .loggingContext(context.asMap())
              .build();
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
    String ciphertext =
        call(
            Op.ENCRYPT,
            id,
            () ->
                clients
                    .crypto(id.cryptoEndpoint())
                    .encrypt(EncryptRequest.builder().encryptDataDetails(details).build())
                    .getEncryptedData()
                    .getCiphertext());
    return decode(ciphertext, id);
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    OciKeyId id = OciKeyId.parse(key.keyId(), allowLoopback);
    DecryptDataDetails details =
        DecryptDataDetails.builder()
            .keyId(id.keyOcid())
            .ciphertext(Base64.getEncoder().encodeToString(wrapped))
            .associatedData(context.asMap())
            .loggingContext(context.asMap())
            .build();
    String plaintext =
        call(
            Op.DECRYPT,
            id,
            () ->
                clients
                    .crypto(id.cryptoEndpoint())
                    .decrypt(DecryptRequest.builder().decryptDataDetails(details).build())
                    .getDecryptedData()
                    .getPlaintext());
    return keyFrom(plaintext, id);
  }

  @Override
  public void close() {
    clients.close();
  }

  private static <T> T call(Op op, OciKeyId id, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw OciErrors.classify(e, op, id);
    }
  }

  private static SecretKeyMaterial keyFrom(String base64, OciKeyId id) {
    byte[] raw = decode(base64, id);
    if (raw.length != AES_256) {
      Arrays.fill(raw, (byte) 0);
      throw new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          "UnexpectedKeyLength",
          "OCI key " + id.keyOcid() + " returned a key that is not AES-256");
    }
    return SecretKeyMaterial.takeOwnership(raw);
  }

  private static byte[] decode(String base64, OciKeyId id) {
    if (base64 == null) {
      throw new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          "MissingField",
          "OCI key " + id.keyOcid() + " answered without the expected field");
    }
    return Base64.getDecoder().decode(base64);
  }

  private static String protection(Key k) {
    return k.getProtectionMode() == null ? "" : " (" + k.getProtectionMode().getValue() + ")";
  }

  private static KeyState state(Key.LifecycleState s) {
    if (s == null) {
      return KeyState.UNKNOWN;
    }
    return switch (s) {
      case Enabled -> KeyState.ENABLED;
      case Disabled, Disabling -> KeyState.DISABLED;
      case PendingDeletion, SchedulingDeletion, Deleting, Deleted -> KeyState.PENDING_DELETION;
      case Creating, Enabling, Restoring, Updating, CancellingDeletion -> KeyState.UNAVAILABLE;
      default -> KeyState.UNKNOWN;
    };
  }
}
