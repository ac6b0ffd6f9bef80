package dev.cmk.provider.azure;

import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.KeyType;
import java.util.Optional;

/**
 * The Key Vault wrap algorithm used for a key type, with the id it has in the wrapped form: RSA
 * keys ({@code RSA}, {@code RSA-HSM}) wrap with RSA-OAEP-256; Managed HSM's symmetric {@code
 * oct-HSM} keys wrap with AES key wrap (A256KW, RFC 3394), which the key never leaves either.
 */
enum WrapAlgorithm {
  RSA_OAEP_256((byte) 1, KeyWrapAlgorithm.RSA_OAEP_256),
  A256KW((byte) 2, KeyWrapAlgorithm.A256KW);

  final byte id;
  final KeyWrapAlgorithm sdk;

  WrapAlgorithm(byte id, KeyWrapAlgorithm sdk) {
    this.id = id;
    this.sdk = sdk;
  }

  static Optional<WrapAlgorithm> forKeyType(KeyType type) {
    if (KeyType.RSA.equals(type) || KeyType.RSA_HSM.equals(type)) {
      return Optional.of(RSA_OAEP_256);
    }
    if (KeyType.OCT_HSM.equals(type) || KeyType.OCT.equals(type)) {
      return Optional.of(A256KW);
    }
    return Optional.empty();
  }

  static Optional<WrapAlgorithm> byId(byte id) {
    for (WrapAlgorithm a : values()) {
      if (a.id == id) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
