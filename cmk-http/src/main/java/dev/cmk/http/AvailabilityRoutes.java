package dev.cmk.http;

import dev.cmk.http.model.ApiModel.AccountView;
import dev.cmk.http.model.AvailabilityModel.KeyEventView;
import dev.cmk.http.model.AvailabilityModel.KeyStatusView;
import dev.cmk.http.model.AvailabilityModel.RevocationView;
import dev.cmk.http.model.AvailabilityModel.SetFallback;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.availability.RevocationService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/** Key availability, its events, revoke now and the fallback switch. */
final class AvailabilityRoutes {
  private final RevocationService revocation;

  AvailabilityRoutes(RevocationService revocation) {
    this.revocation = revocation;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/key-status", this::status);
    r.get("/v1/accounts/{accountId}/key-events", this::events);
    r.post("/v1/accounts/{accountId}/revoke", this::revoke);
    r.post("/v1/accounts/{accountId}/revoke/lift", this::lift);
    r.put("/v1/accounts/{accountId}/fallback", this::setFallback);
  }

  private void status(Context ctx) {
    Json.write(ctx, 200, KeyStatusView.of(revocation.keyStatus(ctx.pathParam("accountId"))));
  }

  private void events(Context ctx) {
    int limit = intParam(ctx, "limit", 100);
    Json.write(
        ctx,
        200,
        revocation.events(ctx.pathParam("accountId"), limit).stream()
            .map(KeyEventView::of)
            .toList());
  }

  private void revoke(Context ctx) {
    Json.write(
        ctx,
        200,
        RevocationView.of(revocation.revoke(Callers.of(ctx), ctx.pathParam("accountId")), false));
  }

  private void lift(Context ctx) {
    Json.write(
        ctx,
        200,
        RevocationView.of(revocation.lift(Callers.of(ctx), ctx.pathParam("accountId")), false));
  }

  private void setFallback(Context ctx) {
    SetFallback req = Json.body(ctx, SetFallback.class);
    if (req.enabled() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "enabled (true or false) is required");
    }
    Optional<FallbackMode> mode = Optional.ofNullable(req.mode()).map(FallbackMode::parse);
    Json.write(
        ctx,
        200,
        AccountView.of(
            revocation.setFallback(
                Callers.of(ctx), ctx.pathParam("accountId"), req.enabled(), mode)));
  }

  static int intParam(Context ctx, String name, int dflt) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, name + " must be a number");
    }
  }
}
