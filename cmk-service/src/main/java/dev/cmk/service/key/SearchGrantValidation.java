package dev.cmk.service.key;

import static dev.cmk.service.key.ValidationChecks.evidence;
import static dev.cmk.service.key.ValidationChecks.fail;
import static dev.cmk.service.key.ValidationChecks.fix;
import static dev.cmk.service.key.ValidationChecks.pass;
import static dev.cmk.service.key.ValidationChecks.skip;

import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.account.Account;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.policy.PolicyTemplates;
import java.util.List;
import java.util.Optional;

/**
 * The search-grant check of validation: with search encryption on, the search service's grant is
 * created, listed and revoked on the primary and on every replica (grants are per key and region).
 */
final class SearchGrantValidation {
  private final KeyService.Principals principals;

  SearchGrantValidation(KeyService.Principals principals) {
    this.principals = principals;
  }

  /**
   * Creates, lists and revokes the search grant on the primary and on every registered replica: KMS
   * grants are per key and region, a multi-region replica does not share the primary's, and the
   * search service in a replica's region (where it goes on failover) needs its own.
   */
  void check(Account account, KeyProvider p, KeyRef ref, List<Check> checks) {
    if (!account.searchEncryption()) {
      checks.add(skip("search_grant", "search encryption is off for this account"));
      return;
    }
    Optional<GrantSupport> grants = p.capability(GrantSupport.class);
    String grantee = principals.search().get(p.kind());
    if (grants.isEmpty() || grantee == null) {
      checks.add(
          skip(
              "search_grant",
              "provider "
                  + p.kind()
                  + " has no grants; the search service reaches the key through the key policy"
                  + " (see the search statement of the key-policy template)"));
      return;
    }
    String name = "cmk-validation-" + account.id();
    checks.add(
        grantRoundTrip(
            grants.get(),
            ref,
            name,
            grantee,
            account.id(),
            "search_grant",
            where(p, "key ", ref.keyId())));
    for (String replicaId : ref.replicaKeyIds()) {
      checks.add(
          grantRoundTrip(
              grants.get(),
              ref.atReplica(replicaId),
              name,
              grantee,
              account.id(),
              "replica_search_grant",
              where(p, "replica ", replicaId)));
    }
  }

  /** "replica arn:… in eu-central-1: ", so a failure names the region whose grant is missing. */
  private static String where(KeyProvider p, String what, String keyId) {
    return what
        + keyId
        + p.capability(KeyIdSyntax.class)
            .flatMap(s -> s.regionOf(keyId))
            .map(r -> " in " + r)
            .orElse("")
        + ": ";
  }

  /**
   * One key's grant: created, confirmed by ListGrants, and revoked again whatever the listing
   * showed, so that validation leaves no grant behind on any key.
   */
  private static Check grantRoundTrip(
      GrantSupport grants,
      KeyRef key,
      String name,
      String grantee,
      String accountId,
      String check,
      String who) {
    boolean replica = check.startsWith("replica_");
    String id;
    try {
      id = grants.createSearchGrant(key, name, PolicyTemplates.searchGrantConstraint(accountId));
    } catch (ProviderException e) {
      return fail(check, who + evidence(e), grantFix(e, replica));
    }
    ProviderException listFailure = null;
    boolean listed = false;
    try {
      listed = grants.listGrants(key).stream().anyMatch(g -> g.grantId().equals(id));
    } catch (ProviderException e) {
      listFailure = e;
    }
    try {
      grants.revokeGrant(key, id);
    } catch (ProviderException e) {
      return fail(
          check,
          who + "grant " + id + " was created but not revoked: " + evidence(e),
          grantFix(e, replica) + "; then revoke grant " + id + " on " + key.keyId());
    }
    if (listFailure != null) {
      return fail(check, who + evidence(listFailure), grantFix(listFailure, replica));
    }
    return listed
        ? pass(check, who + "CreateGrant, ListGrants and RevokeGrant succeeded for " + grantee)
        : fail(
            check,
            who + "grant " + id + " was created but ListGrants does not show it",
            "allow the platform principal kms:ListGrants"
                + (replica ? " in the replica's own key policy" : ""));
  }

  private static String grantFix(ProviderException e, boolean replica) {
    return fix(e, "kms:CreateGrant, kms:ListGrants and kms:RevokeGrant")
        + (replica
            ? " in the replica's own key policy (key policies are not replicated); add the search"
                + " statement (GET /v1/accounts/{accountId}/key-policy?search=true"
                + "&multiRegion=true)"
            : "; add the search statement (GET /v1/accounts/{accountId}/key-policy"
                + "?search=true)");
  }
}
