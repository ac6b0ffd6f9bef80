package dev.cmk.service.kek;

import dev.cmk.provider.KeyRef;

/**
 * Completes the root key a KEK row names (provider and key id only) with what is registered for it
 * now: the replicas of a multi-region key. Without this, a KEK read back from the database after a
 * restart would be unwrapped at its primary alone, and a primary region that is down would stop the
 * replicas from serving it.
 *
 * <p>Implementations must not throw; when they cannot say they return the root as stored.
 */
@FunctionalInterface
public interface RootKeys {
  KeyRef resolve(String accountId, KeyRef stored);

  /** Roots as stored, for deployments and tests without replicas. */
  static RootKeys asStored() {
    return (accountId, stored) -> stored;
  }
}
