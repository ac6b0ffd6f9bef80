package dev.cmk.service.session;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.Cause;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.availability.KeyStatus;
import dev.cmk.service.availability.TransitionListener;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.content.ContentService.ContentConfig;
import dev.cmk.service.content.FallbackPolicy;
import dev.cmk.service.content.ProtectionPolicy;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.KeyErrors;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live sessions (DESIGN.md flow 7): a phone call asks for a session key derived (HKDF-SHA256) from
 * the account's KEK of the {@code live-call} asset type (service id 0018). With the operator option
 * {@code dropCallsOnKeyUnavailable}, every live session of the account is ended when its key turns
 * unavailable — at the transition, and at the latest on the next probe round — and no new one is
 * opened; without it, calls go on.
 *
 * <p><b>Security:</b> the session key is returned once and never stored or logged.
 */
public final class SessionService {
  private static final Logger LOG = LoggerFactory.getLogger(SessionService.class);
  public static final String ASSET_TYPE = "live-call";

  private final SessionStore store;
  private final AccountService accounts;
  private final Catalog catalog;
  private final KeyService keys;
  private final KekService keks;
  private final AvailabilityService availability;
  private final ContentConfig keysConfig;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;

  public SessionService(
      SessionStore store,
      AccountService accounts,
      Catalog catalog,
      KeyService keys,
      KekService keks,
      AvailabilityService availability,
      ContentConfig keysConfig,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.accounts = accounts;
    this.catalog = catalog;
    this.keys = keys;
    this.keks = keks;
    this.availability = availability;
    this.keysConfig = keysConfig;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /** A new session and its key (32 bytes), handed out this once. */
  public record Opened(LiveSession session, byte[] sessionKey) {
    @Override
    public String toString() {
      return "Opened[" + session + ", sessionKey=redacted]";
    }
  }

  public Opened open(String accountId, String userId) {
    return open(Caller.system("sessions"), accountId, userId);
  }

  /**
   * {@link #open(String, String)} for {@code caller}: a key use, audited with the session's KEK
   * (never the session key), or with the reason it was refused.
   */
  public Opened open(Caller caller, String accountId, String userId) {
    Account account = accounts.require(accountId);
    Ids.requireUser(userId);
    AssetType type = catalog.require(ASSET_TYPE);
    AuditEvent event =
        AuditEvent.of(accountId, caller, Actions.SESSION_OPEN)
            .withTarget(ASSET_TYPE, "")
            .withUser(userId);
    try {
      return openSession(account, userId, type, event);
    } catch (RuntimeException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  private Opened openSession(Account account, String userId, AssetType type, AuditEvent event) {
    String accountId = account.id();
    Optional<CustomerKey> active = keys.activeKey(accountId);
    Protection wanted =
        ProtectionPolicy.choose(type, accounts.isLicensed(accountId, userId), active.isPresent());
    if (wanted == Protection.CMK && account.dropCallsOnKeyUnavailable()) {
      Optional<KeyStatus> st = availability.status(accountId);
      if (st.isPresent() && st.get().state() == KeyState.UNAVAILABLE) {
        // a key the customer refused is a 409 key_refused, as for content: not worth retrying
        boolean refused = st.get().cause() == Cause.REFUSED;
        throw new CmkException(
            refused ? ErrorCode.KEY_REFUSED : ErrorCode.KEY_UNAVAILABLE,
            "cannot start a live session: the account's key is unavailable ("
                + reasonOf(st.get())
                + ") and the account drops calls while it is",
            Map.of("accountId", accountId, "reason", st.get().reason()));
      }
    }
    String id = Ids.newId("sess", random);
    try (KekLease kek = kekFor(account, type, wanted, active)) {
      LiveSession s =
          new LiveSession(
              id,
              accountId,
              userId,
              kek.kek().id(),
              kek.kek().protection(),
              LiveSession.Status.ACTIVE,
              "",
              clock.instant(),
              Optional.empty());
      byte[] sessionKey = derive(kek.key(), id, accountId);
      AuditEvent opened =
          event
              .withKey(kek.kek().root())
              .withKek(kek.kek().id(), kek.kek().protection().name())
              .withTarget(ASSET_TYPE, id);
      audit.inTransaction(
          () -> {
            store.insert(s);
            audit.record(opened);
            return s;
          });
      return new Opened(s, sessionKey);
    }
  }

  private KekLease kekFor(
      Account account, AssetType type, Protection wanted, Optional<CustomerKey> active) {
    KeyRef root = wanted == Protection.CMK ? active.orElseThrow().ref() : keysConfig.platformKey();
    try {
      return keks.forWrite(account.id(), type.serviceId(), wanted, root);
    } catch (ProviderException e) {
      if (wanted == Protection.CMK
          && !account.dropCallsOnKeyUnavailable()
          && FallbackPolicy.decide(e, account.fallbackEnabled(), account.fallbackMode())
              .fallback()) {
        return keks.forWrite(
            account.id(), type.serviceId(), Protection.FALLBACK, keysConfig.backupKey());
      }
      throw KeyErrors.of(account.id(), e, "start a live session");
    }
  }

  public LiveSession get(String accountId, String sessionId) {
    accounts.require(accountId);
    Ids.require("session id", sessionId);
    return store
        .find(accountId, sessionId)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.SESSION_NOT_FOUND,
                    "no live session '" + sessionId + "' in account " + accountId));
  }

  /** The caller hangs up. Ending an ended session changes nothing. */
  public LiveSession end(String accountId, String sessionId) {
    get(accountId, sessionId);
    store.end(accountId, sessionId, "ended by the caller", clock.instant());
    return get(accountId, sessionId);
  }

  /** Operator option: end the account's live calls when its key becomes unavailable. */
  public Account setDropCalls(String accountId, boolean enabled) {
    return setDropCalls(Caller.system("sessions"), accountId, enabled);
  }

  /** {@link #setDropCalls(String, boolean)} for {@code caller}; audited with the change. */
  public Account setDropCalls(Caller caller, String accountId, boolean enabled) {
    accounts.require(accountId);
    audit.inTransaction(
        () -> {
          store.setDropCalls(accountId, enabled);
          audit.record(
              AuditEvent.of(accountId, caller, Actions.DROP_CALLS)
                  .withDetail("enabled", Boolean.toString(enabled)));
          return enabled;
        });
    return accounts.require(accountId);
  }

  /** The reaction to a key turning unavailable. */
  public TransitionListener dropOnUnavailable() {
    return (from, to) -> {
      if (to.state() == KeyState.UNAVAILABLE
          && accounts.require(to.accountId()).dropCallsOnKeyUnavailable()) {
        drop(to.accountId(), to.customerKeyId(), reasonOf(to));
      }
    };
  }

  /** The probe-round safety net: sessions opened on any node after the transition end too. */
  public void dropWhereUnavailable() {
    for (SessionStore.Unavailable u : store.droppingAccountsWithUnavailableKey()) {
      drop(
          u.accountId(),
          keys.activeKey(u.accountId()).map(CustomerKey::id).orElse(""),
          u.cause().toLowerCase(Locale.ROOT) + " (" + u.reason() + ")");
    }
  }

  /**
   * Ends the sessions under the customer's key only: a session under the platform key (an
   * unlicensed user's) or the backup key does not depend on the key that became unavailable. Ended
   * sessions are recorded as a key event ({@code calls_dropped}, a {@code key.calls_dropped}
   * webhook) naming how many.
   */
  private void drop(String accountId, String customerKeyId, String why) {
    int n =
        store.endAllUnder(
            accountId, Protection.CMK.name(), "key_unavailable: " + why, clock.instant());
    if (n > 0) {
      LOG.info("account {}: ended {} live sessions, key unavailable: {}", accountId, n, why);
      availability.recordEvent(
          accountId,
          customerKeyId,
          "calls_dropped",
          "key_unavailable",
          "policy",
          "drop-calls policy ended "
              + n
              + " live session(s) under the customer's key: key unavailable, "
              + why);
    }
  }

  private static String reasonOf(KeyStatus s) {
    return s.cause().name().toLowerCase(Locale.ROOT) + " (" + s.reason() + ")";
  }

  /** HKDF-SHA256 (RFC 5869), one block: salt = session id, info names purpose and account. */
  static byte[] derive(SecretKeyMaterial kek, String sessionId, String accountId) {
    byte[] ikm = kek.copyBytes();
    byte[] prk = null;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sessionId.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(("cmk/live-call/v1/" + accountId).getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 1);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    } finally {
      Arrays.fill(ikm, (byte) 0);
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
    }
  }
}
