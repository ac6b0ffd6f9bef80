package dev.cmk.service.account;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Creates accounts, changes their options and manages users' CMK licenses. Options that need a
 * support request (data residency, dropping calls, the fallback default) are the operator's; the
 * account's admin turns fallback and search encryption on and off.
 */
public final class AccountService implements AccountLookup {
  /** The most rows one bulk license request may carry. */
  public static final int MAX_BULK_ROWS = 1_000;

  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

  private final AccountStore store;
  private final Clock clock;
  private final SecureRandom random;
  private final AccountChangeGuard guard;
  private final AccountLookup lookup;
  private final AuditLog audit;

  /** Accounts whose changes nothing vetoes or follows through (tools and tests). */
  public AccountService(AccountStore store, AuditLog audit, Clock clock, SecureRandom random) {
    this(store, audit, clock, random, proposed -> {});
  }

  /**
   * @param guard re-validates the active key before a change of residency or search encryption and
   *     follows a change through on the key's side (the key service)
   */
  public AccountService(
      AccountStore store,
      AuditLog audit,
      Clock clock,
      SecureRandom random,
      AccountChangeGuard guard) {
    this.store = store;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
    this.guard = guard;
    this.lookup = AccountLookup.over(store);
  }

  /** The operator's choices for a new account or a change to one; empty means "as is/default". */
  public record Options(
      Optional<String> region,
      Optional<Boolean> fallbackEnabled,
      Optional<Boolean> dropCallsOnKeyUnavailable,
      Optional<Boolean> searchEncryption) {
    public static Options none() {
      return new Options(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  public Account create(String name, String region) {
    return createWith(
        name,
        new Options(
            Optional.ofNullable(region), Optional.empty(), Optional.empty(), Optional.empty()));
  }

  public Account createWith(String name, Options o) {
    return createWith(Caller.system("accounts"), name, o);
  }

  /** Creates an account with the operator's options. */
  public Account createWith(Caller caller, String name, Options o) {
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "name is required (1-200 characters)");
    }
    String r =
        checkRegion(
            o.region().orElse(Account.DEFAULT_REGION)); // absent: the default; "" is not a region
    Account a =
        new Account(
            Ids.newId("acct", random),
            name.strip(),
            r,
            o.fallbackEnabled().orElse(false),
            o.dropCallsOnKeyUnavailable().orElse(false),
            clock.instant(),
            o.searchEncryption().orElse(false));
    return audit.inTransaction(
        () -> {
          store.insert(a);
          audit.record(describe(AuditEvent.of(a.id(), caller, Actions.ACCOUNT_CREATE), a));
          return a;
        });
  }

  private static AuditEvent describe(AuditEvent e, Account a) {
    return e.withDetail("region", a.region())
        .withDetail("fallback", Boolean.toString(a.fallbackEnabled()))
        .withDetail("dropCalls", Boolean.toString(a.dropCallsOnKeyUnavailable()))
        .withDetail("searchEncryption", Boolean.toString(a.searchEncryption()));
  }

  /**
   * The operator changes an account's options. A new region or search encryption is checked against
   * the active key first; if the key would fail, nothing changes.
   */
  public Account update(String accountId, Options o) {
    return update(Caller.system("accounts"), accountId, o);
  }

  /** {@link #update(String, Options)} for {@code caller}; a change is audited with it. */
  public Account update(Caller caller, String accountId, Options o) {
    Account a = require(accountId);
    Account b = a;
    if (o.region().isPresent()) {
      b = b.withRegion(checkRegion(o.region().get()));
    }
    b = o.fallbackEnabled().map(b::withFallback).orElse(b);
    b = o.dropCallsOnKeyUnavailable().map(b::withDropCalls).orElse(b);
    b = o.searchEncryption().map(b::withSearchEncryption).orElse(b);
    return save(caller, Actions.ACCOUNT_UPDATE, a, b);
  }

  /** The account's admin turns writes under the backup key during key outages on or off. */
  public Account setFallback(String accountId, boolean on) {
    Account a = require(accountId);
    return save(Caller.system("accounts"), Actions.FALLBACK, a, a.withFallback(on));
  }

  /** The account's admin turns search-data encryption on or off (re-validates the key). */
  public Account setSearchEncryption(String accountId, boolean on) {
    return setSearchEncryption(Caller.system("accounts"), accountId, on);
  }

  /** {@link #setSearchEncryption(String, boolean)} for {@code caller}; audited. */
  public Account setSearchEncryption(Caller caller, String accountId, boolean on) {
    Account a = require(accountId);
    return save(caller, Actions.SEARCH_ENCRYPTION, a, a.withSearchEncryption(on));
  }

  private Account save(Caller caller, String action, Account before, Account after) {
    if (after.equals(before)) {
      return before;
    }
    boolean keyRelevant =
        !after.region().equals(before.region())
            || after.searchEncryption() && !before.searchEncryption();
    if (keyRelevant) {
      try {
        guard.check(after);
      } catch (RuntimeException e) {
        audit.recordFailure(describe(AuditEvent.of(after.id(), caller, action), after), e);
        throw e;
      }
    }
    try {
      guard.applying(before, after);
    } catch (RuntimeException e) {
      audit.recordFailure(describe(AuditEvent.of(after.id(), caller, action), after), e);
      throw e;
    }
    audit.inTransaction(
        () -> {
          store.update(after);
          audit.record(describe(AuditEvent.of(after.id(), caller, action), after));
          return after;
        });
    guard.applied(before, after);
    return after;
  }

  private static String checkRegion(String r) {
    if (r.length() > 32 || !REGION.matcher(r).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "region '" + r + "' is not a region name like us-east-1");
    }
    return r;
  }

  @Override
  public Account require(String accountId) {
    return lookup.require(accountId);
  }

  /**
   * {@link #require} from this node's memory, at most the staleness bound old (README "Capacity"):
   * for the request path (content, sessions, search), never for a change of the account.
   */
  public Account requireForUse(String accountId) {
    Ids.require("account id", accountId);
    return store
        .findCached(accountId)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.ACCOUNT_NOT_FOUND, "account '" + accountId + "' does not exist"));
  }

  public List<Account> list() {
    return store.list();
  }

  public User setLicense(String accountId, String userId, boolean licensed) {
    return setLicense(Caller.system("accounts"), accountId, userId, licensed);
  }

  /** Grants or revokes a user's CMK license for {@code caller}; audited with the change. */
  public User setLicense(Caller caller, String accountId, String userId, boolean licensed) {
    require(accountId);
    Ids.requireUser(userId);
    User u = new User(accountId, userId, licensed, clock.instant());
    return audit.inTransaction(
        () -> {
          store.upsertUser(u);
          audit.record(
              AuditEvent.of(
                      accountId, caller, licensed ? Actions.LICENSE_GRANT : Actions.LICENSE_REVOKE)
                  .withUser(userId));
          return u;
        });
  }

  /** Users the account has licensed or unlicensed explicitly. */
  public List<User> users(String accountId) {
    require(accountId);
    return store.listUsers(accountId);
  }

  /**
   * Applies every row it can and reports each: a bad row does not stop the others. Setting a state
   * a user already has is a success, so a retried request gives the same result.
   */
  public List<LicenseChange.Result> setLicenses(String accountId, List<LicenseChange> rows) {
    return setLicenses(Caller.system("accounts"), accountId, rows);
  }

  /** {@link #setLicenses(String, List)} for {@code caller}: one audit row per applied change. */
  public List<LicenseChange.Result> setLicenses(
      Caller caller, String accountId, List<LicenseChange> rows) {
    require(accountId);
    if (rows.isEmpty()) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "no license rows given");
    }
    if (rows.size() > MAX_BULK_ROWS) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          rows.size() + " rows; send at most " + MAX_BULK_ROWS + " per request");
    }
    List<LicenseChange.Result> out = new ArrayList<>(rows.size());
    for (LicenseChange c : rows) {
      out.add(apply(caller, accountId, c));
    }
    return out;
  }

  private LicenseChange.Result apply(Caller caller, String accountId, LicenseChange c) {
    String user = c.userId() == null ? "" : c.userId();
    if (c.problem().isPresent() || c.cmkLicensed().isEmpty()) {
      return new LicenseChange.Result(
          c.row(),
          user,
          false,
          ErrorCode.INVALID_REQUEST.code(),
          c.problem().orElse("cmkLicensed is required"));
    }
    try {
      setLicense(caller, accountId, user, c.cmkLicensed().get());
      return new LicenseChange.Result(
          c.row(), user, true, "ok", c.cmkLicensed().get() ? "licensed" : "unlicensed");
    } catch (CmkException e) {
      return new LicenseChange.Result(c.row(), user, false, e.code().code(), e.getMessage());
    }
  }

  /** A user of the account: one whose license was ever set. */
  public Optional<User> findUser(String accountId, String userId) {
    return store.findUser(accountId, userId);
  }

  /** A user's license; users never seen are unlicensed. */
  public boolean isLicensed(String accountId, String userId) {
    // from memory: a license granted or revoked takes effect on every node within the bound
    return store.findUserCached(accountId, userId).map(User::cmkLicensed).orElse(false);
  }
}
