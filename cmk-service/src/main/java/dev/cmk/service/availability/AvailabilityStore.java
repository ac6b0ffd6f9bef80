package dev.cmk.service.availability;

import dev.cmk.service.key.CustomerKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Persistence of key availability, its events and the revocation epochs. */
public interface AvailabilityStore {
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

  long epoch(String accountId);

  /** Adds one to the account's epoch; returns the new value. */
  long bumpEpoch(String accountId, Instant now);

  /** Revocation state of an account. */
  record Revocation(String accountId, long epoch, boolean revoked, Optional<Instant> revokedAt) {}

  Revocation revocation(String accountId);

  /**
   * Atomically: bumps the epoch, marks the account revoked, turns fallback off and appends the
   * event. Returns empty (and changes nothing) when the account is already revoked.
   */
  Optional<Revocation> revoke(String accountId, Instant now, KeyEvent event);

  /** Sets the account's fallback switch; turning it on clears the revoked mark. */
  void setFallback(String accountId, boolean enabled, Instant now, KeyEvent event);
}
