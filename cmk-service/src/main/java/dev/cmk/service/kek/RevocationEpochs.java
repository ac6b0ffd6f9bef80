package dev.cmk.service.kek;

/**
 * The cross-node cache signal: a per-account number that only grows. A node serves a cached
 * plaintext KEK only if the account's epoch has not moved since the KEK was fetched, so bumping it
 * in the shared database (revoke now) empties every node's cache for that account at once.
 */
@FunctionalInterface
public interface RevocationEpochs {
  long epoch(String accountId);

  /** No cross-node signal: the epoch never moves (single node, tests). */
  static RevocationEpochs none() {
    return accountId -> 0;
  }
}
