package dev.cmk.http;

import dev.cmk.http.model.ApiModel.ErrorBody;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.blob.BlobStoreException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into the API's one error shape. Service errors keep their stable code;
 * anything unexpected becomes {@code internal_error} with a request id to find it in the log.
 */
public final class ErrorMapper {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  public static int status(ErrorCode.Kind kind) {
    return switch (kind) {
      case INVALID -> 400;
      case UNAUTHENTICATED -> 401;
      case FORBIDDEN -> 403;
      case NOT_FOUND -> 404;
      case CONFLICT, REFUSED -> 409;
      case TOO_LARGE -> 413;
      case DECRYPTION_FAILED -> 422;
      case UNAVAILABLE -> 503;
      case INTERNAL -> 500;
    };
  }

  static void service(CmkException e, Context ctx) {
    if (e.code() == ErrorCode.KEY_UNAVAILABLE || e.code() == ErrorCode.BLOB_STORE_UNAVAILABLE) {
      ctx.header("Retry-After", "30");
    }
    if (e.code() == ErrorCode.UNAUTHENTICATED) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"cmk\"");
    }
    write(ctx, status(e.code().kind()), e.code().code(), e.getMessage(), e.details());
  }

  /**
   * A blob store failure: the client gets the stable code and a 503 without the store's internals;
   * the log gets the store's own error (bucket, key, S3 error code) under the request id.
   */
  static void blobStore(BlobStoreException e, Context ctx) {
    LOG.warn(
        "request {} {} failed [{}]: {}",
        ctx.method(),
        ctx.path(),
        RequestIds.of(ctx),
        e.toString());
    service(e.toServiceError(), ctx);
  }

  static void http(HttpResponseException e, Context ctx) {
    String code =
        switch (e.getStatus()) {
          case 413 -> ErrorCode.CONTENT_TOO_LARGE.code();
          case 404 -> "route_not_found";
          case 405 -> "method_not_allowed";
          default -> e.getStatus() < 500 ? ErrorCode.INVALID_REQUEST.code() : "internal_error";
        };
    write(ctx, e.getStatus(), code, e.getMessage(), Map.of());
  }

  static void unexpected(Exception e, Context ctx) {
    LOG.error("request {} {} failed [{}]", ctx.method(), ctx.path(), RequestIds.of(ctx), e);
    write(ctx, 500, ErrorCode.INTERNAL.code(), "internal error; quote the request id", Map.of());
  }

  static void notFound(Context ctx) {
    write(ctx, 404, "route_not_found", "no route " + ctx.method() + " " + ctx.path(), Map.of());
  }

  static void write(
      Context ctx, int status, String code, String message, Map<String, Object> details) {
    Json.write(
        ctx,
        status,
        new ErrorBody(
            new ErrorBody.Error(
                code, message, details.isEmpty() ? null : details, RequestIds.of(ctx))));
  }
}
