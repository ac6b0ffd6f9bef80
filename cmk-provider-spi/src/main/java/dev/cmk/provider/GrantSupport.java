package dev.cmk.provider;

import java.util.List;

/**
 * Optional capability of a {@link KeyProvider} whose keys can carry grants (AWS KMS): lets the
 * search service reach an account's key through its own, separately revocable permission. Obtained
 * through {@link KeyProvider#capability(Class)}.
 *
 * <p>Each call acts on the one key {@code key.keyId()} names, never on its replicas: grants are per
 * key and region (AWS KMS), so a caller that needs the grant on a multi-region replica calls again
 * with {@link KeyRef#atReplica}.
 *
 * <p><b>Security:</b> the grantee principal and the granted operations are fixed by operator
 * configuration, never taken from a request, so an account admin cannot widen them.
 */
public interface GrantSupport {

  /**
   * Creates (or, if one with this name exists, returns) the grant for the configured search
   * principal with the operations search needs, usable only with an encryption context that
   * contains {@code contextSubset} (AWS: the grant's EncryptionContextSubset constraint), so the
   * grant serves one account only.
   *
   * @return the grant id, to be stored and later passed to {@link #revokeGrant}
   * @throws ProviderException classified like every other provider call
   */
  String createSearchGrant(
      KeyRef key, String grantName, java.util.Map<String, String> contextSubset);

  /** Lists the grants on {@code key}. */
  List<Grant> listGrants(KeyRef key);

  /** Revokes one grant; revoking a grant that no longer exists is not an error. */
  void revokeGrant(KeyRef key, String grantId);
}
