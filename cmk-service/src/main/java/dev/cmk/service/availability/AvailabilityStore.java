package dev.cmk.service.availability;

import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.kek.RevocationEpochs;
import dev.cmk.service.key.CustomerKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Persistence of key availability, its events and the revocation epochs. */
public interface AvailabilityStore extends RevocationEpochs {
  Optional<KeyStatus> find(String accountId);

  /**
   * Records a transition if the stored status is still {@code expected} (empty: no row yet), and
   * appends {@code event} in the same transaction. Returns false when another node moved first.
   */
  boolean transition(Optional<KeyStatus> expected, KeyStatus next, KeyEvent event);

  /**
   * Takes the account's probe lease for {@code node} until {@code expiresAt} if it is free, expired
   * at {@code now}, or already {@code node}'s; returns whether {@code node} holds it now.
   */
  boolean claimProbe(String accountId, String node, Instant now, Instant expiresAt);

  /**
   * Gives up every probe lease {@code node} holds (a graceful shutdown), so other nodes take them
   * at their next round instead of waiting for them to expire; returns how many were held.
   */
  int releaseProbes(String node);

  /** Confirms the stored status without changing it. */
  void touch(String accountId, Instant checkedAt);

  void appendEvent(KeyEvent event);

  List<KeyEvent> events(String accountId, int limit);

  /** Every ACTIVE customer key of every account: what the prober probes. */
  List<CustomerKey> activeKeys();

  Optional<CustomerKey> activeKey(String accountId);

  @Override
  long epoch(String accountId);

  /** Adds one to the account's epoch; returns the new value. */
  long bumpEpoch(String accountId, Instant now);

  /**
   * Revocation state of an account: revoked from {@code revokedAt} by {@code revokedBy} until an
   * admin lifts it ({@code liftedAt}, {@code liftedBy}: the last lift, kept after a new
   * revocation).
   */
  record Revocation(
      String accountId,
      long epoch,
      boolean revoked,
      Optional<Instant> revokedAt,
      String revokedBy,
      Optional<Instant> liftedAt,
      String liftedBy) {
    public Revocation(String accountId, long epoch, boolean revoked, Optional<Instant> revokedAt) {
      this(accountId, epoch, revoked, revokedAt, "", Optional.empty(), "");
    }
  }

  Revocation revocation(String accountId);

  /**
   * Atomically: bumps the epoch, marks the account revoked by {@code by}, turns fallback off, ends
   * its live sessions under the customer's key (or fallback) and appends the event. Returns empty
   * (and changes nothing) when the account is already revoked.
   */
  Optional<Revocation> revoke(String accountId, Instant now, String by, KeyEvent event);

  /**
   * Atomically: clears the revoked mark (recording who lifted it) and appends the event. Returns
   * empty (and changes nothing) when the account is not revoked.
   */
  Optional<Revocation> lift(String accountId, Instant now, String by, KeyEvent event);

  /** Sets the account's fallback switch and mode; a revocation is not touched. */
  void setFallback(
      String accountId, boolean enabled, FallbackMode mode, Instant now, KeyEvent event);

  /**
   * Records that calls for one (service, period) of the account's key are refused: inserts the row,
   * or moves its {@code lastSeen}. Returns true when the slice was not refused before.
   */
  boolean recordSliceRefusal(SliceRefusal refusal);

  /** The account's refused slices, by service and period. */
  List<SliceRefusal> sliceRefusals(String accountId);

  /** Forgets a refused slice (a call for it succeeded); returns whether it was recorded. */
  boolean clearSliceRefusal(String accountId, String serviceId, String period);

  /** Forgets every refused slice of the account (a new key, a whole-key transition). */
  int clearSliceRefusals(String accountId);
}
