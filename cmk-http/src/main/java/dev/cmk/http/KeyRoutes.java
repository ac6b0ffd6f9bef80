package dev.cmk.http;

import dev.cmk.http.model.ApiModel.KeyRegistration;
import dev.cmk.http.model.ApiModel.KeyView;
import dev.cmk.http.model.ApiModel.RegisterKey;
import dev.cmk.http.model.ApiModel.SearchGrantView;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.key.KeyService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/** Registration and listing of an account's customer keys and the search service's grants. */
final class KeyRoutes {
  private final AccountService accounts;
  private final KeyService keys;

  KeyRoutes(AccountService accounts, KeyService keys) {
    this.accounts = accounts;
    this.keys = keys;
  }

  void register(RoutesConfig r) {
    r.put("/v1/accounts/{accountId}/key", this::registerKey);
    r.get("/v1/accounts/{accountId}/keys", this::list);
    r.post("/v1/accounts/{accountId}/keys/{keyId}/validate", this::revalidate);
    r.get("/v1/accounts/{accountId}/key/search-grants", this::searchGrants);
    r.get("/v1/accounts/{accountId}/keys/{keyId}/dependents", this::dependents);
    r.delete("/v1/accounts/{accountId}/keys/{keyId}", this::delete);
  }

  private void dependents(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    Json.write(ctx, 200, keys.dependents(account, ctx.pathParam("keyId")));
  }

  private void delete(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    String force = ctx.queryParam("force");
    if (force != null && !force.equals("true") && !force.equals("false")) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "force must be true or false, not '" + force + "'");
    }
    Json.write(
        ctx,
        200,
        keys.delete(Callers.of(ctx), account, ctx.pathParam("keyId"), "true".equals(force)));
  }

  private void searchGrants(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    Json.write(
        ctx, 200, keys.searchGrants(account.id()).stream().map(SearchGrantView::of).toList());
  }

  private void revalidate(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    var reg = keys.revalidate(Callers.of(ctx), account, ctx.pathParam("keyId"));
    Json.write(ctx, 200, new KeyRegistration(KeyView.of(reg.key()), reg.report()));
  }

  private void registerKey(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    RegisterKey req = Json.body(ctx, RegisterKey.class);
    if (req.provider() == null || req.keyId() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "provider and keyId are required");
    }
    List<String> replicas = req.replicaKeyIds() == null ? List.of() : req.replicaKeyIds();
    var reg = keys.register(Callers.of(ctx), account, req.provider(), req.keyId(), replicas);
    Json.write(ctx, 201, new KeyRegistration(KeyView.of(reg.key()), reg.report()));
  }

  private void list(Context ctx) {
    var account = accounts.require(ctx.pathParam("accountId"));
    Json.write(ctx, 200, keys.keys(account.id()).stream().map(KeyView::of).toList());
  }
}
