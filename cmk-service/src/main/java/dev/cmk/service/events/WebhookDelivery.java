package dev.cmk.service.events;

import static dev.cmk.service.events.WebhookRows.DELIVERY;
import static dev.cmk.service.events.WebhookRows.ROW;
import static dev.cmk.service.events.WebhookRows.ts;

import dev.cmk.service.CmkException;
import dev.cmk.service.Ids;
import dev.cmk.service.Texts;
import dev.cmk.service.events.WebhookRows.Pending;
import dev.cmk.service.events.WebhookRows.Row;
import dev.cmk.service.events.WebhookService.SecretSealer;
import dev.cmk.service.events.WebhookService.Settings;
import dev.cmk.service.events.WebhookService.Webhook;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.JdbcNodeLeases;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery half of webhooks: copies key events into each webhook's outbox and POSTs them, in
 * seq order per webhook, signed ({@link WebhookPayload}), to the address {@link WebhookUrls}
 * approved, retrying with backoff until dead-lettered; see {@link WebhookService}.
 */
final class WebhookDelivery {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDelivery.class);
  private static final int ENQUEUE_BATCH = 200;
  private static final Duration MAX_BACKOFF = Duration.ofHours(1);

  private final Database db;
  private final SecretSealer sealer;
  private final JdbcNodeLeases leases;
  private final String node;
  private final Clock clock;
  private final SecureRandom random;
  private final Settings settings;
  private final WebhookUrls urls;
  private final PinnedPost.Dialer dialer;
  private final Map<String, byte[]> secrets = new ConcurrentHashMap<>();

  WebhookDelivery(
      Database db,
      SecretSealer sealer,
      JdbcNodeLeases leases,
      String node,
      Clock clock,
      SecureRandom random,
      Settings settings,
      WebhookUrls urls,
      PinnedPost.Dialer dialer) {
    this.db = db;
    this.sealer = sealer;
    this.leases = leases;
    this.node = node;
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.urls = urls;
    this.dialer = dialer;
  }

  /** Keeps a new webhook's secret in memory, so its first delivery need not unseal it. */
  void remember(String webhookId, byte[] secret) {
    secrets.put(webhookId, secret.clone());
  }

  void forget(String webhookId) {
    secrets.remove(webhookId);
  }

  /** Gives up this node's delivery leases (a graceful shutdown): another node takes over now. */
  public int releaseLeases() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createUpdate(
                        "delete from node_leases where owner = :o and name like 'webhooks:%'")
                    .bind("o", node)
                    .execute());
  }

  /**
   * One round on this node: for each account with webhooks whose delivery lease this node holds (or
   * takes), copies new key events into the outboxes and attempts each webhook's oldest pending
   * delivery if it is due. Returns the number of attempts made.
   */
  public int runOnce() {
    List<String> accountIds =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select distinct account_id from webhooks")
                        .mapTo(String.class)
                        .list());
    int attempts = 0;
    for (String a : accountIds) {
      Instant now = clock.instant();
      if (!leases.claim("webhooks:" + a, node, now, now.plus(settings.lease()))) {
        continue;
      }
      try {
        attempts += deliverAccount(a);
      } catch (RuntimeException e) {
        LOG.warn("webhook round for account {} failed; next round retries", a, e);
      }
    }
    return attempts;
  }

  private int deliverAccount(String accountId) {
    List<Row> hooks =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select * from webhooks where account_id = :a")
                        .bind("a", accountId)
                        .map(ROW)
                        .list());
    int attempts = 0;
    for (Row hook : hooks) {
      enqueue(hook);
      // In order: attempt the oldest pending delivery; later ones wait until it is done.
      for (int i = 0; i < 50; i++) {
        Optional<Pending> next = head(hook.webhook().id());
        if (next.isEmpty() || next.get().d().nextAttemptAt().isAfter(clock.instant())) {
          break;
        }
        attempts++;
        if (!attempt(hook, next.get())) {
          break;
        }
      }
    }
    return attempts;
  }

  private void enqueue(Row hook) {
    Webhook w = hook.webhook();
    db.jdbi()
        .useTransaction(
            h -> {
              long cursor =
                  h.createQuery("select cursor_seq from webhooks where id = :w for update")
                      .bind("w", w.id())
                      .mapTo(Long.class)
                      .one();
              List<Map<String, Object>> events =
                  h.createQuery(
                          "select * from key_events where account_id = :a and seq > :c"
                              + " order by seq limit :n")
                      .bind("a", w.accountId())
                      .bind("c", cursor)
                      .bind("n", ENQUEUE_BATCH)
                      .mapToMap()
                      .list();
              long last = cursor;
              Instant now = clock.instant();
              for (Map<String, Object> e : events) {
                long seq = ((Number) Objects.requireNonNull(e.get("seq"), "seq")).longValue();
                last = seq;
                String type = "key." + e.get("kind");
                if (!w.events().contains("*") && !w.events().contains(type)) {
                  continue;
                }
                insertDelivery(h, w, e, seq, type, now);
              }
              if (last != cursor) {
                h.createUpdate("update webhooks set cursor_seq = :c where id = :w")
                    .bind("c", last)
                    .bind("w", w.id())
                    .execute();
              }
            });
  }

  private void insertDelivery(
      Handle h, Webhook w, Map<String, Object> e, long seq, String type, Instant now) {
    String eventId = (String) Objects.requireNonNull(e.get("id"), "id");
    String body = WebhookPayload.body(eventId, type, seq, e);
    h.createUpdate(
            "insert into webhook_deliveries (id, webhook_id, account_id, event_id, event_seq,"
                + " event_type, body, status, attempts, next_attempt_at, last_status, last_error,"
                + " created_at) values (:id, :w, :a, :e, :s, :t, :b, 'PENDING', 0, :now, 0, '',"
                + " :now)")
        .bind("id", Ids.newId("whd", random))
        .bind("w", w.id())
        .bind("a", w.accountId())
        .bind("e", eventId)
        .bind("s", seq)
        .bind("t", type)
        .bind("b", body)
        .bind("now", ts(now))
        .execute();
  }

  private Optional<Pending> head(String webhookId) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select * from webhook_deliveries where webhook_id = :w"
                            + " and status = 'PENDING' order by event_seq limit 1")
                    .bind("w", webhookId)
                    .map((rs, ctx) -> new Pending(DELIVERY.map(rs, ctx), rs.getString("body")))
                    .findOne());
  }

  /** One POST; returns whether it was delivered. */
  private boolean attempt(Row hook, Pending p) {
    Webhook w = hook.webhook();
    int status = 0;
    String error;
    try {
      status = send(w.url(), headers(hook, p), p.body());
      error =
          status >= 300 && status < 400
              ? "redirect not followed (" + status + ")"
              : "HTTP " + status;
    } catch (CmkException e) {
      error = e.getMessage();
    } catch (java.net.SocketTimeoutException e) {
      error = "timed out after " + settings.timeout();
    } catch (java.io.IOException e) {
      error = "connection failed: " + e.getClass().getSimpleName();
    }
    Instant now = clock.instant();
    int attempts = p.d().attempts() + 1;
    if (status >= 200 && status < 300) {
      update(p.d().id(), "DELIVERED", attempts, now, status, "", Optional.of(now));
      return true;
    }
    Duration delay = backoff(attempts);
    boolean dead = now.plus(delay).isAfter(p.d().createdAt().plus(settings.retryFor()));
    update(
        p.d().id(),
        dead ? "DEAD" : "PENDING",
        attempts,
        now.plus(delay),
        status,
        Texts.abbreviate(error, 500),
        Optional.empty());
    if (dead) {
      LOG.warn(
          "webhook {} of account {}: delivery {} dead-lettered after {} attempts ({})",
          w.id(),
          w.accountId(),
          p.d().id(),
          attempts,
          error);
    }
    return dead; // a dead delivery no longer holds the later ones back
  }

  /** The POST's headers, with a signature made now. */
  private Map<String, String> headers(Row hook, Pending p) {
    long t = clock.instant().getEpochSecond();
    String signature = "t=" + t + ",v1=" + WebhookPayload.sign(secret(hook), t, p.body());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "cmk-webhooks/1");
    headers.put("CMK-Signature", signature);
    headers.put("CMK-Event-Id", p.d().eventId());
    headers.put("CMK-Event-Type", p.d().eventType());
    headers.put("CMK-Delivery-Id", p.d().id());
    return headers;
  }

  /**
   * Checks the URL (resolving its host once) and POSTs to exactly the address that check approved:
   * a name that resolves to a public address for the check and to a private one a moment later (DNS
   * rebinding) cannot steer the connection, because there is no second lookup.
   */
  int send(String url, Map<String, String> headers, String body) throws java.io.IOException {
    PinnedPost.Target target = urls.check(url);
    return PinnedPost.post(
        target, headers, body.getBytes(StandardCharsets.UTF_8), settings.timeout(), dialer);
  }

  /** Exponential backoff with full jitter: uniform in [base * 2^(n-1) / 2, base * 2^(n-1)]. */
  Duration backoff(int attempts) {
    long base = settings.retryBase().toMillis();
    long cap = MAX_BACKOFF.toMillis();
    long exp = attempts >= 31 ? cap : Math.min(cap, base << Math.max(0, attempts - 1));
    long half = exp / 2;
    return Duration.ofMillis(half + (half > 0 ? (long) (random.nextDouble() * half) : 0));
  }

  private void update(
      String id,
      String status,
      int attempts,
      Instant next,
      int lastStatus,
      String error,
      Optional<Instant> delivered) {
    db.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "update webhook_deliveries set status = :s, attempts = :n,"
                            + " next_attempt_at = :next, last_status = :ls, last_error = :e,"
                            + " delivered_at = :d where id = :id")
                    .bind("s", status)
                    .bind("n", attempts)
                    .bind("next", ts(next))
                    .bind("ls", lastStatus)
                    .bind("e", error)
                    .bind("d", delivered.map(WebhookRows::ts).orElse(null))
                    .bind("id", id)
                    .execute());
  }

  private byte[] secret(Row hook) {
    return secrets.computeIfAbsent(
        hook.webhook().id(), id -> sealer.open(hook.webhook().accountId(), id, hook.sealed()));
  }
}
