package dev.cmk.service.events;

import dev.cmk.service.events.WebhookService.Delivery;
import dev.cmk.service.events.WebhookService.Webhook;
import dev.cmk.service.store.Database;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The rows of {@code webhooks} and {@code webhook_deliveries}, shared by administration and
 * delivery.
 */
final class WebhookRows {
  private WebhookRows() {}

  /** A webhook with its sealed secret and how far its outbox has copied the key events. */
  record Row(Webhook webhook, String sealed, long cursor) {}

  /** A pending delivery and the body it POSTs. */
  record Pending(Delivery d, String body) {}

  static final RowMapper<Row> ROW =
      (rs, ctx) ->
          new Row(
              new Webhook(
                  rs.getString("id"),
                  rs.getString("account_id"),
                  rs.getString("url"),
                  List.of(rs.getString("events").split(",")),
                  rs.getString("created_by"),
                  Database.instant(rs, "created_at")),
              rs.getString("secret_sealed"),
              rs.getLong("cursor_seq"));

  static final RowMapper<Delivery> DELIVERY =
      (rs, ctx) ->
          new Delivery(
              rs.getString("id"),
              rs.getString("webhook_id"),
              rs.getString("event_id"),
              rs.getLong("event_seq"),
              rs.getString("event_type"),
              rs.getString("status"),
              rs.getInt("attempts"),
              Database.instant(rs, "next_attempt_at"),
              rs.getInt("last_status"),
              rs.getString("last_error"),
              Database.instant(rs, "created_at"),
              Optional.ofNullable(rs.getObject("delivered_at", OffsetDateTime.class))
                  .map(OffsetDateTime::toInstant));

  static OffsetDateTime ts(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
