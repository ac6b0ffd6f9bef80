package dev.cmk.provider.aws;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateGrantRequest;
import software.amazon.awssdk.services.kms.model.CreateGrantResponse;
import software.amazon.awssdk.services.kms.model.DecryptRequest;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.DescribeKeyRequest;
import software.amazon.awssdk.services.kms.model.DescribeKeyResponse;
import software.amazon.awssdk.services.kms.model.EncryptRequest;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyRequest;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.GrantListEntry;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.ListGrantsRequest;
import software.amazon.awssdk.services.kms.model.ListGrantsResponse;
import software.amazon.awssdk.services.kms.model.ReEncryptRequest;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;
import software.amazon.awssdk.services.kms.model.RevokeGrantRequest;
import software.amazon.awssdk.services.kms.model.RevokeGrantResponse;

/**
 * An in-memory fake of the KMS SDK client for unit tests: symmetric keys, multi-region keys whose
 * replicas share key material, aliases, enable/disable, grants, and a "region down" switch. Its
 * ciphertexts are AES-GCM with the encryption context as associated data.
 */
final class FakeKms implements KmsClient {
  static final String ACCOUNT = "111122223333";

  /** What all regions share: keys by ARN, their material, aliases, grants. */
  static final class World {
    final Map<String, String> materialIdByArn = new ConcurrentHashMap<>();
    final Map<String, byte[]> material = new ConcurrentHashMap<>();
    final Map<String, String> aliases = new ConcurrentHashMap<>();
    final Set<String> disabled = ConcurrentHashMap.newKeySet();
    final Set<String> downRegions = ConcurrentHashMap.newKeySet();
    final Map<String, List<GrantListEntry>> grants = new ConcurrentHashMap<>();
    final List<Map<String, String>> contextsSeen =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    final Map<String, Integer> callsByRegion = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    String createKey(String region) {
      String id = UUID.randomUUID().toString();
      return register(arn(region, id), id);
    }

    String createMultiRegionKey(String region, String... replicaRegions) {
      String id = "mrk-" + UUID.randomUUID().toString().replace("-", "");
      for (String r : replicaRegions) {
        register(arn(r, id), id);
      }
      return register(arn(region, id), id);
    }

    String alias(String region, String name, String keyArn) {
      String a = "arn:aws:kms:" + region + ":" + ACCOUNT + ":alias/" + name;
      aliases.put(a, keyArn);
      return a;
    }

    private String register(String arn, String materialId) {
      byte[] k = new byte[32];
      random.nextBytes(k);
      material.putIfAbsent(materialId, k);
      materialIdByArn.put(arn, materialId);
      return arn;
    }

    private static String arn(String region, String id) {
      return "arn:aws:kms:" + region + ":" + ACCOUNT + ":key/" + id;
    }
  }

  private final String region;
  private final World world;
  private final SecureRandom random = new SecureRandom();

  FakeKms(String region, World world) {
    this.region = region;
    this.world = world;
  }

  @Override
  public DescribeKeyResponse describeKey(DescribeKeyRequest r) {
    String arn = resolve(r.keyId(), false);
    KeyMetadata m =
        KeyMetadata.builder()
            .arn(arn)
            .keyId(arn.substring(arn.lastIndexOf('/') + 1))
            .keyState(world.disabled.contains(arn) ? KeyState.DISABLED : KeyState.ENABLED)
            .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
            .keySpec(KeySpec.SYMMETRIC_DEFAULT)
            .multiRegion(arn.contains(":key/mrk-"))
            .build();
    return DescribeKeyResponse.builder().keyMetadata(m).build();
  }

  @Override
  public GenerateDataKeyResponse generateDataKey(GenerateDataKeyRequest r) {
    String arn = resolve(r.keyId(), true);
    byte[] plain = new byte[32];
    random.nextBytes(plain);
    byte[] blob = seal(arn, plain, r.encryptionContext());
    return GenerateDataKeyResponse.builder()
        .keyId(arn)
        .plaintext(SdkBytes.fromByteArray(plain))
        .ciphertextBlob(SdkBytes.fromByteArray(blob))
        .build();
  }

  @Override
  public EncryptResponse encrypt(EncryptRequest r) {
    String arn = resolve(r.keyId(), true);
    byte[] blob = seal(arn, r.plaintext().asByteArray(), r.encryptionContext());
    return EncryptResponse.builder()
        .keyId(arn)
        .ciphertextBlob(SdkBytes.fromByteArray(blob))
        .build();
  }

  @Override
  public DecryptResponse decrypt(DecryptRequest r) {
    String arn = resolve(r.keyId(), true);
    byte[] plain = open(arn, r.ciphertextBlob().asByteArray(), r.encryptionContext());
    return DecryptResponse.builder().keyId(arn).plaintext(SdkBytes.fromByteArray(plain)).build();
  }

  @Override
  public ReEncryptResponse reEncrypt(ReEncryptRequest r) {
    String src = resolve(r.sourceKeyId(), true);
    String dst = resolve(r.destinationKeyId(), true);
    byte[] plain = open(src, r.ciphertextBlob().asByteArray(), r.sourceEncryptionContext());
    byte[] blob = seal(dst, plain, r.destinationEncryptionContext());
    return ReEncryptResponse.builder()
        .sourceKeyId(src)
        .keyId(dst)
        .ciphertextBlob(SdkBytes.fromByteArray(blob))
        .build();
  }

  @Override
  public CreateGrantResponse createGrant(CreateGrantRequest r) {
    String arn = resolve(r.keyId(), false);
    String id = UUID.randomUUID().toString();
    world
        .grants
        .computeIfAbsent(arn, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(
            GrantListEntry.builder()
                .grantId(id)
                .keyId(arn)
                .name(r.name())
                .granteePrincipal(r.granteePrincipal())
                .operations(r.operations())
                .build());
    return CreateGrantResponse.builder().grantId(id).build();
  }

  @Override
  public ListGrantsResponse listGrants(ListGrantsRequest r) {
    String arn = resolve(r.keyId(), false);
    return ListGrantsResponse.builder()
        .grants(new ArrayList<>(world.grants.getOrDefault(arn, List.of())))
        .truncated(false)
        .build();
  }

  @Override
  public RevokeGrantResponse revokeGrant(RevokeGrantRequest r) {
    String arn = resolve(r.keyId(), false);
    List<GrantListEntry> list = world.grants.getOrDefault(arn, List.of());
    if (!list.removeIf(g -> g.grantId().equals(r.grantId()))) {
      throw error("NotFoundException", 400, "Grant ID " + r.grantId() + " not found");
    }
    return RevokeGrantResponse.builder().build();
  }

  private String resolve(String keyId, boolean mustBeEnabled) {
    world.callsByRegion.merge(region, 1, Integer::sum);
    if (world.downRegions.contains(region)) {
      throw error("ServiceUnavailableException", 503, region + " is down");
    }
    String arn = world.aliases.getOrDefault(keyId, keyId);
    if (!arn.contains(":" + region + ":") || !world.materialIdByArn.containsKey(arn)) {
      throw error("NotFoundException", 400, "Key '" + keyId + "' does not exist");
    }
    if (mustBeEnabled && world.disabled.contains(arn)) {
      throw error("DisabledException", 400, arn + " is disabled.");
    }
    return arn;
  }

  private byte[] seal(String arn, byte[] plain, Map<String, String> context) {
    world.contextsSeen.add(context);
    String mid = world.materialIdByArn.get(arn);
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    byte[] ct = crypt(Cipher.ENCRYPT_MODE, mid, iv, plain, context);
    byte[] id = mid.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(1 + id.length + 12 + ct.length)
        .put((byte) id.length)
        .put(id)
        .put(iv)
        .put(ct)
        .array();
  }

  private byte[] open(String arn, byte[] blob, Map<String, String> context) {
    try {
      ByteBuffer b = ByteBuffer.wrap(blob);
      byte[] id = new byte[b.get() & 0xff];
      b.get(id);
      byte[] iv = new byte[12];
      b.get(iv);
      byte[] ct = new byte[b.remaining()];
      b.get(ct);
      String mid = new String(id, StandardCharsets.US_ASCII);
      if (!mid.equals(world.materialIdByArn.get(arn))) {
        throw error("IncorrectKeyException", 400, "ciphertext is not under " + arn);
      }
      return crypt(Cipher.DECRYPT_MODE, mid, iv, ct, context);
    } catch (RuntimeException e) {
      if (e instanceof KmsException k) {
        throw k;
      }
      throw error("InvalidCiphertextException", 400, "");
    }
  }

  private byte[] crypt(int mode, String mid, byte[] iv, byte[] in, Map<String, String> context) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          mode, new SecretKeySpec(world.material.get(mid), "AES"), new GCMParameterSpec(128, iv));
      StringBuilder aad = new StringBuilder();
      new TreeMap<>(context == null ? Map.of() : context)
          .forEach(
              (k, v) ->
                  aad.append(k.length())
                      .append(':')
                      .append(k)
                      .append(v.length())
                      .append(':')
                      .append(v));
      c.updateAAD(aad.toString().getBytes(StandardCharsets.UTF_8));
      return c.doFinal(in);
    } catch (GeneralSecurityException e) {
      throw error("InvalidCiphertextException", 400, "");
    }
  }

  static KmsException error(String code, int status, String message) {
    return (KmsException)
        KmsException.builder()
            .statusCode(status)
            .message(message)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
            .build();
  }

  @Override
  public String serviceName() {
    return "kms";
  }

  @Override
  public void close() {}
}
