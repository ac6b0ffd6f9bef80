package dev.cmk.provider;

import java.util.List;
import java.util.Set;

/**
 * Optional capability of a {@link KeyProvider}: grants that let another principal (the search
 * service) use a key without a key-policy change (AWS KMS grants). Reach it through {@link
 * KeyProvider#capability(Class)}.
 *
 * <p><b>Security:</b> a grant is constrained to an encryption context, so the grantee can use the
 * key only for that account's data.
 */
public interface GrantSupport {
  /**
   * Grants {@code operations} (provider names, e.g. {@code Encrypt}, {@code Decrypt}, {@code
   * GenerateDataKey}, {@code ReEncryptFrom}, {@code ReEncryptTo}, {@code DescribeKey}) on {@code
   * key} to {@code granteePrincipal}, only for requests whose encryption context contains {@code
   * constraint}.
   *
   * @return the grant id
   */
  String createGrant(
      KeyRef key, String granteePrincipal, Set<String> operations, EncryptionContext constraint);

  /** The grants on {@code key}. */
  List<Grant> listGrants(KeyRef key);

  /** Revokes a grant; revoking one that is gone is not an error. */
  void revokeGrant(KeyRef key, String grantId);

  /** A grant as the provider lists it. */
  record Grant(String grantId, String granteePrincipal, Set<String> operations) {
    public Grant {
      operations = Set.copyOf(operations);
    }
  }
}
