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
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.search.SearchIndexService;
import dev.cmk.service.session.SessionService;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP server: the /v1 API, health, metrics and the web console's static files ({@link
 * Console}). It holds no state of its own; every route calls one service method.
 */
public final class HttpServer implements AutoCloseable {
  private final Javalin app;

  /** Where to listen and how large a request body may be. */
  public record Config(String host, int port, long maxRequestBytes) {}

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
      AuditArchiveService auditArchive) {}

  /** The services of issue 6: key availability, revocation, jobs, rotation, live sessions. */
  public record Availability(
      RevocationService revocation, JobService jobs, SessionService sessions) {}

  /** A registered route: method and path template, e.g. {@code GET /v1/accounts/{accountId}}. */
  public record Route(String method, String path) {}

  public HttpServer(Config config, Services s) {
    this.app =
        Javalin.create(
            c -> {
              c.jetty.host = config.host();
              c.jetty.port = config.port();
              c.http.maxRequestSize = config.maxRequestBytes();
              c.startup.showJavalinBanner = false;
              Console.serve(c);
              RoutesConfig r = c.routes;
              r.before(RequestIds::assign);
              r.before(HttpServer::apiHeaders);
              r.beforeMatched(new AccessPolicy(s.tokens(), s.catalog())::check);
              r.exception(CmkException.class, ErrorMapper::service);
              r.exception(ContentRoutes.AbortedDownload.class, (e, ctx) -> {}); // logged, reset
              r.exception(BlobStoreException.class, ErrorMapper::blobStore);
              r.exception(HttpResponseException.class, ErrorMapper::http);
              r.exception(Exception.class, ErrorMapper::unexpected);
              r.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null || ctx.result().isEmpty()) {
                      ErrorMapper.notFound(ctx);
                    }
                  });
              r.get("/v1/health", HttpServer::health);
              r.get("/v1/openapi.json", HttpServer::openApi);
              r.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4")
                          .result(s.prometheusScrape().get()));
              new AccountRoutes(s.accounts(), s.idempotency()).register(r);
              new LicenseRoutes(s.accounts()).register(r);
              new CatalogRoutes(s.catalogAdmin(), s.idempotency()).register(r);
              new KeyRoutes(s.accounts(), s.keys()).register(r);
              new PolicyRoutes(s.accounts(), s.keys(), s.policies()).register(r);
              new ContentRoutes(s.content()).register(r);
              new TokenRoutes(s.tokens()).register(r);
              new AvailabilityRoutes(s.availability().revocation()).register(r);
              new JobRoutes(s.availability().jobs()).register(r);
              new SessionRoutes(s.availability().sessions()).register(r);
              new SearchRoutes(s.search()).register(r);
              new AuditRoutes(s.audit()).register(r);
              new AuditArchiveRoutes(s.auditArchive()).register(r);
            });
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
  }

  /**
   * Every API answer may carry key material or content (a session key, a read's plaintext): no
   * cache may keep it and no browser may sniff it into something else. The console sets its own.
   */
  private static void apiHeaders(io.javalin.http.Context ctx) {
    if (!ctx.path().startsWith("/console")) {
      ctx.header("X-Content-Type-Options", "nosniff");
      ctx.header("Cache-Control", "no-store");
    }
  }
}
