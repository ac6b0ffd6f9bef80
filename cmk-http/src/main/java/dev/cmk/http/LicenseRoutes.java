package dev.cmk.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.http.model.ApiModel.BulkLicenseResult;
import dev.cmk.http.model.ApiModel.LicenseRow;
import dev.cmk.http.model.ApiModel.LicenseView;
import dev.cmk.http.model.ApiModel.SetLicense;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.LicenseChange;
import dev.cmk.service.account.LicenseCsv;
import dev.cmk.service.account.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Users' CMK licenses, one at a time or in bulk (CSV {@code userId,licensed} or a JSON list of
 * {@code {userId, cmkLicensed}}), with a result per row. Setting a license is idempotent.
 */
final class LicenseRoutes {
  private final AccountService accounts;

  LicenseRoutes(AccountService accounts) {
    this.accounts = accounts;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/licenses", this::list);
    r.post("/v1/accounts/{accountId}/licenses/bulk", this::bulk);
    r.put("/v1/accounts/{accountId}/users/{userId}/license", this::set);
    r.delete("/v1/accounts/{accountId}/users/{userId}/license", this::remove);
  }

  private void list(Context ctx) {
    Json.write(
        ctx,
        200,
        accounts.users(ctx.pathParam("accountId")).stream().map(LicenseRoutes::view).toList());
  }

  private void set(Context ctx) {
    SetLicense req = Json.body(ctx, SetLicense.class);
    if (req.cmkLicensed() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "cmkLicensed (true or false) is required");
    }
    User u =
        accounts.setLicense(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            ctx.pathParam("userId"),
            req.cmkLicensed());
    Json.write(ctx, 200, view(u));
  }

  private void remove(Context ctx) {
    Json.write(
        ctx,
        200,
        view(
            accounts.setLicense(
                Callers.of(ctx), ctx.pathParam("accountId"), ctx.pathParam("userId"), false)));
  }

  private void bulk(Context ctx) {
    String type =
        Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(java.util.Locale.ROOT);
    String body = ctx.body();
    if (body.isBlank()) {
      throw new CmkException(ErrorCode.EMPTY_BODY, "send CSV (text/csv) or a JSON list");
    }
    List<LicenseChange> rows = type.startsWith("text/csv") ? LicenseCsv.parse(body) : json(ctx);
    List<LicenseChange.Result> results =
        accounts.setLicenses(Callers.of(ctx), ctx.pathParam("accountId"), rows);
    long failed = results.stream().filter(r -> !r.ok()).count();
    Json.write(ctx, 200, new BulkLicenseResult(results.size() - failed, failed, results));
  }

  private static List<LicenseChange> json(Context ctx) {
    JsonNode tree = Json.tree(ctx);
    if (!tree.isArray()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "expected a JSON list of {userId, cmkLicensed} (or text/csv)");
    }
    LicenseRow[] rows = Json.convert(tree, LicenseRow[].class);
    List<LicenseChange> out = new ArrayList<>();
    for (int i = 0; i < rows.length; i++) {
      LicenseRow r = rows[i];
      out.add(
          r == null
              ? LicenseChange.unreadable(i + 1, "", "row is null")
              : new LicenseChange(
                  i + 1, r.userId(), Optional.ofNullable(r.cmkLicensed()), Optional.empty()));
    }
    return out;
  }

  private static LicenseView view(User u) {
    return new LicenseView(u.accountId(), u.userId(), u.cmkLicensed());
  }
}
