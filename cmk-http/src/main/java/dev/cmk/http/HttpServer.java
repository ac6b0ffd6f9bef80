package dev.cmk.http;

import dev.cmk.http.model.ApiModel.AssetTypeView;
import dev.cmk.service.CmkException;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.session.SessionService;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP server: the /v1 API, health and metrics. It holds no state of its own; every route calls
 * one service method.
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
      Supplier<String> prometheusScrape,
      Availability availability) {}

  /** The services of issue 6: key availability, revocation, jobs, rotation, live sessions. */
  public record Availability(
      RevocationService revocation, JobService jobs, SessionService sessions) {}

  public HttpServer(Config config, Services s) {
    this.app =
        Javalin.create(
            c -> {
              c.jetty.host = config.host();
              c.jetty.port = config.port();
              c.http.maxRequestSize = config.maxRequestBytes();
              c.startup.showJavalinBanner = false;
              RoutesConfig r = c.routes;
              r.before(RequestIds::assign);
              r.exception(CmkException.class, ErrorMapper::service);
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
              r.get(
                  "/v1/catalog",
                  ctx ->
                      Json.write(
                          ctx, 200, s.catalog().list().stream().map(AssetTypeView::of).toList()));
              r.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4")
                          .result(s.prometheusScrape().get()));
              new AccountRoutes(s.accounts()).register(r);
              new KeyRoutes(s.accounts(), s.keys()).register(r);
              new ContentRoutes(s.content()).register(r);
              new AvailabilityRoutes(s.availability().revocation()).register(r);
              new JobRoutes(s.availability().jobs()).register(r);
              new SessionRoutes(s.availability().sessions()).register(r);
            });
  }

  private static void health(Context ctx) {
    Json.write(ctx, 200, Map.of("status", "ok"));
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
}
