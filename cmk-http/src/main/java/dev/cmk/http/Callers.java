package dev.cmk.http;

import dev.cmk.service.audit.ActorKind;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.auth.ApiToken;
import io.javalin.http.Context;

/** The audit log's actor for a request: the token's role and id, and the request id. */
final class Callers {
  private Callers() {}

  static Caller of(Context ctx) {
    return AccessPolicy.principal(ctx)
        .map(t -> new Caller(kind(t), t.id(), RequestIds.of(ctx)))
        .orElseGet(() -> new Caller(ActorKind.SYSTEM, "anonymous", RequestIds.of(ctx)));
  }

  private static ActorKind kind(ApiToken t) {
    return switch (t.role()) {
      case OPERATOR -> ActorKind.OPERATOR;
      case ADMIN -> ActorKind.ADMIN;
      case SERVICE -> ActorKind.SERVICE;
    };
  }
}
