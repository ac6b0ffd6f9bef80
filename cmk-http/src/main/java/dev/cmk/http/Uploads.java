package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.auth.ApiToken;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A budget for requests that carry content bodies: at most {@code perToken} in flight for one token
 * (429 {@code too_many_uploads}) and {@code total} on the node (503 {@code server_busy}), both with
 * Retry-After. Clients that send slowly hold request threads while their body trickles in; this
 * keeps the rest of the thread pool for health, admin and read routes, and bounds the memory that
 * bodies in flight can take to {@code total} times the largest body.
 */
final class Uploads implements AutoCloseable {
  static final String RETRY_AFTER_SECONDS = "2";
  private final Semaphore total;
  private final int perToken;
  private final ConcurrentHashMap<String, Integer> byToken = new ConcurrentHashMap<>();

  private final java.util.concurrent.atomic.AtomicLong aborts;

  private final java.time.Duration timeout;
  private final java.util.concurrent.ScheduledExecutorService watchdog =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-upload-deadline");
            t.setDaemon(true);
            return t;
          });

  Uploads(
      int total,
      int perToken,
      java.time.Duration timeout,
      java.util.concurrent.atomic.AtomicLong aborts) {
    this.total = new Semaphore(total);
    this.perToken = perToken;
    this.timeout = timeout;
    this.aborts = aborts;
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  /**
   * Past the deadline the upload's connection is closed: a body that trickles in keeps neither its
   * thread nor its slot longer than {@code timeout}. The blocked read then fails and ends the
   * request with 408 {@code request_timeout} (not counted as a client hang-up).
   */
  private java.util.concurrent.ScheduledFuture<?> deadline(
      Context ctx, java.util.concurrent.atomic.AtomicBoolean fired) {
    var request =
        org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(ctx.req());
    return watchdog.schedule(
        () -> {
          fired.set(true);
          if (request != null) {
            request.getConnectionMetaData().getConnection().close();
          }
        },
        timeout.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** {@code handler} run only within the budget; the body is not read when refused. */
  Handler limit(Handler handler) {
    return ctx -> {
      String token = AccessPolicy.principal(ctx).map(ApiToken::id).orElse("");
      boolean[] admitted = {false};
      byToken.compute(
          token,
          (k, n) -> {
            int now = n == null ? 0 : n;
            admitted[0] = now < perToken;
            return admitted[0] ? now + 1 : n;
          });
      if (!admitted[0]) {
        throw busy(
            ctx, ErrorCode.TOO_MANY_UPLOADS, "this token has " + perToken + " uploads in flight");
      }
      if (!total.tryAcquire()) {
        release(token);
        throw busy(
            ctx, ErrorCode.SERVER_BUSY, "the node has as many uploads in flight as it takes");
      }
      var fired = new java.util.concurrent.atomic.AtomicBoolean();
      var cutOff = deadline(ctx, fired);
      try {
        handler.handle(ctx);
      } catch (Exception e) {
        if (fired.get()) {
          // our deadline closed the connection: the request timed out, the client did not hang up
          ctx.header("Connection", "close");
          throw new CmkException(
              ErrorCode.REQUEST_TIMEOUT, "the upload took longer than " + timeout);
        }
        if (!ErrorMapper.clientGone(e, ctx, aborts)) {
          throw e;
        }
      } finally {
        cutOff.cancel(false);
        total.release();
        release(token);
      }
    };
  }

  private void release(String token) {
    byToken.computeIfPresent(token, (k, n) -> n <= 1 ? null : n - 1);
  }

  private static CmkException busy(Context ctx, ErrorCode code, String why) {
    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
    ctx.header("Connection", "close"); // the unread body is not worth waiting for
    return new CmkException(code, why + "; retry in " + RETRY_AFTER_SECONDS + " s");
  }
}
