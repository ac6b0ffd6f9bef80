package dev.cmk.http;

import dev.cmk.service.auth.ApiToken;
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.idempotency.IdempotencyService.Response;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * The {@code Idempotency-Key} header on POSTs a client may retry: without the header the handler
 * just runs; with it, a retry replays the first response ({@code Idempotent-Replayed: true}).
 */
final class Idempotency {
  static final String HEADER = "Idempotency-Key";

  private Idempotency() {}

  /** A handler's answer before it is written. */
  record Answer(int status, Object body) {}

  static void respond(Context ctx, IdempotencyService service, Supplier<Answer> handler) {
    respond(ctx, service, ctx.method() + " " + ctx.path() + "\n" + ctx.body(), handler);
  }

  /**
   * For a route whose body is streamed (content uploads): the body can be read only once, by the
   * handler, so the request's fingerprint is its method, path and the headers that shape it (owner,
   * length, media type), not its bytes. A key reused with another body of the same length is then
   * not detected as reuse; the content route derives the object id from the key, so it still makes
   * at most one object per key.
   */
  static void respondStreamed(Context ctx, IdempotencyService service, Supplier<Answer> handler) {
    String shape =
        ctx.method()
            + " "
            + ctx.path()
            + "\nuser="
            + ctx.header("X-CMK-User")
            + "\nlength="
            + ctx.header("Content-Length")
            + "\ntype="
            + ctx.header("Content-Type");
    respond(ctx, service, shape, handler);
  }

  private static void respond(
      Context ctx, IdempotencyService service, String fingerprint, Supplier<Answer> handler) {
    String key = ctx.header(HEADER);
    if (key == null) {
      Answer a = handler.get();
      Json.write(ctx, a.status(), a.body());
      return;
    }
    String scope = AccessPolicy.principal(ctx).map(ApiToken::id).orElse("anonymous");
    Response r =
        service.run(
            scope,
            key,
            hash(fingerprint),
            () -> {
              Answer a = handler.get();
              return new Response(a.status(), Json.text(a.body()), false);
            });
    if (r.replayed()) {
      ctx.header("Idempotent-Replayed", "true");
    }
    ctx.status(r.status()).contentType("application/json").result(r.body());
  }

  private static String hash(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
