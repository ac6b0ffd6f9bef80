package dev.cmk.service;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyUnavailableException;

/**
 * A provider of another kind that delegates to a real one and can be made unreachable, the way a
 * KMS region outage looks to the service.
 */
public final class SwitchableProvider implements KeyProvider {
  private final String kind;
  private final KeyProvider delegate;
  private volatile boolean down;

  public SwitchableProvider(String kind, KeyProvider delegate) {
    this.kind = kind;
    this.delegate = delegate;
  }

  public void setDown(boolean down) {
    this.down = down;
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public void checkKeyId(String keyId) {
    delegate.checkKeyId(keyId);
  }

  private KeyRef real(KeyRef k) {
    if (down) {
      throw new KeyUnavailableException(
          FailureReason.NETWORK, "ConnectException", "connection refused (test outage)");
    }
    return KeyRef.of(delegate.kind(), k.keyId());
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    return delegate.describe(real(key));
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    return delegate.generateDataKey(real(key), context);
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    return delegate.wrap(real(key), plaintext, context);
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    return delegate.unwrap(real(key), wrapped, context);
  }
}
