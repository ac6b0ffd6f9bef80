package dev.cmk.service.kek;

/**
 * The cross-node cache signal and kill switch: a per-account number that only grows, and whether
 * the account is revoked. A node serves a cached plaintext KEK only if the account's epoch has not
 * moved since the KEK was fetched, so bumping it in the shared database empties every node's cache
 * for that account at once; while the account is revoked (revoke now, until an admin lifts it) no
 * node uses any of its customer-key or fallback KEKs, whatever the KMS answers.
 */
@FunctionalInterface
public interface RevocationEpochs {
  long epoch(String accountId);

  /** The epoch and the kill switch in one lookup; stores override it with one query. */
  default Signal signal(String accountId) {
    return new Signal(epoch(accountId), false);
  }

  /** What a node checks before every use of an account's KEK. */
  record Signal(long epoch, boolean revoked) {}

  /** No cross-node signal: the epoch never moves (single node, tests). */
  static RevocationEpochs none() {
    return accountId -> 0;
  }
}
