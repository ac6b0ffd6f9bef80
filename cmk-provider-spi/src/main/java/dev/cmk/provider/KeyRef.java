package dev.cmk.provider;

import java.util.List;

/**
 * Names one root key at one provider, with optional replicas holding the same key material (AWS
 * multi-region keys). The {@code keyId} is the provider's own identifier (ARN, key URL, OCID,
 * PKCS#11 label, local alias).
 */
public record KeyRef(String provider, String keyId, List<String> replicaKeyIds) {
  public KeyRef {
    if (provider.isBlank() || keyId.isBlank()) {
      throw new IllegalArgumentException("provider and keyId must not be blank");
    }
    replicaKeyIds = List.copyOf(replicaKeyIds);
  }

  public static KeyRef of(String provider, String keyId) {
    return new KeyRef(provider, keyId, List.of());
  }

  /** The same key at one of its replicas. */
  public KeyRef atReplica(String replicaKeyId) {
    return new KeyRef(provider, replicaKeyId, List.of());
  }

  @Override
  public String toString() {
    return provider + ":" + keyId;
  }
}
