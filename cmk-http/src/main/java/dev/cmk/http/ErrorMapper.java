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
  static final String ROUTE_NOT_FOUND = "route_not_found";
  static final String METHOD_NOT_ALLOWED = "method_not_allowed";
  static final String REQUEST_TIMEOUT = ErrorCode.REQUEST_TIMEOUT.code();
  static final String URI_TOO_LONG = "uri_too_long";
  static final String HEADERS_TOO_LARGE = "headers_too_large";
  static final String CLIENT_CLOSED = "client_closed_request";

  /** The codes the HTTP layer answers besides {@link ErrorCode}'s (the OpenAPI enum lists all). */
  public static final java.util.Set<String> HTTP_CODES =
      java.util.Set.of(
          ROUTE_NOT_FOUND,
          METHOD_NOT_ALLOWED,
          REQUEST_TIMEOUT,
          URI_TOO_LONG,
          HEADERS_TOO_LARGE,
          CLIENT_CLOSED);

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
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case TOO_MANY -> 429;
      case TIMEOUT -> 408;
    };
  }

  static void service(CmkException e, Context ctx) {
    if (e.code() == ErrorCode.KEY_UNAVAILABLE || e.code() == ErrorCode.BLOB_STORE_UNAVAILABLE) {
      ctx.header("Retry-After", "30");
    }
    if (e.code() == ErrorCode.UNSUPPORTED_MEDIA_TYPE) {
      ctx.header("Accept", "application/json");
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
          case 404 -> ROUTE_NOT_FOUND;
          case 405 -> METHOD_NOT_ALLOWED;
          default -> JettyErrors.code(e.getStatus());
        };
    String message = e.getMessage();
    write(ctx, e.getStatus(), code, message != null ? message : code, Map.of());
  }

  /**
   * Anything no other mapper took. A client that went away mid-request is the client's doing:
   * counted and logged once at DEBUG, no stack trace. Jetty's own refusals while reading a body
   * (408 too slow, 400 bad chunking, 413) keep their status. The rest is a bug: 500 and ERROR.
   */
  static void unexpected(Exception e, Context ctx, java.util.concurrent.atomic.AtomicLong aborts) {
    if (clientGone(e, ctx, aborts)) {
      return;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.util.concurrent.TimeoutException) {
        LOG.debug("request {} {} [{}]: {}", ctx.method(), ctx.path(), RequestIds.of(ctx), t);
        ctx.header("Connection", "close");
        write(ctx, 408, REQUEST_TIMEOUT, reason(408), Map.of());
        return;
      }
      if (t instanceof org.eclipse.jetty.http.HttpException h && h.getCode() < 500) {
        LOG.debug("request {} {} [{}]: {}", ctx.method(), ctx.path(), RequestIds.of(ctx), t);
        if (h.getCode() == 408) {
          ctx.header("Connection", "close");
        }
        write(ctx, h.getCode(), JettyErrors.code(h.getCode()), reason(h.getCode()), Map.of());
        return;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (databaseUnreachable(t)) {
        LOG.warn(
            "request {} {} [{}]: the metadata database cannot be reached: {}",
            ctx.method(),
            ctx.path(),
            RequestIds.of(ctx),
            t.toString());
        ctx.header("Retry-After", "5");
        write(
            ctx,
            503,
            ErrorCode.DATABASE_UNAVAILABLE.code(),
            "the metadata database cannot be reached; retry later (a write retried with the same"
                + " object id or Idempotency-Key is applied once)",
            Map.of());
        return;
      }
    }
    LOG.error("request {} {} failed [{}]", ctx.method(), ctx.path(), RequestIds.of(ctx), e);
    write(ctx, 500, ErrorCode.INTERNAL.code(), "internal error; quote the request id", Map.of());
  }

  /**
   * A connection-level database failure: the pool timed out waiting for a connection, the server
   * closed or refused it (SQLSTATE class 08), or it is shutting down or restarting (57P0x).
   */
  static boolean databaseUnreachable(Throwable t) {
    if (t instanceof java.sql.SQLTransientConnectionException
        || t instanceof java.sql.SQLNonTransientConnectionException) {
      return true;
    }
    if (t instanceof java.sql.SQLException s && s.getSQLState() != null) {
      String state = s.getSQLState();
      return state.startsWith("08") || state.startsWith("57P0");
    }
    return false;
  }

  /**
   * Whether {@code e} says the client closed the connection (e.g. mid-upload); if so it is counted,
   * logged once at DEBUG and answered (for the log; the client is gone).
   */
  static boolean clientGone(
      Throwable e, Context ctx, java.util.concurrent.atomic.AtomicLong aborts) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (isClientGone(t)) {
        aborts.incrementAndGet();
        LOG.debug(
            "request {} {} [{}]: the client closed the connection ({})",
            ctx.method(),
            ctx.path(),
            RequestIds.of(ctx),
            t.toString());
        try {
          write(ctx, 400, CLIENT_CLOSED, "the client closed the connection", Map.of());
        } catch (RuntimeException ignored) {
          // nothing to answer to
        }
        return true;
      }
    }
    return false;
  }

  private static String reason(int status) {
    return switch (status) {
      case 408 -> "the request body came too slowly (below the minimum data rate) or stopped";
      case 413 -> "the request body is too large";
      default -> "the request could not be read";
    };
  }

  private static boolean isClientGone(Throwable t) {
    return t instanceof org.eclipse.jetty.io.EofException
        || t instanceof java.nio.channels.ClosedChannelException;
  }

  /**
   * An {@link Error} (OutOfMemoryError, StackOverflowError) while serving: still the error shape,
   * written straight to the servlet response; 503 with Retry-After, since it is the node's
   * condition, not the request's fault.
   */
  static void fatal(jakarta.servlet.http.HttpServletResponse res, Error e) {
    String id = res.getHeader(RequestIds.HEADER);
    LOG.error("request failed [{}] with {}", id, e.toString(), e);
    try {
      if (res.isCommitted()) {
        return;
      }
      res.resetBuffer();
      res.setStatus(503);
      res.setHeader("Retry-After", "5");
      res.setContentType("application/json");
      res.getOutputStream()
          .write(
              ("{\"error\":{\"code\":\""
                      + ErrorCode.SERVER_BUSY.code()
                      + "\",\"message\":\"the server could not serve this request; retry later\""
                      + ",\"requestId\":\""
                      + (id == null ? "" : id)
                      + "\"}}")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException | RuntimeException ignored) {
      // the client is gone or the response cannot be written: nothing more to do
    }
  }

  static void notFound(Context ctx) {
    write(
        ctx,
        404,
        ROUTE_NOT_FOUND,
        "no route " + ctx.method() + " " + Echo.cut(ctx.path()),
        Map.of());
  }

  static void methodNotAllowed(Context ctx, java.util.Collection<String> allowed) {
    ctx.header("Allow", String.join(", ", allowed));
    write(
        ctx,
        405,
        METHOD_NOT_ALLOWED,
        ctx.req().getMethod() + " is not allowed here; allowed: " + String.join(", ", allowed),
        Map.of());
  }

  static void write(
      Context ctx, int status, String code, String message, Map<String, Object> details) {
    Json.write(
        ctx,
        status,
        new ErrorBody(
            new ErrorBody.Error(
                code,
                scrub(ctx, message),
                details.isEmpty() ? null : cut(details),
                RequestIds.of(ctx))));
  }

  /**
   * Input echoed in a message is cut short: every path parameter, query value and the content owner
   * header longer than {@link Echo#MAX} is replaced by its first characters and "…".
   */
  private static String scrub(Context ctx, String message) {
    if (message == null) {
      return "";
    }
    String out = message;
    java.util.List<String> echoes = new java.util.ArrayList<>();
    try {
      echoes.addAll(ctx.pathParamMap().values());
    } catch (RuntimeException noRoute) {
      // no matched route: no path parameters
    }
    ctx.queryParamMap().values().forEach(echoes::addAll);
    java.util.List<String> fromBody = ctx.attribute(Json.ECHOES);
    if (fromBody != null) {
      echoes.addAll(fromBody);
    }
    String owner = ctx.header(ContentRoutes.USER_HEADER);
    if (owner != null) {
      echoes.add(owner);
    }
    echoes.sort(java.util.Comparator.comparingInt(String::length).reversed());
    for (String e : echoes) {
      if (e.length() > Echo.MAX && out.contains(e)) {
        out = out.replace(e, Echo.cut(e));
      }
    }
    return out.length() > 1024 ? out.substring(0, 1024) + "…" : out;
  }

  private static Map<String, Object> cut(Map<String, Object> details) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    details.forEach((k, v) -> out.put(k, v instanceof String s ? Echo.cut(s) : v));
    return out;
  }
}
