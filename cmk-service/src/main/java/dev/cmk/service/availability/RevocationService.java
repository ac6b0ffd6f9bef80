package dev.cmk.service.availability;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityStore.Revocation;
import dev.cmk.service.kek.KekService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Revoke now and the account's fallback switch.
 *
 * <p>Revoking bumps the account's revocation epoch in the shared database inside the same
 * transaction that turns fallback off. Every node compares that epoch with the one its cached KEKs
 * were fetched under before serving from cache (one indexed lookup per KEK use), so once the call
 * returns no node serves the account's content from a cached KEK: the next use goes to the
 * customer's key, which the customer may have disabled.
 */
public final class RevocationService {
  private final AvailabilityStore store;
  private final AccountService accounts;
  private final KekService keks;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;

  public RevocationService(
      AvailabilityStore store,
      AccountService accounts,
      KekService keks,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.accounts = accounts;
    this.keks = keks;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /**
   * Purges every cached KEK of the account on every node and turns fallback off.
   *
   * @throws CmkException {@code already_revoked} (409) if revoked and fallback not turned on since
   */
  public Revocation revoke(String accountId) {
    return revoke(Caller.system("revocation"), accountId);
  }

  /** {@link #revoke(String)} for {@code caller}; the audit row commits with the revocation. */
  public Revocation revoke(Caller caller, String accountId) {
    accounts.require(accountId);
    Instant now = clock.instant();
    AuditEvent event = AuditEvent.of(accountId, caller, Actions.KEY_REVOKE);
    Revocation r;
    try {
      r = audit.inTransaction(() -> revokeAndRecord(accountId, now, event));
    } catch (CmkException e) {
      audit.recordFailure(event, e);
      throw e;
    }
    keks.purgeAccount(accountId);
    return r;
  }

  private Revocation revokeAndRecord(String accountId, Instant now, AuditEvent event) {
    Revocation r =
        store
            .revoke(
                accountId,
                now,
                adminEvent(
                    accountId, "revoked", "cached KEKs purged on every node; fallback off", now))
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.ALREADY_REVOKED,
                        "account "
                            + accountId
                            + " is already revoked; nothing was changed. Turn fallback on again"
                            + " to end the revocation",
                        Map.of("accountId", accountId)));
    audit.record(event.withDetail("epoch", Long.toString(r.epoch())));
    return r;
  }

  /** What GET key-status shows: the key's availability, the revocation and the fallback switch. */
  public record KeyStatusReport(
      Account account, Optional<KeyStatus> status, Revocation revocation) {}

  public KeyStatusReport keyStatus(String accountId) {
    Account a = accounts.require(accountId);
    return new KeyStatusReport(a, store.find(accountId), store.revocation(accountId));
  }

  public List<KeyEvent> events(String accountId, int limit) {
    accounts.require(accountId);
    if (limit < 1 || limit > 1000) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "limit must be between 1 and 1000");
    }
    return store.events(accountId, limit);
  }

  public Revocation revocation(String accountId) {
    accounts.require(accountId);
    return store.revocation(accountId);
  }

  /** Turns the account's fallback on or off; turning it on ends a revocation. */
  public Account setFallback(String accountId, boolean enabled) {
    return setFallback(Caller.system("revocation"), accountId, enabled);
  }

  /** {@link #setFallback(String, boolean)} for {@code caller}; audited in the same transaction. */
  public Account setFallback(Caller caller, String accountId, boolean enabled) {
    accounts.require(accountId);
    Instant now = clock.instant();
    audit.inTransaction(
        () -> {
          setFallbackAt(accountId, enabled, now);
          audit.record(
              AuditEvent.of(accountId, caller, Actions.FALLBACK)
                  .withDetail("enabled", Boolean.toString(enabled)));
          return enabled;
        });
    return accounts.require(accountId);
  }

  private void setFallbackAt(String accountId, boolean enabled, Instant now) {
    store.setFallback(
        accountId,
        enabled,
        now,
        adminEvent(
            accountId,
            enabled ? "fallback_enabled" : "fallback_disabled",
            enabled
                ? "writes fall back to the backup key while the key is unavailable"
                : "writes are refused while the key is unavailable",
            now));
  }

  /** Empties every node's cache of the account's KEKs without revoking (a refused key, a job). */
  public void purgeEverywhere(String accountId) {
    store.bumpEpoch(accountId, clock.instant());
    keks.purgeAccount(accountId);
  }

  /** The reaction to a key the customer refused: every node drops the account's cached KEKs. */
  public TransitionListener purgeOnRefusal() {
    return (from, to) -> {
      if (to.cause() == Cause.REFUSED) {
        purgeEverywhere(to.accountId());
      }
    };
  }

  private KeyEvent adminEvent(String accountId, String kind, String detail, Instant now) {
    return new KeyEvent(
        Ids.newId("evt", random),
        accountId,
        "",
        kind,
        "",
        "",
        Cause.NONE,
        "",
        "admin",
        detail,
        now);
  }
}
