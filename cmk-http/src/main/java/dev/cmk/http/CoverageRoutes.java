package dev.cmk.http;

import dev.cmk.http.model.CoverageModel.CoverageView;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.coverage.CoverageService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** The coverage report: objects and bytes by protection, asset type and key (JSON or CSV). */
final class CoverageRoutes {
  private final CoverageService coverage;

  CoverageRoutes(CoverageService coverage) {
    this.coverage = coverage;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/coverage", this::report);
  }

  private void report(Context ctx) {
    String format = ctx.queryParam("format");
    CoverageService.Report report = coverage.report(ctx.pathParam("accountId"));
    if (format == null || format.equals("json")) {
      Json.write(ctx, 200, CoverageView.of(report));
    } else if (format.equals("csv")) {
      ctx.status(200).contentType("text/csv; charset=utf-8").result(CoverageService.csv(report));
    } else {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "format must be json or csv");
    }
  }
}
