package dev.cmk.http;

import dev.cmk.http.model.ApiModel.AccountView;
import dev.cmk.http.model.AvailabilityModel.OpenSession;
import dev.cmk.http.model.AvailabilityModel.SessionView;
import dev.cmk.http.model.AvailabilityModel.SetFallback;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.session.SessionService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** Live sessions (phone calls) and the operator's drop-calls option. */
final class SessionRoutes {
  private final SessionService sessions;

  SessionRoutes(SessionService sessions) {
    this.sessions = sessions;
  }

  void register(RoutesConfig r) {
    r.post("/v1/accounts/{accountId}/sessions", this::open);
    r.get("/v1/accounts/{accountId}/sessions/{sessionId}", this::get);
    r.delete("/v1/accounts/{accountId}/sessions/{sessionId}", this::end);
    r.put("/v1/accounts/{accountId}/drop-calls", this::setDropCalls);
  }

  private void open(Context ctx) {
    OpenSession req = Json.body(ctx, OpenSession.class);
    if (req.userId() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "userId (the caller) is required");
    }
    var opened = sessions.open(Callers.of(ctx), ctx.pathParam("accountId"), req.userId());
    Json.write(ctx, 201, SessionView.of(opened.session(), opened.sessionKey()));
  }

  private void get(Context ctx) {
    Json.write(
        ctx,
        200,
        SessionView.of(sessions.get(ctx.pathParam("accountId"), ctx.pathParam("sessionId")), null));
  }

  private void end(Context ctx) {
    Json.write(
        ctx,
        200,
        SessionView.of(sessions.end(ctx.pathParam("accountId"), ctx.pathParam("sessionId")), null));
  }

  private void setDropCalls(Context ctx) {
    SetFallback req = Json.body(ctx, SetFallback.class);
    if (req.enabled() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "enabled (true or false) is required");
    }
    Json.write(
        ctx,
        200,
        AccountView.of(
            sessions.setDropCalls(Callers.of(ctx), ctx.pathParam("accountId"), req.enabled())));
  }
}
