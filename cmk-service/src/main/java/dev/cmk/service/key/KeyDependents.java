package dev.cmk.service.key;

/**
 * What still depends on one key registration: the account's KEKs wrapped by its key, the objects
 * and bytes under those KEKs, the search service's grants on it and the live sessions keyed from
 * its KEKs. A registration {@code protectsContent} while any KEK is wrapped by its key (content,
 * search index or sessions would become unreadable without it).
 *
 * @param keyId the registration's id ({@code key_…})
 * @param kmsKeyId the key at the provider (ARN, URL, OCID, label)
 * @param state the registration's status (ACTIVE, RETIRED, PENDING, DELETED)
 */
public record KeyDependents(
    String keyId,
    String kmsKeyId,
    String state,
    long keks,
    long objects,
    long bytes,
    long searchGrants,
    long liveSessions,
    boolean protectsContent) {

  /** The counts a store reads for one registration. */
  public record Counts(long keks, long objects, long bytes, long searchGrants, long liveSessions) {}

  static KeyDependents of(CustomerKey key, Counts c) {
    return new KeyDependents(
        key.id(),
        key.ref().keyId(),
        key.status().name(),
        c.keks(),
        c.objects(),
        c.bytes(),
        c.searchGrants(),
        c.liveSessions(),
        c.keks() > 0 || c.objects() > 0 || c.liveSessions() > 0);
  }

  /** Whether removing the registration now would take something from the account. */
  public boolean inUse() {
    return protectsContent || searchGrants > 0 || "ACTIVE".equals(state);
  }
}
