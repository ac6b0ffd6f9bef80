package dev.cmk.service.account;

/**
 * Vetoes an account change that the account's active key would no longer pass (a new data
 * residency, search encryption turned on). Implemented by the key feature, which re-validates the
 * active key against the proposed account.
 */
@FunctionalInterface
public interface AccountChangeGuard {
  /**
   * @throws dev.cmk.service.CmkException {@code key_validation_failed} with the report when the
   *     active key fails a required check under {@code proposed}
   */
  void check(Account proposed);
}
