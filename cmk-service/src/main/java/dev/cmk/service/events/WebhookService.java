package dev.cmk.service.events;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.Texts;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.JdbcNodeLeases;
import java.net.InetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Signed webhooks per account (issue 20). Every key event ({@code key_events}: transitions,
 * revoke-now and its lifting, fallback on/off, jobs started/finished with counts, search-grant
 * changes) is copied into each matching webhook's outbox ({@code webhook_deliveries}) and POSTed,
 * in seq order per webhook, at least once, by the one node holding the account's {@code
 * webhooks:<account>} lease. A failed delivery is retried with exponential backoff and full jitter
 * until {@code retryFor} (a day) has passed since the event, then dead-lettered; later deliveries
 * of the webhook wait behind a pending one (order), not behind a dead one.
 *
 * <p>Each POST carries {@code CMK-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." +
 * body)>}, {@code CMK-Event-Id} and {@code CMK-Event-Type}. The secret is 32 random bytes shown
 * once at creation ({@code whsec_} + base64url); it is stored only wrapped by the platform key
 * ({@link SecretSealer}), unwrapped into memory when first needed, and never logged or returned.
 */
public final class WebhookService {
  private static final int MAX_PER_ACCOUNT = 10;
  private static final String SECRET_PREFIX = "whsec_";

  /** Wraps a webhook's signing secret under the platform key, bound to account and webhook. */
  public interface SecretSealer {
    String seal(String accountId, String webhookId, byte[] secret);

    byte[] open(String accountId, String webhookId, String sealed);
  }

  /**
   * Delivery settings (the node's typed configuration, section {@code webhooks}): {@code
   * allowHttpLoopback} admits {@code http://127.0.0.1} targets (tests only; production targets are
   * https and never private, loopback or link-local addresses).
   */
  public record Settings(
      boolean allowHttpLoopback,
      Duration retryBase,
      Duration retryFor,
      Duration timeout,
      Duration lease) {
    public static Settings defaults() {
      return new Settings(
          false,
          Duration.ofSeconds(10),
          Duration.ofDays(1),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30));
    }
  }

  /** A webhook as the API shows it: never its secret. */
  public record Webhook(
      String id,
      String accountId,
      String url,
      List<String> events,
      String createdBy,
      Instant createdAt) {}

  /** A created webhook and its secret, returned once. */
  public record Created(Webhook webhook, String secret) {
    @Override
    public String toString() {
      return "Created[webhook=" + webhook + ", secret=redacted]";
    }
  }

  /** One outbox row. */
  public record Delivery(
      String id,
      String webhookId,
      String eventId,
      long eventSeq,
      String eventType,
      String status,
      int attempts,
      Instant nextAttemptAt,
      int lastStatus,
      String lastError,
      Instant createdAt,
      Optional<Instant> deliveredAt) {}

  private final Database db;
  private final AccountService accounts;
  private final AuditLog audit;
  private final SecretSealer sealer;
  private final Clock clock;
  private final SecureRandom random;
  private final WebhookUrls urls;
  private final WebhookDelivery delivery;

  public WebhookService(
      Database db,
      AccountService accounts,
      AuditLog audit,
      SecretSealer sealer,
      JdbcNodeLeases leases,
      String node,
      Clock clock,
      SecureRandom random,
      Settings settings) {
    this(
        db,
        accounts,
        audit,
        sealer,
        leases,
        node,
        clock,
        random,
        settings,
        InetAddress::getAllByName,
        PinnedPost.Dialer.PLAIN);
  }

  WebhookService(
      Database db,
      AccountService accounts,
      AuditLog audit,
      SecretSealer sealer,
      JdbcNodeLeases leases,
      String node,
      Clock clock,
      SecureRandom random,
      Settings settings,
      WebhookUrls.Resolver resolver,
      PinnedPost.Dialer dialer) {
    this.db = db;
    this.accounts = accounts;
    this.audit = audit;
    this.sealer = sealer;
    this.clock = clock;
    this.random = random;
    this.urls = new WebhookUrls(settings.allowHttpLoopback(), resolver);
    this.delivery =
        new WebhookDelivery(db, sealer, leases, node, clock, random, settings, urls, dialer);
  }

  // ---- administration ----

  public Created create(Caller caller, String accountId, String url, List<String> events) {
    String createdBy = caller.id();
    accounts.require(accountId);
    URI uri = urls.checkUrl(url);
    List<String> filter = events == null || events.isEmpty() ? List.of("*") : List.copyOf(events);
    for (String e : filter) {
      if (!e.equals("*") && !e.matches("key\\.[a-z_]{1,40}")) {
        throw new CmkException(
            ErrorCode.INVALID_REQUEST,
            "events must be \"*\" or event types like key.transition, not '"
                + Texts.abbreviate(e, 40)
                + "'");
      }
    }
    if (list(accountId).size() >= MAX_PER_ACCOUNT) {
      throw new CmkException(
          ErrorCode.CONFLICT, "an account has at most " + MAX_PER_ACCOUNT + " webhooks");
    }
    String id = Ids.newId("wh", random);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String sealed = sealer.seal(accountId, id, secret);
    Instant now = clock.instant();
    audit.inTransaction(
        () ->
            db.jdbi()
                .withHandle(
                    h -> {
                      long head =
                          h.createQuery(
                                  "select coalesce(max(seq), 0) from key_events where account_id = :a")
                              .bind("a", accountId)
                              .mapTo(Long.class)
                              .one();
                      h.createUpdate(
                              "insert into webhooks (id, account_id, url, events, secret_sealed,"
                                  + " cursor_seq, created_by, created_at)"
                                  + " values (:id, :a, :u, :e, :s, :c, :by, :at)")
                          .bind("id", id)
                          .bind("a", accountId)
                          .bind("u", uri.toString())
                          .bind("e", String.join(",", filter))
                          .bind("s", sealed)
                          .bind("c", head)
                          .bind("by", Texts.abbreviate(createdBy, 200))
                          .bind("at", WebhookRows.ts(now))
                          .execute();
                      audit.record(
                          AuditEvent.of(accountId, caller, Actions.WEBHOOK_CREATE)
                              .withDetail("webhookId", id)
                              .withDetail("host", uri.getHost())
                              .withDetail("events", String.join(",", filter)));
                      return null;
                    }));
    delivery.remember(id, secret);
    String shown = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Arrays.fill(secret, (byte) 0);
    return new Created(new Webhook(id, accountId, uri.toString(), filter, createdBy, now), shown);
  }

  public List<Webhook> list(String accountId) {
    accounts.require(accountId);
    return db
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from webhooks where account_id = :a order by created_at")
                    .bind("a", accountId)
                    .map(WebhookRows.ROW)
                    .list())
        .stream()
        .map(WebhookRows.Row::webhook)
        .toList();
  }

  public Webhook get(String accountId, String id) {
    return row(accountId, id).webhook();
  }

  public void delete(Caller caller, String accountId, String id) {
    row(accountId, id);
    audit.inTransaction(
        () ->
            db.jdbi()
                .withHandle(
                    h -> {
                      h.createUpdate("delete from webhook_deliveries where webhook_id = :w")
                          .bind("w", id)
                          .execute();
                      h.createUpdate("delete from webhooks where id = :w").bind("w", id).execute();
                      audit.record(
                          AuditEvent.of(accountId, caller, Actions.WEBHOOK_DELETE)
                              .withDetail("webhookId", id));
                      return null;
                    }));
    delivery.forget(id);
  }

  /** The webhook's deliveries, newest first. */
  public List<Delivery> deliveries(String accountId, String id, int limit) {
    row(accountId, id);
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select * from webhook_deliveries where webhook_id = :w"
                            + " order by event_seq desc limit :n")
                    .bind("w", id)
                    .bind("n", Math.max(1, Math.min(limit, 1000)))
                    .map(WebhookRows.DELIVERY)
                    .list());
  }

  /** Puts a delivery (delivered or dead) back in the outbox, due now, with a fresh day. */
  public Delivery resend(Caller caller, String accountId, String id, String deliveryId) {
    row(accountId, id);
    Instant now = clock.instant();
    int n =
        audit.inTransaction(
            () ->
                db.jdbi()
                    .withHandle(
                        h -> {
                          int changed =
                              h.createUpdate(
                                      "update webhook_deliveries set status = 'PENDING',"
                                          + " attempts = 0, next_attempt_at = :now,"
                                          + " created_at = :now, last_error = ''"
                                          + " where id = :d and webhook_id = :w")
                                  .bind("d", deliveryId)
                                  .bind("w", id)
                                  .bind("now", WebhookRows.ts(now))
                                  .execute();
                          if (changed == 1) {
                            audit.record(
                                AuditEvent.of(accountId, caller, Actions.WEBHOOK_RESEND)
                                    .withDetail("webhookId", id)
                                    .withDetail("deliveryId", deliveryId));
                          }
                          return changed;
                        }));
    if (n == 0) {
      throw new CmkException(ErrorCode.DELIVERY_NOT_FOUND, "no delivery " + deliveryId);
    }
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from webhook_deliveries where id = :d")
                    .bind("d", deliveryId)
                    .map(WebhookRows.DELIVERY)
                    .one());
  }

  private WebhookRows.Row row(String accountId, String id) {
    accounts.require(accountId);
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from webhooks where id = :w and account_id = :a")
                    .bind("w", id)
                    .bind("a", accountId)
                    .map(WebhookRows.ROW)
                    .findOne())
        .orElseThrow(() -> new CmkException(ErrorCode.WEBHOOK_NOT_FOUND, "no webhook " + id));
  }

  // ---- delivery ----

  /** Gives up this node's delivery leases (a graceful shutdown): another node takes over now. */
  public int releaseLeases() {
    return delivery.releaseLeases();
  }

  /**
   * One delivery round on this node; returns the number of attempts made. See {@link
   * WebhookDelivery#runOnce}.
   */
  public int runOnce() {
    return delivery.runOnce();
  }
}
