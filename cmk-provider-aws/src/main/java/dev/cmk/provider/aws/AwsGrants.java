package dev.cmk.provider.aws;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.Grant;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.GrantListEntry;
import software.amazon.awssdk.services.kms.model.GrantOperation;

/**
 * KMS grants for the search service's principal, on the one key a {@link KeyRef}'s {@code keyId}
 * names, through that key's regional client.
 *
 * <p>Grants are per key and region in KMS and do not follow a multi-region key to its replicas: a
 * caller that needs the grant on a replica (for search in that region, e.g. on failover) passes
 * {@code key.atReplica(replicaArn)}. The calls never fail over to a replica, so a grant is always
 * made, listed or revoked exactly where the caller asked.
 *
 * <p><b>Security:</b> the grantee comes from operator configuration and the operations are fixed
 * here (what search needs to wrap and unwrap its KEKs and move them between keys), so an account
 * admin cannot widen either.
 */
final class AwsGrants implements GrantSupport {
  /** What the search service does with the account's key. */
  static final List<GrantOperation> SEARCH_OPERATIONS =
      List.of(
          GrantOperation.GENERATE_DATA_KEY,
          GrantOperation.ENCRYPT,
          GrantOperation.DECRYPT,
          GrantOperation.RE_ENCRYPT_FROM,
          GrantOperation.RE_ENCRYPT_TO,
          GrantOperation.DESCRIBE_KEY);

  private final AwsKmsProvider provider;
  private final Optional<String> searchPrincipal;

  AwsGrants(AwsKmsProvider provider, Optional<String> searchPrincipal) {
    this.provider = provider;
    this.searchPrincipal = searchPrincipal;
  }

  @Override
  public String createSearchGrant(
      KeyRef key, String grantName, java.util.Map<String, String> contextSubset) {
    String grantee = grantee();
    return provider.callPrimary(
        key,
        "CreateGrant",
        (kms, t) -> {
          String keyArn = keyArn(kms, t);
          Optional<String> existing = findGrant(kms, keyArn, grantName, grantee);
          if (existing.isPresent()) {
            return existing.get();
          }
          return kms.createGrant(
                  r ->
                      r.keyId(keyArn)
                          .granteePrincipal(grantee)
                          .name(grantName)
                          .operations(SEARCH_OPERATIONS)
                          .constraints(c -> c.encryptionContextSubset(contextSubset)))
              .grantId();
        });
  }

  @Override
  public List<Grant> listGrants(KeyRef key) {
    return provider.callPrimary(
        key,
        "ListGrants",
        (kms, t) -> entries(kms, keyArn(kms, t)).stream().map(AwsGrants::toGrant).toList());
  }

  @Override
  public void revokeGrant(KeyRef key, String grantId) {
    provider.callPrimary(
        key,
        "RevokeGrant",
        (kms, t) -> {
          try {
            kms.revokeGrant(r -> r.keyId(keyArn(kms, t)).grantId(grantId));
          } catch (AwsServiceException e) {
            if (!isNotFound(e)) {
              throw e;
            }
            // Already gone: revoking is idempotent.
          }
          return Boolean.TRUE;
        });
  }

  private static boolean isNotFound(AwsServiceException e) {
    return e.awsErrorDetails() != null
        && "NotFoundException".equals(e.awsErrorDetails().errorCode());
  }

  private String grantee() {
    return searchPrincipal.orElseThrow(
        () ->
            new KeyRefusedException(
                FailureReason.ACCESS_DENIED,
                "SearchPrincipalNotConfigured",
                "no search principal is configured (aws.searchPrincipalArn); cannot create a"
                    + " search grant"));
  }

  /** Grant APIs take a key id or key ARN, not an alias: resolve aliases first. */
  private static String keyArn(KmsClient kms, AwsKmsProvider.Target t) {
    if (t.arn().kind() != AwsKeyArn.Kind.ALIAS) {
      return t.arn().arn();
    }
    return kms.describeKey(r -> r.keyId(t.arn().arn())).keyMetadata().arn();
  }

  private static Optional<String> findGrant(
      KmsClient kms, String keyArn, String name, String grantee) {
    return entries(kms, keyArn).stream()
        .filter(g -> name.equals(g.name()) && grantee.equals(g.granteePrincipal()))
        .map(GrantListEntry::grantId)
        .findFirst();
  }

  private static List<GrantListEntry> entries(KmsClient kms, String keyArn) {
    return kms.listGrantsPaginator(r -> r.keyId(keyArn)).grants().stream().toList();
  }

  private static Grant toGrant(GrantListEntry g) {
    return new Grant(
        g.grantId(),
        g.name() == null ? "" : g.name(),
        g.granteePrincipal() == null ? "" : g.granteePrincipal(),
        g.operationsAsStrings());
  }
}
