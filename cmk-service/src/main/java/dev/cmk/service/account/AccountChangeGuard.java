package dev.cmk.service.account;

/**
 * Vetoes an account change that the account's active key would no longer pass (a new data
 * residency, search encryption turned on), and follows a change through on the key's side (the
 * search service's grants). Implemented by the key feature, which re-validates the active key
 * against the proposed account.
 */
@FunctionalInterface
public interface AccountChangeGuard {
  /**
   * @throws dev.cmk.service.CmkException {@code key_validation_failed} with the report when the
   *     active key fails a required check under {@code proposed}
   */
  void check(Account proposed);

  /**
   * Called for every change just before it is stored (after {@link #check} where that applies).
   *
   * @throws dev.cmk.service.CmkException to veto the change; the account then stays unchanged
   */
  default void applying(Account before, Account after) {}

  /** Called after a change was stored; must not throw for a provider failure. */
  default void applied(Account before, Account after) {}
}
