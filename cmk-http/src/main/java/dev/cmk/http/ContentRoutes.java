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
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content of catalogued asset types. The body is the raw content; the owner (for meeting assets the
 * organizer), whose license decides the protection, comes in the {@code X-CMK-User} header.
 */
final class ContentRoutes {
  static final String USER_HEADER = "X-CMK-User";
  private static final Logger LOG = LoggerFactory.getLogger(ContentRoutes.class);
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
    Idempotency.respondStreamed(
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
    // the body streams from the socket through the envelope into the blob store: never read whole
    // (ctx.bodyAsBytes() would buffer it and is capped by the server's maxRequestSize instead)
    InputStream body = new RequestBody(ctx.req());
    return content.put(
        Callers.of(ctx),
        ctx.pathParam("accountId"),
        ctx.pathParam("assetType"),
        user,
        objectId,
        body,
        ctx.req().getContentLengthLong());
  }

  /**
   * Streams the plaintext as it is decrypted, chunk by chunk, with the object's length as
   * Content-Length. Everything that can refuse the read (key, KEK, commitment) is checked before
   * the status is sent; a chunk that fails to authenticate later, or a client that goes away,
   * aborts the response, so a client never takes a cut-short body for the whole content.
   */
  private void get(Context ctx) throws IOException {
    try (ContentService.Streamed c =
        content.open(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            ctx.pathParam("assetType"),
            ctx.pathParam("objectId"))) {
      ctx.header("X-CMK-Protection", c.object().protection().name());
      ctx.header("X-CMK-Kek-Id", c.object().kekId());
      ctx.status(200).contentType("application/octet-stream");
      HttpServletResponse res = ctx.res();
      res.setContentLengthLong(c.object().plaintextSize());
      try {
        OutputStream out = res.getOutputStream();
        // a buffer of at least one chunk: each chunk is decrypted straight into it
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = c.plaintext().read(buf)) >= 0; ) {
          out.write(buf, 0, n);
        }
        java.util.Arrays.fill(buf, (byte) 0);
        out.flush();
      } catch (IOException e) {
        aborted(ctx, e);
      }
    }
  }

  /**
   * A download that failed after its status was sent: the client went away (logged at debug) or a
   * chunk did not authenticate (a warning, no stack trace); either way the connection is aborted.
   */
  private static void aborted(Context ctx, IOException e) {
    if (String.valueOf(e.getMessage()).startsWith("decryption failed")) {
      LOG.warn("request {} {} aborted: {}", ctx.method(), ctx.path(), e.getMessage());
    } else {
      LOG.debug(
          "request {} {}: the client went away during the download: {}",
          ctx.method(),
          ctx.path(),
          e.toString());
    }
    throw new AbortedDownload();
  }

  /** Tells the server the response cannot be completed; it resets the connection. */
  static final class AbortedDownload extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbortedDownload() {
      super("download aborted", null, false, false);
    }
  }

  private void describe(Context ctx) {
    Json.write(
        ctx, 200, view(content.describe(ctx.pathParam("accountId"), ctx.pathParam("objectId"))));
  }

  /**
   * The request's body, opened on its first read. Jetty answers {@code 100 Continue} as soon as the
   * servlet input stream is taken, so taking it before the declared length was checked would invite
   * a client that sent {@code Expect: 100-continue} to start an upload the node then refuses (413)
   * and cuts off mid-body, which such a client sees as a connection closed without an answer.
   * Opened lazily, a refusal on the headers alone is answered before the client sends a byte.
   */
  static final class RequestBody extends InputStream {
    private final jakarta.servlet.http.HttpServletRequest request;
    private @Nullable InputStream in;

    RequestBody(jakarta.servlet.http.HttpServletRequest request) {
      this.request = request;
    }

    private InputStream in() throws IOException {
      InputStream opened = in;
      if (opened == null) {
        opened = request.getInputStream();
        in = opened;
      }
      return opened;
    }

    @Override
    public int read() throws IOException {
      return in().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in().read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      return in == null ? 0 : in.available();
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
      }
    }
  }
}
