package dev.cmk.service.reprotect;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.Texts;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.reprotect.JobService.BackfillRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of a backfill request ({@link JobService#startBackfill}): which modes it takes, which
 * filters are valid, how they are audited, and what "nothing to backfill" says.
 */
final class Backfills {
  private Backfills() {}

  /** DEK_REWRAP when empty, or REENCRYPT; KEK_REWRAP and anything else are the caller's mistake. */
  static Job.Mode mode(Optional<String> mode) {
    String m = mode.map(String::strip).filter(x -> !x.isEmpty()).orElse("DEK_REWRAP");
    if (m.equals(Job.Mode.KEK_REWRAP.name())) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "a backfill cannot re-wrap KEKs: a platform KEK also protects content of unlicensed users"
              + " and ineligible assets, which must stay readable without the customer's key; use"
              + " DEK_REWRAP (default) or REENCRYPT",
          Map.of("mode", m));
    }
    if (!m.equals(Job.Mode.DEK_REWRAP.name()) && !m.equals(Job.Mode.REENCRYPT.name())) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "mode must be DEK_REWRAP (default) or REENCRYPT",
          Map.of("mode", Texts.abbreviate(m, 40)));
    }
    return Job.Mode.valueOf(m);
  }

  /** Validates the filters: a user of the account, an asset type the customer's key may protect. */
  static Job.Scope scope(
      AccountService accounts, Catalog catalog, String accountId, BackfillRequest req) {
    Optional<String> user = req.userId().filter(u -> !u.isEmpty()).map(Ids::requireUser);
    if (user.isPresent() && accounts.findUser(accountId, user.get()).isEmpty()) {
      throw new CmkException(
          ErrorCode.USER_NOT_FOUND,
          "no user '" + user.get() + "' in account " + accountId + "; nothing was started",
          Map.of("userId", user.get()));
    }
    Optional<String> type =
        req.assetType().filter(t -> !t.isEmpty()).map(t -> Ids.require("asset type", t));
    if (type.isPresent()) {
      AssetType t = catalog.require(type.get());
      if (!t.cmkEligible() || Catalog.OWN_API_ONLY.contains(t.name())) {
        throw new CmkException(
            ErrorCode.INVALID_REQUEST,
            "asset type '"
                + t.name()
                + "' is not backfilled: "
                + (t.cmkEligible()
                    ? "its keys belong to its own API, not to stored objects"
                    : "it is not CMK-eligible, the platform key protects it by design"),
            Map.of("assetType", t.name()));
      }
    }
    return new Job.Scope(user, type);
  }

  /** The filters as the audit row's user and details. */
  static AuditEvent withScope(AuditEvent event, Job.Scope scope) {
    AuditEvent e = event;
    if (scope.userId().isPresent()) {
      e = e.withUser(scope.userId().get()).withDetail("filter.user", scope.userId().get());
    }
    if (scope.assetType().isPresent()) {
      e = e.withDetail("filter.asset", scope.assetType().get());
    }
    return e;
  }

  /**
   * No object qualifies, so no job is created.
   *
   * @param userLicensed whether the filter's user holds a license (true without a user filter)
   */
  static CmkException nothingToBackfill(String accountId, Job.Scope scope, boolean userLicensed) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("accountId", accountId);
    StringBuilder which = new StringBuilder();
    scope.userId().ifPresent(u -> which.append(" of user '").append(u).append('\''));
    scope.assetType().ifPresent(t -> which.append(" of asset type '").append(t).append('\''));
    scope.userId().ifPresent(u -> details.put("userId", u));
    scope.assetType().ifPresent(t -> details.put("assetType", t));
    String hint = "";
    if (!userLicensed) {
      details.put("reason", "user_not_licensed");
      hint = " (user '" + scope.userId().orElse("") + "' holds no CMK license)";
    }
    return new CmkException(
        ErrorCode.NOTHING_TO_BACKFILL,
        "nothing to backfill in account "
            + accountId
            + ": no object"
            + which
            + " is under the platform key with a CMK-licensed owner and a CMK-eligible asset type"
            + hint
            + "; no job was started",
        details);
  }
}
