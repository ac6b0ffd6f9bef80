package dev.cmk.service.account;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.regex.Pattern;

/** Creates accounts and manages users' CMK licenses. */
public final class AccountService {
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

  private final AccountStore store;
  private final Clock clock;
  private final SecureRandom random;

  public AccountService(AccountStore store, Clock clock, SecureRandom random) {
    this.store = store;
    this.clock = clock;
    this.random = random;
  }

  public Account create(String name, String region) {
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "name is required (1-200 characters)");
    }
    String r = region == null || region.isBlank() ? Account.DEFAULT_REGION : region;
    if (!REGION.matcher(r).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "region '" + r + "' is not a region name like us-east-1");
    }
    Account a =
        new Account(Ids.newId("acct", random), name.strip(), r, false, false, clock.instant());
    store.insert(a);
    return a;
  }

  public Account require(String accountId) {
    Ids.require("account id", accountId);
    return store
        .find(accountId)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.ACCOUNT_NOT_FOUND, "account '" + accountId + "' does not exist"));
  }

  public List<Account> list() {
    return store.list();
  }

  public User setLicense(String accountId, String userId, boolean licensed) {
    require(accountId);
    Ids.requireUser(userId);
    User u = new User(accountId, userId, licensed, clock.instant());
    store.upsertUser(u);
    return u;
  }

  /** A user's license; users never seen are unlicensed. */
  public boolean isLicensed(String accountId, String userId) {
    return store.findUser(accountId, userId).map(User::cmkLicensed).orElse(false);
  }
}
