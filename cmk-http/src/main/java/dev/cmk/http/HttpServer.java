package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.AuditArchiveService;
import dev.cmk.service.audit.AuditService;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.blob.BlobStoreException;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.catalog.CatalogService;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.coverage.CoverageService;
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.search.SearchIndexService;
import dev.cmk.service.session.SessionService;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The HTTP server: the /v1 API, health, metrics and the web console's static files ({@link
 * Console}). It holds no state of its own; every route calls one service method.
 */
public final class HttpServer implements AutoCloseable {
  private final Javalin app;
  private final AtomicLong clientAborts = new AtomicLong();
  private final Uploads uploads;
  private final List<Template> templates = new ArrayList<>();

  /** Where to listen, how large a request body may be, and the limits on slow or many uploads. */
  public record Config(String host, int port, long maxRequestBytes, Limits limits) {
    public Config(String host, int port, long maxRequestBytes) {
      this(host, port, maxRequestBytes, Limits.DEFAULTS);
    }
  }

  /**
   * What one client can hold: a connection idle (nothing sent) for {@code idleTimeout} is closed; a
   * body that arrives slower on average than {@code minRequestDataRate} bytes/s is refused with 408
   * (0: off; Jetty measures from the request's start, so on a busy node a small body read late
   * fails too); a content upload still running after {@code uploadTimeout} has its connection
   * closed; at most {@code maxUploads} content uploads run at once on the node (503 {@code
   * server_busy}) and {@code maxUploadsPerToken} for one token (429 {@code too_many_uploads}).
   */
  public record Limits(
      Duration idleTimeout,
      long minRequestDataRate,
      int maxUploads,
      int maxUploadsPerToken,
      Duration uploadTimeout) {
    public static final Limits DEFAULTS =
        new Limits(Duration.ofSeconds(30), 0, 64, 16, Duration.ofMinutes(10));

    public Limits {
      if (idleTimeout.isNegative()
          || idleTimeout.isZero()
          || uploadTimeout.isNegative()
          || uploadTimeout.isZero()) {
        throw new IllegalArgumentException(
            "server.idleTimeout and server.uploadTimeout must be positive");
      }
      if (minRequestDataRate < 0 || maxUploads < 1 || maxUploadsPerToken < 1) {
        throw new IllegalArgumentException(
            "server.minRequestDataRate must be >= 0, server.maxUploads and"
                + " server.maxUploadsPerToken >= 1");
      }
    }
  }

  /** A route template as a pattern, to tell 405 (path known, method not) from 404. */
  private record Template(String method, Pattern path) {}

  /** The services the routes call. */
  public record Services(
      AccountService accounts,
      KeyService keys,
      ContentService content,
      Catalog catalog,
      CatalogService catalogAdmin,
      TokenService tokens,
      IdempotencyService idempotency,
      PolicyTemplates policies,
      Supplier<String> prometheusScrape,
      Availability availability,
      SearchIndexService search,
      AuditService audit,
      AuditArchiveService auditArchive,
      dev.cmk.service.events.WebhookService webhooks) {}

  /**
   * The services of issue 6: key availability, revocation, jobs, rotation, live sessions; and of
   * issue 16: the coverage report.
   */
  public record Availability(
      RevocationService revocation,
      JobService jobs,
      SessionService sessions,
      CoverageService coverage) {}

  /** A registered route: method and path template, e.g. {@code GET /v1/accounts/{accountId}}. */
  public record Route(String method, String path) {}

  @SuppressWarnings("removal") // minRequestDataRate: enforced by Jetty 12.1's servlet input
  public HttpServer(Config config, Services s) {
    Limits limits = config.limits();
    Uploads uploads =
        new Uploads(
            limits.maxUploads(), limits.maxUploadsPerToken(), limits.uploadTimeout(), clientAborts);
    this.uploads = uploads;
    this.app =
        Javalin.create(
            c -> {
              c.jetty.host = config.host();
              c.jetty.port = config.port();
              c.http.maxRequestSize = config.maxRequestBytes();
              c.startup.showJavalinBanner = false;
              c.jetty.modifyHttpConfiguration(
                  h -> {
                    h.setIdleTimeout(limits.idleTimeout().toMillis());
                    h.setMinRequestDataRate(limits.minRequestDataRate());
                    h.setSendServerVersion(false);
                  });
              c.jetty.modifyServer(
                  server -> {
                    server.setErrorHandler(new JettyErrors());
                    for (var connector : server.getConnectors()) {
                      if (connector instanceof org.eclipse.jetty.server.AbstractConnector a) {
                        a.setIdleTimeout(limits.idleTimeout().toMillis());
                      }
                    }
                  });
              c.jetty.modifyServletContextHandler(
                  h -> {
                    h.setErrorHandler(new JettyErrors());
                    h.addFilter(
                        MethodOverrideOff.class,
                        "/*",
                        java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
                  });
              c.router.javaLangErrorHandler(ErrorMapper::fatal);
              c.router.handlerWrapper(
                  e ->
                      AccessPolicy.ruleFor(e.method, e.path) == AccessPolicy.Rule.CONTENT
                              && (e.method == HandlerType.POST || e.method == HandlerType.PUT)
                          ? uploads.limit(e.handler)
                          : e.handler);
              Console.serve(c);
              RoutesConfig r = c.routes;
              r.before(RequestIds::assign);
              r.before(HttpServer::apiHeaders);
              r.beforeMatched(new AccessPolicy(s.tokens(), s.catalog())::check);
              r.exception(CmkException.class, ErrorMapper::service);
              r.exception(ContentRoutes.AbortedDownload.class, (e, ctx) -> {}); // logged, reset
              r.exception(BlobStoreException.class, ErrorMapper::blobStore);
              r.exception(
                  HttpResponseException.class,
                  (e, ctx) -> {
                    if (e.getStatus() == 404) {
                      notFound(ctx);
                    } else {
                      ErrorMapper.http(e, ctx);
                    }
                  });
              r.exception(
                  Exception.class, (e, ctx) -> ErrorMapper.unexpected(e, ctx, clientAborts));
              r.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null || ctx.result().isEmpty()) {
                      notFound(ctx);
                    }
                  });
              r.get("/v1/health", HttpServer::health);
              r.get("/v1/openapi.json", HttpServer::openApi);
              r.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4")
                          .result(OpenMetrics.withoutAccountSeries(s.prometheusScrape().get())));
              r.get(
                  "/v1/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4")
                          .result(s.prometheusScrape().get()));
              new AccountRoutes(s.accounts(), s.idempotency()).register(r);
              new LicenseRoutes(s.accounts()).register(r);
              new CatalogRoutes(s.catalogAdmin(), s.idempotency()).register(r);
              new KeyRoutes(s.accounts(), s.keys()).register(r);
              new PolicyRoutes(s.accounts(), s.keys(), s.policies()).register(r);
              new ContentRoutes(s.content(), s.idempotency()).register(r);
              new TokenRoutes(s.tokens()).register(r);
              new AvailabilityRoutes(s.availability().revocation()).register(r);
              new CoverageRoutes(s.availability().coverage()).register(r);
              new JobRoutes(s.availability().jobs()).register(r);
              new SessionRoutes(s.availability().sessions()).register(r);
              new SearchRoutes(s.search()).register(r);
              new AuditRoutes(s.audit()).register(r);
              new AuditArchiveRoutes(s.auditArchive()).register(r);
              new WebhookRoutes(s.webhooks()).register(r);
              new ProviderRoutes(s.keys()).register(r);
            });
    for (Route route : routes()) {
      templates.add(new Template(route.method(), templatePattern(route.path())));
    }
  }

  private static Pattern templatePattern(String template) {
    StringBuilder b = new StringBuilder();
    for (String part : template.split("(?=\\{)|(?<=})")) {
      b.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
    }
    return Pattern.compile(b.toString());
  }

  /** No route for this method and path: 405 with Allow when the path has other methods. */
  private void notFound(Context ctx) {
    List<String> allowed = allowedMethods(ctx.path());
    if (allowed.isEmpty()) {
      ErrorMapper.notFound(ctx);
    } else {
      ErrorMapper.methodNotAllowed(ctx, allowed);
    }
  }

  /** The methods served on {@code path}, for 405 + Allow; empty when no route has that path. */
  private List<String> allowedMethods(String path) {
    return templates.stream()
        .filter(t -> t.path().matcher(path).matches())
        .map(Template::method)
        .distinct()
        .sorted()
        .toList();
  }

  /** Requests that ended because the client went away (e.g. mid-upload); a metric's source. */
  public long clientAborts() {
    return clientAborts.get();
  }

  /** The OpenAPI document, a reviewed resource; a test keeps it equal to the routes served. */
  private static void openApi(Context ctx) {
    ctx.contentType("application/json").result(OPENAPI);
  }

  private static final String OPENAPI = loadOpenApi();

  private static String loadOpenApi() {
    try (InputStream in = HttpServer.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void health(Context ctx) {
    Json.write(ctx, 200, Map.of("status", "ok"));
  }

  /** Every HTTP route the server serves, read from the router (tests compare it with the API). */
  public List<Route> routes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        .map(p -> p.endpoint)
        .filter(e -> e.method.isHttpMethod())
        .map(e -> new Route(e.method.name(), e.path))
        .distinct()
        .toList();
  }

  public HttpServer start() {
    app.start();
    return this;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
    uploads.close();
  }

  /**
   * Every API answer may carry key material or content (a session key, a read's plaintext): no
   * cache may keep it and no browser may sniff it into something else. The console sets its own.
   */
  private static void apiHeaders(io.javalin.http.Context ctx) {
    SecurityHeaders.apply(ctx.path(), ctx::header);
  }
}
