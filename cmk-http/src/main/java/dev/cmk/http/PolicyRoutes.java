package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.policy.PolicyTemplates;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * {@code GET /v1/accounts/{accountId}/key-policy?provider=aws|azure|oci[&search=][&multiRegion=]
 * [&awsAccountId=]}: the policy to paste. Unset parameters follow the account: its active key's
 * provider and id, its search-encryption option, whether the key has replicas.
 */
final class PolicyRoutes {
  private final AccountService accounts;
  private final KeyService keys;
  private final PolicyTemplates templates;

  PolicyRoutes(AccountService accounts, KeyService keys, PolicyTemplates templates) {
    this.accounts = accounts;
    this.keys = keys;
    this.templates = templates;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/key-policy", this::get);
  }

  private void get(Context ctx) {
    Account account = accounts.require(ctx.pathParam("accountId"));
    Optional<CustomerKey> active = keys.activeKey(account.id());
    if (ctx.queryParam("provider") == null && active.isEmpty()) {
      // the provider is optional only because it defaults to the active key's: with no key there
      // is nothing to default to, which is the account's state, not a malformed request
      throw new CmkException(
          ErrorCode.NO_ACTIVE_KEY,
          "the account has no active key to take the provider from; pass provider= one of "
              + PolicyTemplates.PROVIDERS);
    }
    String provider =
        Optional.ofNullable(ctx.queryParam("provider"))
            .or(() -> active.map(k -> k.ref().provider()))
            .filter(PolicyTemplates.PROVIDERS::contains)
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.INVALID_REQUEST,
                        "provider must be one of "
                            + PolicyTemplates.PROVIDERS
                            + " (query parameter provider=)"));
    String awsAccountId = ctx.queryParam("awsAccountId");
    if (awsAccountId != null && !awsAccountId.matches("[0-9]{12}")) {
      // checked for every provider, as the OpenAPI pattern says (schemathesis: an empty one with
      // provider=oci was a 200)
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "awsAccountId must be 12 digits (or leave it out)");
    }
    Optional<CustomerKey> sameProvider = active.filter(k -> k.ref().provider().equals(provider));
    var req =
        new PolicyTemplates.Request(
            provider,
            flag(ctx, "search").orElse(account.searchEncryption()),
            flag(ctx, "multiRegion")
                .orElse(sameProvider.map(k -> !k.ref().replicaKeyIds().isEmpty()).orElse(false)),
            Optional.ofNullable(awsAccountId),
            sameProvider.map(k -> k.ref().keyId()));
    Json.write(ctx, 200, templates.forAccount(account, req));
  }

  private static Optional<Boolean> flag(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return Optional.empty();
    }
    return switch (v) {
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default ->
          throw new CmkException(
              ErrorCode.INVALID_REQUEST, name + " must be true or false, not '" + v + "'");
    };
  }
}
