package dev.cmk.service.availability;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityStore.Revocation;
import dev.cmk.service.content.FallbackPolicy;
import dev.cmk.service.kek.KekService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Revoke now (a kill switch), its lift, and the account's fallback switch and mode.
 *
 * <p>Revoking marks the account revoked and bumps its revocation epoch in the shared database, in
 * the transaction that turns fallback off and ends its live sessions under the customer's key.
 * Every node reads that mark and epoch before every use of one of the account's KEKs (one indexed
 * lookup), so once the call returns no node reads, writes or opens a session under the account's
 * customer key (or its fallback KEKs), whatever the KMS answers, until an admin lifts the
 * revocation with its own audited call ({@link #lift}). Content under the platform key (unlicensed
 * users, ineligible assets) is not the customer's key's and stays available. Disabling the key in
 * the customer's own KMS is the customer-side equivalent.
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
   * @throws CmkException {@code already_revoked} (409) if revoked and not lifted since
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
      r = audit.inTransaction(() -> revokeAndRecord(accountId, now, event, caller));
    } catch (CmkException e) {
      audit.recordFailure(event, e);
      throw e;
    }
    keks.purgeAccount(accountId);
    return r;
  }

  private Revocation revokeAndRecord(
      String accountId, Instant now, AuditEvent event, Caller caller) {
    Revocation r =
        store
            .revoke(
                accountId,
                now,
                actor(caller),
                adminEvent(
                    accountId,
                    "revoked",
                    "revoke now by "
                        + actor(caller)
                        + ": every node refuses the account's customer-key reads, writes and"
                        + " sessions until an admin lifts it; cached KEKs purged; fallback off",
                    now))
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.ALREADY_REVOKED,
                        "account "
                            + accountId
                            + " is already revoked; nothing was changed. Lift the revocation"
                            + " (POST /v1/accounts/"
                            + accountId
                            + "/revoke/lift) to end it",
                        Map.of("accountId", accountId)));
    audit.record(event.withDetail("epoch", Long.toString(r.epoch())));
    return r;
  }

  /**
   * Ends a revocation: the account's customer-key content is served again wherever the key answers.
   * Fallback stays off until turned on again.
   *
   * @throws CmkException {@code not_revoked} (409) if the account is not revoked
   */
  public Revocation lift(Caller caller, String accountId) {
    accounts.require(accountId);
    Instant now = clock.instant();
    AuditEvent event = AuditEvent.of(accountId, caller, Actions.KEY_REVOKE_LIFT);
    try {
      return audit.inTransaction(
          () -> {
            Revocation r =
                store
                    .lift(
                        accountId,
                        now,
                        actor(caller),
                        adminEvent(
                            accountId,
                            "revocation_lifted",
                            "revocation lifted by "
                                + actor(caller)
                                + ": customer-key content is served again wherever the key"
                                + " answers; fallback stays off until turned on",
                            now))
                    .orElseThrow(
                        () ->
                            new CmkException(
                                ErrorCode.NOT_REVOKED,
                                "account " + accountId + " is not revoked; nothing was changed",
                                Map.of("accountId", accountId)));
            audit.record(event);
            return r;
          });
    } catch (CmkException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  private static String actor(Caller caller) {
    return caller.kind().name().toLowerCase(java.util.Locale.ROOT) + ":" + caller.id();
  }

  /**
   * What GET key-status shows: the key's availability, the revocation, the fallback switch and
   * mode, and the slices of the key's use it refuses while it answers the rest.
   */
  public record KeyStatusReport(
      Account account,
      Optional<KeyStatus> status,
      Revocation revocation,
      List<SliceRefusal> refusedSlices) {
    public KeyStatusReport(Account account, Optional<KeyStatus> status, Revocation revocation) {
      this(account, status, revocation, List.of());
    }
  }

  public KeyStatusReport keyStatus(String accountId) {
    Account a = accounts.require(accountId);
    return new KeyStatusReport(
        a, store.find(accountId), store.revocation(accountId), store.sliceRefusals(accountId));
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

  /** Turns the account's fallback on or off, keeping its mode. */
  public Account setFallback(String accountId, boolean enabled) {
    return setFallback(Caller.system("revocation"), accountId, enabled);
  }

  /** {@link #setFallback(String, boolean)} for {@code caller}; audited in the same transaction. */
  public Account setFallback(Caller caller, String accountId, boolean enabled) {
    return setFallback(caller, accountId, enabled, Optional.empty());
  }

  /**
   * Turns the account's fallback on or off and, when given, sets its mode; audited in the same
   * transaction. A revoked account cannot turn fallback on: revoke now turned it off, and only
   * lifting the revocation ends it.
   *
   * @throws CmkException {@code account_revoked} (409) turning fallback on while revoked
   */
  public Account setFallback(
      Caller caller, String accountId, boolean enabled, Optional<FallbackMode> mode) {
    Account a = accounts.require(accountId);
    FallbackMode m = mode.orElse(a.fallbackMode());
    Instant now = clock.instant();
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.FALLBACK)
            .withDetail("enabled", Boolean.toString(enabled))
            .withDetail("mode", m.name());
    if (enabled && store.revocation(accountId).revoked()) {
      CmkException e =
          new CmkException(
              ErrorCode.ACCOUNT_REVOKED,
              "account "
                  + accountId
                  + " is revoked: fallback stays off until an admin lifts the revocation (POST"
                  + " /v1/accounts/"
                  + accountId
                  + "/revoke/lift); nothing was changed",
              Map.of("accountId", accountId));
      audit.recordFailure(event, e);
      throw e;
    }
    audit.inTransaction(
        () -> {
          store.setFallback(accountId, enabled, m, now, fallbackEvent(accountId, enabled, m, now));
          audit.record(event);
          return enabled;
        });
    return accounts.require(accountId);
  }

  private KeyEvent fallbackEvent(String accountId, boolean enabled, FallbackMode m, Instant now) {
    String detail;
    if (!enabled) {
      detail = "fallback off: a write the customer's key cannot serve is refused, nothing stored";
    } else if (m == FallbackMode.ANY_REASON) {
      detail =
          "fallback on (ANY_REASON): while the customer's key is unavailable for any reason"
              + " (outage, throttling, disabled, pending deletion, access denied, not found),"
              + " writes go under the platform's backup key and are re-protected when it is back";
    } else {
      detail =
          "fallback on (OUTAGES_ONLY): only while the customer's key cannot be reached do writes"
              + " go under the platform's backup key; a key the customer refuses (disabled,"
              + " pending deletion, access denied, not found) stops new CMK writes";
    }
    return new KeyEvent(
        Ids.newId("evt", random),
        accountId,
        "",
        enabled ? "fallback_enabled" : "fallback_disabled",
        "",
        "",
        Cause.NONE,
        m.name().toLowerCase(java.util.Locale.ROOT),
        "admin",
        detail,
        now);
  }

  /**
   * Says in the key events what writes do now that the key turned unavailable, and why: under the
   * backup key (fallback on, and the mode lets this cause fall back) or refused.
   */
  public TransitionListener explainWrites() {
    return (from, to) -> {
      if (from != null
          && from.state() == KeyState.UNAVAILABLE
          && to.state() != KeyState.UNAVAILABLE
          && !store.revocation(to.accountId()).revoked()) {
        fallbackEnded(from, to);
        return;
      }
      if (to.state() != KeyState.UNAVAILABLE || store.revocation(to.accountId()).revoked()) {
        return;
      }
      Account a = accounts.require(to.accountId());
      boolean refused = to.cause() == Cause.REFUSED;
      String why = refused ? "the key refuses (" + to.reason() + ")" : "the key cannot be reached";
      String kind;
      String detail;
      if (FallbackPolicy.fallsBack(refused, a.fallbackEnabled(), a.fallbackMode())) {
        kind = "writes_fallback";
        detail =
            why
                + "; fallback is on ("
                + a.fallbackMode()
                + "): new writes under the customer's key go under the platform's backup key and"
                + " are re-protected when the key is back";
      } else {
        kind = "writes_refused";
        detail =
            why
                + (a.fallbackEnabled()
                    ? "; fallback is on in OUTAGES_ONLY mode, where a key the customer refuses"
                        + " stops new writes under it: they are refused"
                    : "; fallback is off: new writes under the customer's key are refused")
                + ", nothing stored";
      }
      store.appendEvent(
          new KeyEvent(
              Ids.newId("evt", random),
              to.accountId(),
              to.customerKeyId(),
              kind,
              "",
              "",
              to.cause(),
              to.reason(),
              "policy",
              detail,
              clock.instant()));
    };
  }

  /**
   * The end of an outage during which writes went under the backup key ({@code writes_fallback}):
   * says that new writes go under the customer's key again ({@code writes_fallback_ended}).
   */
  private void fallbackEnded(KeyStatus from, KeyStatus to) {
    Account a = accounts.require(to.accountId());
    if (!FallbackPolicy.fallsBack(
        from.cause() == Cause.REFUSED, a.fallbackEnabled(), a.fallbackMode())) {
      return;
    }
    store.appendEvent(
        new KeyEvent(
            Ids.newId("evt", random),
            to.accountId(),
            to.customerKeyId(),
            "writes_fallback_ended",
            "",
            "",
            to.cause(),
            to.reason(),
            "policy",
            "the key is "
                + to.state()
                + " again: new writes go under the customer's key, no longer under the platform's"
                + " backup key; recovery moves the fallback writes back",
            clock.instant()));
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
