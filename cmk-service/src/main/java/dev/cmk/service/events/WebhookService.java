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
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);
  private static final int MAX_PER_ACCOUNT = 10;
  private static final int ENQUEUE_BATCH = 200;
  private static final Duration MAX_BACKOFF = Duration.ofHours(1);
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

  private record Row(Webhook webhook, String sealed, long cursor) {}

  private record Pending(Delivery d, String body) {}

  private static final RowMapper<Row> ROW =
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

  private static final RowMapper<Delivery> DELIVERY =
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

  private final Database db;
  private final AccountService accounts;
  private final AuditLog audit;
  private final SecretSealer sealer;
  private final JdbcNodeLeases leases;
  private final String node;
  private final Clock clock;
  private final SecureRandom random;
  private final Settings settings;
  private final Resolver resolver;
  private final PinnedPost.Dialer dialer;
  private final Map<String, byte[]> secrets = new ConcurrentHashMap<>();

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

  /** Looks up a host's addresses: the JDK's resolver, or a scripted one in tests. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
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
      Resolver resolver,
      PinnedPost.Dialer dialer) {
    this.db = db;
    this.accounts = accounts;
    this.audit = audit;
    this.sealer = sealer;
    this.leases = leases;
    this.node = node;
    this.clock = clock;
    this.random = random;
    this.settings = settings;
    this.resolver = resolver;
    this.dialer = dialer;
  }

  // ---- administration ----

  public Created create(Caller caller, String accountId, String url, List<String> events) {
    String createdBy = caller.id();
    accounts.require(accountId);
    URI uri = checkUrl(url);
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
                          .bind("at", ts(now))
                          .execute();
                      audit.record(
                          AuditEvent.of(accountId, caller, Actions.WEBHOOK_CREATE)
                              .withDetail("webhookId", id)
                              .withDetail("host", uri.getHost())
                              .withDetail("events", String.join(",", filter)));
                      return null;
                    }));
    secrets.put(id, secret.clone());
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
                    .map(ROW)
                    .list())
        .stream()
        .map(Row::webhook)
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
    secrets.remove(id);
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
                    .map(DELIVERY)
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
                                  .bind("now", ts(now))
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
                    .map(DELIVERY)
                    .one());
  }

  private Row row(String accountId, String id) {
    accounts.require(accountId);
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("select * from webhooks where id = :w and account_id = :a")
                    .bind("w", id)
                    .bind("a", accountId)
                    .map(ROW)
                    .findOne())
        .orElseThrow(() -> new CmkException(ErrorCode.WEBHOOK_NOT_FOUND, "no webhook " + id));
  }

  // ---- delivery ----
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
    String body = body(eventId, type, seq, e);
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

  /** The key event as the webhook's JSON body: stable {@code id} and {@code type} first. */
  static String body(String eventId, String type, long seq, Map<String, Object> e) {
    StringBuilder b = new StringBuilder(512).append('{');
    field(b, "id", eventId).append(',');
    field(b, "type", type).append(',');
    b.append("\"seq\":").append(seq).append(',');
    field(b, "accountId", e.get("account_id")).append(',');
    field(b, "customerKeyId", e.get("customer_key_id")).append(',');
    field(b, "kind", e.get("kind")).append(',');
    field(b, "fromState", e.get("from_state")).append(',');
    field(b, "toState", e.get("to_state")).append(',');
    field(b, "cause", e.get("cause")).append(',');
    field(b, "reason", e.get("reason")).append(',');
    field(b, "source", e.get("source")).append(',');
    field(b, "detail", e.get("detail")).append(',');
    field(b, "at", instantOf(e.get("at")).toString());
    return b.append('}').toString();
  }

  private static Instant instantOf(@Nullable Object o) {
    if (o instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (o instanceof java.sql.Timestamp t) {
      return t.toInstant();
    }
    if (o instanceof Instant i) {
      return i;
    }
    return OffsetDateTime.parse(String.valueOf(o).replace(' ', 'T')).toInstant();
  }

  private static StringBuilder field(StringBuilder b, String name, @Nullable Object value) {
    b.append('"').append(name).append("\":\"");
    String s = value == null ? "" : value.toString();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
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
      long t = clock.instant().getEpochSecond();
      String signature = "t=" + t + ",v1=" + sign(secret(hook), t, p.body());
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", "application/json");
      headers.put("User-Agent", "cmk-webhooks/1");
      headers.put("CMK-Signature", signature);
      headers.put("CMK-Event-Id", p.d().eventId());
      headers.put("CMK-Event-Type", p.d().eventType());
      headers.put("CMK-Delivery-Id", p.d().id());
      status = send(w.url(), headers, p.body());
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

  /**
   * Checks the URL (resolving its host once) and POSTs to exactly the address that check approved:
   * a name that resolves to a public address for the check and to a private one a moment later (DNS
   * rebinding) cannot steer the connection, because there is no second lookup.
   */
  int send(String url, Map<String, String> headers, String body) throws java.io.IOException {
    PinnedPost.Target target = check(url);
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
                    .bind("d", delivered.map(WebhookService::ts).orElse(null))
                    .bind("id", id)
                    .execute());
  }

  private byte[] secret(Row hook) {
    return secrets.computeIfAbsent(
        hook.webhook().id(), id -> sealer.open(hook.webhook().accountId(), id, hook.sealed()));
  }

  /** Lower-case hex HMAC-SHA256 over {@code t + "." + body}. */
  public static String sign(byte[] secret, long t, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
    }
  }

  // ---- URL checks (SSRF) ----

  /**
   * https only (http to a loopback address when {@code allowHttpLoopback}), no user info, and every
   * address the host resolves to must be public: not loopback, private (RFC 1918, fc00::/7),
   * link-local, carrier-grade NAT, multicast or unspecified.
   */
  URI checkUrl(String url) {
    return check(url).uri();
  }

  /** {@link #checkUrl}, and the checked address a delivery connects to (the first one). */
  PinnedPost.Target check(String url) {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url.trim());
    } catch (IllegalArgumentException e) {
      throw badUrl("url is not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (host == null || uri.getRawUserInfo() != null || url.length() > 2000) {
      throw badUrl("url must be an absolute https URL with a host and no user info");
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw badUrl("url host '" + Texts.abbreviate(host, 100) + "' does not resolve");
    }
    boolean loopbackTest =
        settings.allowHttpLoopback()
            && Arrays.stream(addresses).allMatch(InetAddress::isLoopbackAddress);
    if (!scheme.equals("https") && !(scheme.equals("http") && loopbackTest)) {
      throw badUrl("url must be https");
    }
    if (!loopbackTest) {
      for (InetAddress a : addresses) {
        if (!isPublic(a)) {
          throw badUrl(
              "url host '"
                  + Texts.abbreviate(host, 100)
                  + "' resolves to a private, loopback or link-local address");
        }
      }
    }
    if (addresses.length == 0) {
      throw badUrl("url host '" + Texts.abbreviate(host, 100) + "' does not resolve");
    }
    return new PinnedPost.Target(uri, addresses[0]);
  }

  static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isAnyLocalAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      return !(b0 == 0
          || (b0 == 100 && b1 >= 64 && b1 < 128)
          || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0)
          || (b0 == 198 && (b1 == 18 || b1 == 19))
          || b0 >= 240);
    }
    return (b[0] & 0xfe) != 0xfc; // fc00::/7 unique local
  }

  private static CmkException badUrl(String message) {
    return new CmkException(ErrorCode.INVALID_WEBHOOK_URL, message);
  }

  private static OffsetDateTime ts(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
