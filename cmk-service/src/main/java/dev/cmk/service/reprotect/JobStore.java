package dev.cmk.service.reprotect;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.availability.KeyEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Persistence of jobs, their items and leases. Every completion is conditional on the caller's
 * lease token and on the item still pending, in the same transaction as its effect: an item is
 * applied exactly once even when two nodes (or a node and its restarted self) race for it. A job's
 * start and end append their key event in the transaction that records them, so the account's
 * key-events never miss (or invent) a job, whenever a node dies.
 */
public interface JobStore {
  /** Which rows a new job works on. */
  enum Items {
    /** KEKs of the account under the backup key. */
    FALLBACK_KEKS,
    /** Objects of the account under the backup key. */
    FALLBACK_OBJECTS,
    /** Customer (and fallback) KEKs of the account not yet under the job's target key. */
    KEKS_NOT_UNDER_TARGET,
    /**
     * Objects of the account under the platform key that would be customer-key protected if written
     * now: the owner (for meeting assets the organizer, as recorded at the write) holds a CMK
     * license and the asset type is CMK-eligible; limited to the job's {@link Job.Scope}.
     */
    BACKFILL_OBJECTS
  }

  /**
   * Creates the job with its items, takes the account's one-running-job lock and appends the key
   * event {@code started} makes of the job as created (with its item count), in one transaction.
   * Empty (nothing written) when another job of the account is running. If {@code started} or the
   * event's insert fails, nothing is written and the failure is thrown (so {@code started} can
   * refuse a job that would have no items).
   */
  Optional<Job> create(Job job, Items items, Function<Job, KeyEvent> started);

  /** Items a job of the account towards {@code target} would have now (backfill: unfiltered). */
  long count(String accountId, Items items, KeyRef target);

  Optional<Job> find(String jobId);

  List<Job> list(String accountId, int limit);

  Optional<Job> running(String accountId);

  List<Job> running();

  /** Leases up to {@code n} pending items whose lease is free or expired; returns their ids. */
  List<String> claim(String jobId, String token, int n, Instant now, Instant until);

  /** The result of working on one item. */
  sealed interface Completion {
    String itemId();
  }

  /** Nothing to do (already re-protected, or gone). */
  record Noop(String itemId) implements Completion {}

  /** The KEK is now wrapped by {@code to}; objects under it become customer-key protected. */
  record KekRewrapped(String itemId, KeyRef from, KeyRef to, byte[] wrapped)
      implements Completion {}

  /**
   * Move the object's row to {@code newKekId} with {@code wrappedDek}: the DEK re-wrapped in the
   * row (no blob touched), or empty when the object's blob was rewritten and its header names
   * {@code newKekId} and holds the wrapped DEK.
   */
  record ObjectMoved(
      String itemId, String accountId, String oldKekId, String newKekId, byte[] wrappedDek)
      implements Completion {
    @Override
    public String toString() {
      return "ObjectMoved[" + itemId + ", " + oldKekId + " -> " + newKekId + "]";
    }
  }

  /** The item cannot be re-protected (e.g. its blob is missing); it is not retried. */
  record Failed(String itemId, String error) implements Completion {}

  /** Applies every completion still held under {@code token}, in one transaction. */
  int complete(String jobId, String token, List<Completion> done, Instant now);

  /** Gives the items back, to be retried from {@code retryAt}, and records why. */
  void release(String jobId, String token, List<String> itemIds, Instant retryAt, String error);

  Job.Progress progress(Job job, Instant now);

  /**
   * Ends the job if no item is pending: sets its status, frees the account's lock and, for a
   * per-object recovery (not a backfill: fallback KEKs are recovery's business), deletes the
   * account's backup-wrapped KEKs nothing refers to any more. Appends the key event {@code
   * finished} makes of the ended job and its final progress, in the same transaction. Returns false
   * (and appends nothing) if items are still pending or the job was already ended. If {@code
   * finished} or the event's insert fails, the job stays running.
   */
  boolean finish(Job job, Instant now, BiFunction<Job, Job.Progress, KeyEvent> finished);

  Job.Mode recoveryMode(String accountId);

  void setRecoveryMode(String accountId, Job.Mode mode, Instant now);

  /** Accounts that have content under the backup key. */
  List<String> accountsWithFallbackKeks();
}
