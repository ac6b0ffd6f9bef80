package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.events.WebhookService;
import dev.cmk.service.events.WebhookService.Delivery;
import dev.cmk.service.events.WebhookService.Webhook;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An account's webhooks (issue 20), for its admins and operators: create (the secret is in this
 * answer only), list, get, delete; a webhook's deliveries and re-sending one.
 */
final class WebhookRoutes {
  private final WebhookService webhooks;

  WebhookRoutes(WebhookService webhooks) {
    this.webhooks = webhooks;
  }

  void register(RoutesConfig r) {
    String base = "/v1/accounts/{accountId}/webhooks";
    r.post(base, this::create);
    r.get(base, this::list);
    r.get(base + "/{webhookId}", this::get);
    r.delete(base + "/{webhookId}", this::delete);
    r.get(base + "/{webhookId}/deliveries", this::deliveries);
    r.post(base + "/{webhookId}/deliveries/{deliveryId}/resend", this::resend);
  }

  record CreateWebhook(String url, List<String> events) {}

  record WebhookView(
      String id, String accountId, String url, List<String> events, String createdAt) {
    static WebhookView of(Webhook w) {
      return new WebhookView(w.id(), w.accountId(), w.url(), w.events(), w.createdAt().toString());
    }
  }

  /** The creation answer: the only one that carries the signing secret. */
  record CreatedView(
      String id,
      String accountId,
      String url,
      List<String> events,
      String createdAt,
      String secret) {
    @Override
    public String toString() {
      return "CreatedView[id=" + id + ", secret=redacted]";
    }
  }

  record DeliveryView(
      String id,
      String webhookId,
      String eventId,
      long eventSeq,
      String eventType,
      String status,
      int attempts,
      String nextAttemptAt,
      int lastStatus,
      String lastError,
      String createdAt,
      @Nullable String deliveredAt) {
    static DeliveryView of(Delivery d) {
      return new DeliveryView(
          d.id(),
          d.webhookId(),
          d.eventId(),
          d.eventSeq(),
          d.eventType(),
          d.status(),
          d.attempts(),
          d.nextAttemptAt().toString(),
          d.lastStatus(),
          d.lastError(),
          d.createdAt().toString(),
          d.deliveredAt().map(Instant::toString).orElse(null));
    }
  }

  record Listing<T>(List<T> items) {}

  private void create(Context ctx) {
    CreateWebhook req = Json.body(ctx, CreateWebhook.class);
    if (req.url() == null || req.url().isBlank()) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "url is required");
    }
    var c = webhooks.create(Callers.of(ctx), ctx.pathParam("accountId"), req.url(), req.events());
    Webhook w = c.webhook();
    Json.write(
        ctx,
        201,
        new CreatedView(
            w.id(), w.accountId(), w.url(), w.events(), w.createdAt().toString(), c.secret()));
  }

  private void list(Context ctx) {
    Json.write(
        ctx,
        200,
        new Listing<>(
            webhooks.list(ctx.pathParam("accountId")).stream().map(WebhookView::of).toList()));
  }

  private void get(Context ctx) {
    Json.write(
        ctx,
        200,
        WebhookView.of(webhooks.get(ctx.pathParam("accountId"), ctx.pathParam("webhookId"))));
  }

  private void delete(Context ctx) {
    webhooks.delete(Callers.of(ctx), ctx.pathParam("accountId"), ctx.pathParam("webhookId"));
    ctx.status(204);
  }

  private void deliveries(Context ctx) {
    int limit = 100;
    String l = ctx.queryParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 1000) {
        throw new CmkException(ErrorCode.INVALID_REQUEST, "limit must be between 1 and 1000");
      }
    }
    Json.write(
        ctx,
        200,
        new Listing<>(
            webhooks
                .deliveries(ctx.pathParam("accountId"), ctx.pathParam("webhookId"), limit)
                .stream()
                .map(DeliveryView::of)
                .toList()));
  }

  private void resend(Context ctx) {
    Json.write(
        ctx,
        200,
        DeliveryView.of(
            webhooks.resend(
                Callers.of(ctx),
                ctx.pathParam("accountId"),
                ctx.pathParam("webhookId"),
                ctx.pathParam("deliveryId"))));
  }
}
