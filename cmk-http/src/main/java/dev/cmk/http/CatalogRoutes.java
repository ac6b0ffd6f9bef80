package dev.cmk.http;

import dev.cmk.http.Idempotency.Answer;
import dev.cmk.http.model.ApiModel.AssetTypeView;
import dev.cmk.http.model.ApiModel.NewAssetType;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.CatalogService;
import dev.cmk.service.idempotency.IdempotencyService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/** The asset catalog: everyone with a token reads it; the operator extends it. */
final class CatalogRoutes {
  private final CatalogService catalog;
  private final IdempotencyService idempotency;

  CatalogRoutes(CatalogService catalog, IdempotencyService idempotency) {
    this.catalog = catalog;
    this.idempotency = idempotency;
  }

  void register(RoutesConfig r) {
    r.get("/v1/catalog", this::list);
    r.post("/v1/catalog", this::add);
  }

  private void list(Context ctx) {
    Json.write(ctx, 200, catalog.list().stream().map(AssetTypeView::of).toList());
  }

  private void add(Context ctx) {
    NewAssetType req = Json.body(ctx, NewAssetType.class);
    AssetType t =
        new AssetType(
            req.name(),
            req.serviceId(),
            req.service(),
            req.description(),
            req.cmkEligible() == null || req.cmkEligible(),
            req.organizerDecides() != null && req.organizerDecides());
    Idempotency.respond(
        ctx, idempotency, () -> new Answer(201, AssetTypeView.of(catalog.add(Callers.of(ctx), t))));
  }
}
