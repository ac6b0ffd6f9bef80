package dev.cmk.http;

import dev.cmk.http.model.ApiModel.AccountView;
import dev.cmk.http.model.ApiModel.CreateAccount;
import dev.cmk.http.model.ApiModel.LicenseView;
import dev.cmk.http.model.ApiModel.SetLicense;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.User;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** Accounts and users' CMK licenses. */
final class AccountRoutes {
  private final AccountService accounts;

  AccountRoutes(AccountService accounts) {
    this.accounts = accounts;
  }

  void register(RoutesConfig r) {
    r.post("/v1/accounts", this::create);
    r.get("/v1/accounts", this::list);
    r.get("/v1/accounts/{accountId}", this::get);
    r.put("/v1/accounts/{accountId}/users/{userId}/license", this::setLicense);
  }

  private void create(Context ctx) {
    CreateAccount req = Json.body(ctx, CreateAccount.class);
    Json.write(ctx, 201, AccountView.of(accounts.create(req.name(), req.region())));
  }

  private void list(Context ctx) {
    Json.write(ctx, 200, accounts.list().stream().map(AccountView::of).toList());
  }

  private void get(Context ctx) {
    Json.write(ctx, 200, AccountView.of(accounts.require(ctx.pathParam("accountId"))));
  }

  private void setLicense(Context ctx) {
    SetLicense req = Json.body(ctx, SetLicense.class);
    if (req.cmkLicensed() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "cmkLicensed (true or false) is required");
    }
    User u =
        accounts.setLicense(ctx.pathParam("accountId"), ctx.pathParam("userId"), req.cmkLicensed());
    Json.write(ctx, 200, new LicenseView(u.accountId(), u.userId(), u.cmkLicensed()));
  }
}
