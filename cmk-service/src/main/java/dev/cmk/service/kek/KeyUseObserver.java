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

  /**
   * The slice of a key's use one call was for: the service id and period its encryption context
   * named, which a customer's key policy can refuse on its own.
   */
  record Slice(String serviceId, String period) {}

  /**
   * A call for {@code slice} succeeded; by default the same as {@link #succeeded(String, KeyRef)}.
   */
  default void succeeded(String accountId, KeyRef root, Slice slice) {
    succeeded(accountId, root);
  }

  /**
   * A call for {@code slice} failed; by default the same as {@link #failed(String, KeyRef,
   * ProviderException)}.
   */
  default void failed(String accountId, KeyRef root, ProviderException failure, Slice slice) {
    failed(accountId, root, failure);
  }

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
