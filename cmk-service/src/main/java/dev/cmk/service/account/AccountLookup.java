package dev.cmk.service.account;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;

/**
 * Reads one account: the read side of the accounts feature, for a feature that only looks accounts
 * up (the search grants). It lets such a feature be built before {@link AccountService}, whose
 * change guard it may be part of.
 */
@FunctionalInterface
public interface AccountLookup {
  /**
   * @throws CmkException {@code account_not_found}, or {@code invalid_request} for a malformed id
   */
  Account require(String accountId);

  /** Reads straight from {@code store} (never from a cache), as {@link AccountService#require}. */
  static AccountLookup over(AccountStore store) {
    return accountId -> {
      Ids.require("account id", accountId);
      return store
          .find(accountId)
          .orElseThrow(
              () ->
                  new CmkException(
                      ErrorCode.ACCOUNT_NOT_FOUND, "account '" + accountId + "' does not exist"));
    };
  }
}
