package dev.cmk.service.key;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.Grant;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.PolicyReader;
import dev.cmk.provider.local.LocalKeyProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cloud-KMS-like provider for validation tests: keys have regions, multi-region keys have
 * replicas that share the primary's material, policies can be read, grants made (per key, as in
 * KMS: a replica does not see the primary's grants), and any operation can be refused with
 * ACCESS_DENIED the way a key policy would, everywhere ({@code "CreateGrant"}) or on one key
 * ({@code "CreateGrant@fk-replica"}), or fail as unreachable the same way ({@link #unreachable}). A
 * search grant is created once per key and name, as {@link GrantSupport} promises. Crypto is the
 * local provider's.
 */
final class FakeKms implements KeyProvider, KeyIdSyntax, PolicyReader, GrantSupport {
  /** A key of this fake: where it is and which local key holds its material. */
  record Key(String material, String region, boolean multiRegion, String spec, boolean symmetric) {}

  final Map<String, Key> keys = new HashMap<>();
  final Map<String, String> policies = new HashMap<>();
  final Set<String> denied = new HashSet<>();

  /** Operations (or {@code "op@keyId"}) that fail as if the provider could not be reached. */
  final Set<String> unreachable = new HashSet<>();

  /** The grants standing on each key id. */
  final Map<String, List<Grant>> grants = new HashMap<>();

  /** How many times each operation was called on each key id ({@code "RevokeGrant@fk-a"}). */
  final Map<String, Integer> attempts = new HashMap<>();

  /** How many grants were ever created on each key id. */
  final Map<String, Integer> grantsCreated = new HashMap<>();

  private final LocalKeyProvider local;
  private int grantCount;

  FakeKms(LocalKeyProvider local) {
    this.local = local;
  }

  /**
   * The search-grant tests' KMS: {@code fk-a} (us-east-1, search-capable) with its replica {@code
   * fk-a-replica} (eu-central-1), and {@code fk-b} (us-east-1, no replicas), over software keys in
   * {@code dir}.
   */
  static FakeKms withSearchKeys(java.nio.file.Path dir) {
    LocalKeyProvider material =
        new LocalKeyProvider(
            dir.resolve("fake.p12"), "t".toCharArray(), new java.security.SecureRandom());
    material.createKey("m1");
    material.createKey("m2");
    FakeKms kms = new FakeKms(material);
    kms.keys.put("fk-a", new Key("m1", "us-east-1", true, "SYMMETRIC_DEFAULT", true));
    kms.keys.put("fk-a-replica", new Key("m1", "eu-central-1", true, "SYMMETRIC_DEFAULT", true));
    kms.keys.put("fk-b", new Key("m2", "us-east-1", false, "SYMMETRIC_DEFAULT", true));
    return kms;
  }

  @Override
  public String kind() {
    return "fake";
  }

  @Override
  public void checkKeyId(String keyId) {
    if (!keyId.startsWith("fk-")) {
      throw new KeyIdFormatException("'" + keyId + "' is not a fake key id", "fk-<name>");
    }
  }

  private Key key(KeyRef ref, String operation) {
    attempts.merge(operation + "@" + ref.keyId(), 1, Integer::sum);
    if (unreachable.contains(operation) || unreachable.contains(operation + "@" + ref.keyId())) {
      throw new KeyUnavailableException(
          FailureReason.NETWORK, "SdkClientException", "unable to reach kms (test outage)");
    }
    if (denied.contains(operation) || denied.contains(operation + "@" + ref.keyId())) {
      throw new KeyRefusedException(
          FailureReason.ACCESS_DENIED,
          "AccessDeniedException",
          "not authorized to perform kms:" + operation + " on " + ref.keyId());
    }
    Key k = keys.get(ref.keyId());
    if (k == null) {
      throw new KeyRefusedException(FailureReason.NOT_FOUND, "NotFoundException", ref.keyId());
    }
    return k;
  }

  private KeyRef material(KeyRef ref, String operation) {
    return KeyRef.of("local", key(ref, operation).material());
  }

  @Override
  public Optional<String> regionOf(String keyId) {
    return Optional.ofNullable(keys.get(keyId)).map(Key::region);
  }

  /** The grants standing on {@code keyId} now. */
  List<Grant> grantsOn(String keyId) {
    return List.copyOf(grants.getOrDefault(keyId, List.of()));
  }

  @Override
  public KeyDescription describe(KeyRef ref) {
    Key k = key(ref, "DescribeKey");
    KeyDescription d = local.describe(KeyRef.of("local", k.material()));
    return new KeyDescription(
        ref.keyId(), d.state(), k.symmetric(), Optional.of(k.region()), k.multiRegion(), k.spec());
  }

  @Override
  public DataKey generateDataKey(KeyRef ref, EncryptionContext context) {
    return local.generateDataKey(material(ref, "GenerateDataKey"), context);
  }

  @Override
  public byte[] wrap(KeyRef ref, SecretKeyMaterial plaintext, EncryptionContext context) {
    return local.wrap(material(ref, "Encrypt"), plaintext, context);
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef ref, byte[] wrapped, EncryptionContext context) {
    return local.unwrap(material(ref, "Decrypt"), wrapped, context);
  }

  @Override
  public String keyPolicy(KeyRef ref) {
    key(ref, "GetKeyPolicy");
    return policies.getOrDefault(ref.keyId(), "{\"Version\": \"2012-10-17\"}");
  }

  /** The search principal grants are made for, as the AWS provider takes it from its config. */
  static final String SEARCH_PRINCIPAL = "arn:aws:iam::111122223333:role/cmk-search";

  @Override
  public String createSearchGrant(KeyRef ref, String grantName, Map<String, String> contextSubset) {
    key(ref, "CreateGrant");
    for (Grant existing : grantsOn(ref.keyId())) {
      if (existing.name().equals(grantName)) {
        return existing.grantId();
      }
    }
    Grant g =
        new Grant(
            "grant-" + ++grantCount,
            grantName,
            SEARCH_PRINCIPAL,
            List.of(
                "Encrypt",
                "Decrypt",
                "GenerateDataKey",
                "ReEncryptFrom",
                "ReEncryptTo",
                "DescribeKey"));
    grants.computeIfAbsent(ref.keyId(), k -> new ArrayList<>()).add(g);
    grantsCreated.merge(ref.keyId(), 1, Integer::sum);
    return g.grantId();
  }

  @Override
  public List<Grant> listGrants(KeyRef ref) {
    key(ref, "ListGrants");
    return grantsOn(ref.keyId());
  }

  @Override
  public void revokeGrant(KeyRef ref, String grantId) {
    key(ref, "RevokeGrant");
    grants.getOrDefault(ref.keyId(), new ArrayList<>()).removeIf(g -> g.grantId().equals(grantId));
  }
}
