package dev.cmk.service.kek;

import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;

/**
 * Hears the outcome of every provider call made with an account's customer key on real traffic
 * (cache misses of writes and reads), so key availability is observed between probes.
 *
 * <p>Implementations must be quick and must not throw.
 */
public interface KeyUseObserver {
  void succeeded(String accountId, KeyRef root);

  void failed(String accountId, KeyRef root, ProviderException failure);

  /** An observer that ignores everything. */
  static KeyUseObserver none() {
    return new KeyUseObserver() {
      @Override
      public void succeeded(String accountId, KeyRef root) {}

      @Override
      public void failed(String accountId, KeyRef root, ProviderException failure) {}
    };
  }
}
