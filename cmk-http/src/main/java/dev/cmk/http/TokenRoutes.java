package dev.cmk.http;

import dev.cmk.http.model.ApiModel.CreateToken;
import dev.cmk.http.model.ApiModel.CreatedToken;
import dev.cmk.http.model.ApiModel.TokenView;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.auth.IssuedToken;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Operator-only token management. A created token's secret is in the response once and never again;
 * creation takes no Idempotency-Key because replaying it would mean storing the secret.
 */
final class TokenRoutes {
  private final TokenService tokens;

  TokenRoutes(TokenService tokens) {
    this.tokens = tokens;
  }

  void register(RoutesConfig r) {
    r.post("/v1/tokens", this::create);
    r.get("/v1/tokens", this::list);
    r.delete("/v1/tokens/{tokenId}", this::revoke);
  }

  private void create(Context ctx) {
    CreateToken req = Json.body(ctx, CreateToken.class);
    IssuedToken t = tokens.create(Callers.of(ctx), spec(req));
    ctx.header("Cache-Control", "no-store");
    Json.write(ctx, 201, new CreatedToken(TokenView.of(t.token()), t.secret()));
  }

  static TokenService.Spec spec(CreateToken req) {
    if (req.role() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "role is required: operator|admin|service");
    }
    Role role;
    try {
      role = Role.valueOf(req.role().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "role '" + req.role() + "' is not operator|admin|service");
    }
    return new TokenService.Spec(
        role,
        Optional.ofNullable(req.accountId()),
        req.services() == null ? Set.of() : Set.copyOf(req.services()),
        req.label());
  }

  private void list(Context ctx) {
    String self = AccessPolicy.principal(ctx).map(ApiToken::id).orElse("");
    java.util.Map<String, java.time.Instant> used = tokens.lastUsed();
    Json.write(
        ctx,
        200,
        tokens.list().stream()
            .map(t -> TokenView.of(t, used.get(t.id()), t.id().equals(self)))
            .toList());
  }

  private void revoke(Context ctx) {
    Json.write(ctx, 200, TokenView.of(tokens.revoke(Callers.of(ctx), ctx.pathParam("tokenId"))));
  }
}
