package dev.cmk.http;

import dev.cmk.http.Idempotency.Answer;
import dev.cmk.http.model.ApiModel.AccountView;
import dev.cmk.http.model.ApiModel.CreateAccount;
import dev.cmk.http.model.ApiModel.Toggle;
import dev.cmk.http.model.ApiModel.UpdateAccount;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.AccountService.Options;
import dev.cmk.service.idempotency.IdempotencyService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Accounts and their options: the operator creates accounts and sets residency, the fallback
 * default and support-request options; the admin turns fallback and search encryption on and off.
 */
final class AccountRoutes {
  private final AccountService accounts;
  private final IdempotencyService idempotency;

  AccountRoutes(AccountService accounts, IdempotencyService idempotency) {
    this.accounts = accounts;
    this.idempotency = idempotency;
  }

  void register(RoutesConfig r) {
    r.post("/v1/accounts", this::create);
    r.get("/v1/accounts", this::list);
    r.get("/v1/accounts/{accountId}", this::get);
    r.patch("/v1/accounts/{accountId}", this::update);
    // PUT …/fallback is AvailabilityRoutes': turning fallback on also ends a revocation.
    r.put("/v1/accounts/{accountId}/search-encryption", this::setSearchEncryption);
  }

  private void create(Context ctx) {
    CreateAccount req = Json.body(ctx, CreateAccount.class);
    Options o =
        new Options(
            Optional.ofNullable(req.region()),
            Optional.ofNullable(req.fallbackEnabled()),
            Optional.ofNullable(req.dropCallsOnKeyUnavailable()),
            Optional.ofNullable(req.searchEncryption()));
    Idempotency.respond(
        ctx,
        idempotency,
        () -> new Answer(201, AccountView.of(accounts.createWith(Callers.of(ctx), req.name(), o))));
  }

  private void list(Context ctx) {
    Json.write(ctx, 200, accounts.list().stream().map(AccountView::of).toList());
  }

  private void get(Context ctx) {
    Json.write(ctx, 200, AccountView.of(accounts.require(ctx.pathParam("accountId"))));
  }

  private void update(Context ctx) {
    UpdateAccount req = Json.body(ctx, UpdateAccount.class);
    Options o =
        new Options(
            Optional.ofNullable(req.region()),
            Optional.ofNullable(req.fallbackEnabled()),
            Optional.ofNullable(req.dropCallsOnKeyUnavailable()),
            Optional.ofNullable(req.searchEncryption()));
    Json.write(
        ctx, 200, AccountView.of(accounts.update(Callers.of(ctx), ctx.pathParam("accountId"), o)));
  }

  private void setSearchEncryption(Context ctx) {
    Json.write(
        ctx,
        200,
        AccountView.of(
            accounts.setSearchEncryption(
                Callers.of(ctx), ctx.pathParam("accountId"), enabled(ctx))));
  }

  private static boolean enabled(Context ctx) {
    Toggle t = Json.body(ctx, Toggle.class);
    if (t.enabled() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "enabled (true or false) is required");
    }
    return t.enabled();
  }
}
