package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.search.SearchIndexService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call which route, decided in one place before every matched handler. Rules go by the
 * route's path template, so a route added later is protected by default:
 *
 * <ul>
 *   <li>open: {@code /v1/health}, {@code /metrics}, {@code /v1/openapi.json} (no account data);
 *   <li>{@code GET /v1/catalog}: any valid token;
 *   <li>content ({@code /v1/accounts/{accountId}/content/...}): service tokens of that account (or
 *       of every account) whose services include the asset type's service;
 *   <li>{@code GET /v1/accounts/{accountId}/objects/...}: those service tokens, the account's
 *       admins and operators;
 *   <li>the search index ({@code /v1/accounts/{accountId}/search...}): service tokens of that
 *       account (or of every account) whose services include {@code search};
 *   <li>{@code PATCH /v1/accounts/{accountId}} (operator options): operators;
 *   <li>anything else under {@code /v1/accounts/{accountId}}: the account's admins and operators;
 *   <li>everything else: operators only.
 * </ul>
 *
 * <p>A route that needs another rule (e.g. a service-facing route under an account) gets an entry
 * in {@link #EXPLICIT}, keyed {@code "METHOD template"}; the cross-account matrix test covers it.
 *
 * <p><b>Security:</b> 401 {@code unauthenticated} without a valid token, 403 {@code forbidden} with
 * a valid token of another role or account. Token secrets never reach a log.
 */
final class AccessPolicy {
  static final String PRINCIPAL = "cmk.principal";
  private static final String ACCOUNT = "/v1/accounts/{accountId}";
  private static final Set<String> OPEN_PATHS =
      Set.of("/v1/health", "/metrics", "/v1/openapi.json");

  /** The kinds of access a route may require. */
  enum Rule {
    OPEN,
    ANY_TOKEN,
    OPERATOR,
    ACCOUNT_ADMIN,
    ACCOUNT_READ,
    CONTENT,
    LIVE_CALL,
    SEARCH
  }

  private final TokenService tokens;
  private final Catalog catalog;

  AccessPolicy(TokenService tokens, Catalog catalog) {
    this.tokens = tokens;
    this.catalog = catalog;
  }

  /** Exceptions to the path rules, keyed {@code "METHOD template"}. */
  static final Map<String, Rule> EXPLICIT =
      Map.of(
          // an operator-enabled option that needs a support request, like PATCH of the account
          "PUT " + ACCOUNT + "/drop-calls", Rule.OPERATOR,
          // live calls are opened, read and ended by the phone service
          "POST " + ACCOUNT + "/sessions", Rule.LIVE_CALL,
          "GET " + ACCOUNT + "/sessions/{sessionId}", Rule.LIVE_CALL,
          "DELETE " + ACCOUNT + "/sessions/{sessionId}", Rule.LIVE_CALL,
          // the search index is written and queried by the search service only
          "PUT " + ACCOUNT + "/search/documents/{documentId}", Rule.SEARCH,
          "DELETE " + ACCOUNT + "/search/documents/{documentId}", Rule.SEARCH,
          "GET " + ACCOUNT + "/search", Rule.SEARCH);

  static Rule ruleFor(HandlerType method, String template) {
    Rule explicit = EXPLICIT.get(method.name() + " " + template);
    if (explicit != null) {
      return explicit;
    }
    if (OPEN_PATHS.contains(template)) {
      return Rule.OPEN;
    }
    if (template.equals("/v1/catalog") && method == HandlerType.GET) {
      return Rule.ANY_TOKEN;
    }
    if (template.equals("/v1/providers") && method == HandlerType.GET) {
      return Rule.ANY_TOKEN;
    }
    if (template.startsWith(ACCOUNT + "/content/")) {
      return Rule.CONTENT;
    }
    if (template.startsWith(ACCOUNT + "/objects/") && method == HandlerType.GET) {
      return Rule.ACCOUNT_READ;
    }
    if (template.equals(ACCOUNT) && method == HandlerType.PATCH) {
      return Rule.OPERATOR;
    }
    if (template.equals(ACCOUNT) || template.startsWith(ACCOUNT + "/")) {
      return Rule.ACCOUNT_ADMIN;
    }
    return Rule.OPERATOR;
  }

  /** The before-matched handler. */
  void check(Context ctx) {
    Endpoint e = ctx.endpoints().matchedHttpEndpoint();
    if (e == null) {
      return;
    }
    Rule rule = ruleFor(e.method, e.path);
    if (rule == Rule.OPEN) {
      return;
    }
    ApiToken t = authenticate(ctx);
    ctx.attribute(PRINCIPAL, t);
    Map<String, String> params = ctx.pathParamMap();
    String account = params.getOrDefault("accountId", "");
    boolean ok =
        switch (rule) {
          case OPEN, ANY_TOKEN -> true;
          case OPERATOR -> t.role() == Role.OPERATOR;
          case ACCOUNT_ADMIN -> t.role() != Role.SERVICE && t.coversAccount(account);
          case ACCOUNT_READ -> t.coversAccount(account);
          case CONTENT ->
              t.role() == Role.SERVICE
                  && t.coversAccount(account)
                  && servesAsset(t, params.getOrDefault("assetType", ""));
          case LIVE_CALL ->
              t.role() == Role.SERVICE && t.coversAccount(account) && servesAsset(t, "live-call");
          case SEARCH ->
              t.role() == Role.SERVICE
                  && t.coversAccount(account)
                  && servesAsset(t, SearchIndexService.ASSET_TYPE);
        };
    if (!ok) {
      throw new CmkException(
          ErrorCode.FORBIDDEN,
          "this " + t.role().name().toLowerCase(java.util.Locale.ROOT) + " token " + why(rule));
    }
  }

  private ApiToken authenticate(Context ctx) {
    String h = ctx.header("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new CmkException(
          ErrorCode.UNAUTHENTICATED, "a bearer token is required (Authorization: Bearer …)");
    }
    return tokens
        .authenticate(h.substring(7).strip())
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.UNAUTHENTICATED, "the bearer token is unknown or revoked"));
  }

  /** An unknown asset type passes here, so the handler answers 404 asset_type_not_found. */
  private boolean servesAsset(ApiToken t, String assetType) {
    Optional<AssetType> type = catalog.find(assetType);
    return type.isEmpty() || t.services().contains(type.get().service());
  }

  private static String why(Rule rule) {
    return switch (rule) {
      case OPERATOR -> "cannot call an operator route";
      case ACCOUNT_ADMIN -> "cannot administer this account (needs its admin or an operator)";
      case ACCOUNT_READ -> "cannot read this account's objects";
      case CONTENT ->
          "cannot access this content: needs a service token of this account whose services"
              + " include the asset type's service";
      case LIVE_CALL ->
          "cannot handle live calls: needs a service token of this account whose services include"
              + " the live-call asset type's service (phone)";
      case SEARCH ->
          "cannot use the search index: needs a service token of this account whose services"
              + " include the search-index asset type's service (search)";
      default -> "is not allowed here";
    };
  }

  /** The token that authenticated the request; empty on open routes. */
  static Optional<ApiToken> principal(Context ctx) {
    return Optional.ofNullable(ctx.attribute(PRINCIPAL));
  }
}
