package dev.cmk.http;

import dev.cmk.http.model.ApiModel.ObjectView;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.kek.Protection;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Content of catalogued asset types. The body is the raw content; the owner (for meeting assets the
 * organizer), whose license decides the protection, comes in the {@code X-CMK-User} header.
 */
final class ContentRoutes {
  static final String USER_HEADER = "X-CMK-User";
  private final ContentService content;
  private final IdempotencyService idempotency;

  ContentRoutes(ContentService content, IdempotencyService idempotency) {
    this.content = content;
    this.idempotency = idempotency;
  }

  void register(RoutesConfig r) {
    r.post("/v1/accounts/{accountId}/content/{assetType}", this::create);
    r.put("/v1/accounts/{accountId}/content/{assetType}/{objectId}", this::put);
    r.get("/v1/accounts/{accountId}/content/{assetType}/{objectId}", this::get);
    r.get("/v1/accounts/{accountId}/objects/{objectId}", this::describe);
  }

  /**
   * With an {@code Idempotency-Key} the object's id derives from the caller's token and the key
   * ({@code i-} + 40 hex of SHA-256): however often a client retries, and whichever node takes the
   * retry, at most one object exists per key. A retry after the first attempt's node died between
   * its commit and storing the response finds that object and answers with it (201).
   */
  private void create(Context ctx) {
    String key = ctx.header(Idempotency.HEADER);
    if (key == null) {
      Json.write(ctx, 201, view(store(ctx, Optional.empty())));
      return;
    }
    String scope = AccessPolicy.principal(ctx).map(ApiToken::id).orElse("anonymous");
    String id = "i-" + sha256Hex(scope + "\n" + key).substring(0, 40);
    Idempotency.respond(
        ctx,
        idempotency,
        () -> {
          try {
            return new Idempotency.Answer(201, view(store(ctx, Optional.of(id))));
          } catch (CmkException e) {
            if (e.code() != ErrorCode.CONFLICT) {
              throw e;
            }
            // the object of this key exists: an earlier attempt committed it, then lost its node
            return new Idempotency.Answer(
                201, view(content.describe(ctx.pathParam("accountId"), id)));
          }
        });
  }

  private static String sha256Hex(String s) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void put(Context ctx) {
    Json.write(ctx, 201, view(store(ctx, Optional.of(ctx.pathParam("objectId")))));
  }

  /** The object and, for a fallback write, why it went under the backup key. */
  private ObjectView view(StoredObject o) {
    return ObjectView.of(
        o,
        o.protection() == Protection.FALLBACK
            ? content.fallbackCause(o.accountId(), o.objectId())
            : Optional.empty());
  }

  private StoredObject store(Context ctx, Optional<String> objectId) {
    String user = ctx.header(USER_HEADER);
    if (user == null) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "header " + USER_HEADER + " (the content's owner) is required");
    }
    return content.put(
        Callers.of(ctx),
        ctx.pathParam("accountId"),
        ctx.pathParam("assetType"),
        user,
        objectId,
        ctx.bodyAsBytes());
  }

  private void get(Context ctx) {
    var c =
        content.get(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            ctx.pathParam("assetType"),
            ctx.pathParam("objectId"));
    ctx.header("X-CMK-Protection", c.object().protection().name());
    ctx.header("X-CMK-Kek-Id", c.object().kekId());
    ctx.status(200).contentType("application/octet-stream").result(c.plaintext());
  }

  private void describe(Context ctx) {
    Json.write(
        ctx, 200, view(content.describe(ctx.pathParam("accountId"), ctx.pathParam("objectId"))));
  }
}
