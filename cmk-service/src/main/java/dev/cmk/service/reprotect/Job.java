package dev.cmk.service.reprotect;

import dev.cmk.provider.KeyRef;
import java.time.Instant;
import java.util.Optional;

/**
 * A re-protection job of one account: its kind, how deep it goes, which root key it moves
 * everything to, and where it stands.
 *
 * @param total items (KEKs or objects) the job was created with
 * @param lastError the last transient failure (e.g. the key was unreachable); the job retries
 * @param scope which objects a backfill was limited to ({@link Scope#ALL} for every other kind)
 */
public record Job(
    String id,
    String accountId,
    Kind kind,
    Mode mode,
    KeyRef target,
    Status status,
    long total,
    String lastError,
    Instant createdAt,
    Instant updatedAt,
    Optional<Instant> finishedAt,
    Scope scope) {

  /** Why the job runs. */
  public enum Kind {
    /** Re-protects what was written under the backup key while the customer's key was away. */
    RECOVERY,
    /** Moves every KEK of the account to a new customer key. */
    ROTATION,
    /**
     * Moves objects written under the platform key before their owner was licensed (or the account
     * enrolled) under the customer's key, object by object (DEK re-wrap or re-encryption).
     */
    BACKFILL
  }

  /**
   * The filters a backfill was started with: one user's objects, one asset type's, both, or (both
   * empty) every object of the account that qualifies.
   */
  public record Scope(Optional<String> userId, Optional<String> assetType) {
    public static final Scope ALL = new Scope(Optional.empty(), Optional.empty());
  }

  /** How deep the job re-protects. */
  public enum Mode {
    /** Re-wraps each KEK under the target key: one KMS call per KEK, objects untouched. */
    KEK_REWRAP,
    /** Re-wraps each object's DEK under a fresh KEK of the target key; content untouched. */
    DEK_REWRAP,
    /** Re-encrypts each object's content under a new DEK and a fresh KEK of the target key. */
    REENCRYPT;

    public boolean perObject() {
      return this != KEK_REWRAP;
    }
  }

  /** Lifecycle. A running job is resumed by any node after a restart. */
  public enum Status {
    RUNNING,
    SUCCEEDED,
    /** Finished, but some items could not be re-protected (see the item errors). */
    FAILED
  }

  /** Progress: done, failed and pending items, rate and estimated time left. */
  public record Progress(
      long done, long failed, long pending, double itemsPerSecond, Optional<Long> etaSeconds) {}
}
