package dev.cmk.service.audit;

/**
 * What the audit reads need from accounts: that one exists. Owned here, implemented by the account
 * service ({@code accounts::require}), so the audit package, which every feature records into,
 * depends on no feature.
 */
@FunctionalInterface
public interface AccountCheck {
  /**
   * @throws dev.cmk.service.CmkException {@code account_not_found} (or {@code invalid_id}) when
   *     there is no such account
   */
  void require(String accountId);
}
