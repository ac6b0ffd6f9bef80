package dev.cmk.service.events;

import dev.cmk.service.store.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Fleet-wide gauges the alert rules in {@code deploy/prometheus/} are written against: keys per
 * availability state, accounts revoked now, writes under the backup key in the last five minutes,
 * the oldest running job's time since its last progress and webhook deliveries dead-lettered. They
 * carry no account label (per-account detail stays behind the API), are read from the shared
 * database, so every node reports the same values, and are cached for a few seconds so scrapes cost
 * at most one round of small queries.
 */
public final class OpsGauges {
  /** Writes under the backup key count as "fallback in use" for this long. */
  public static final Duration FALLBACK_WINDOW = Duration.ofMinutes(5);

  private static final Duration CACHE = Duration.ofSeconds(10);
  private final Database db;
  private final Clock clock;
  private volatile @Nullable Snapshot snapshot;

  private record Snapshot(
      Instant at,
      Map<String, Long> states,
      long revoked,
      long fallbackWrites,
      double oldestJobIdleSeconds,
      long runningJobs,
      long deadLetters,
      long pendingDeliveries) {}

  private OpsGauges(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  public static OpsGauges register(Database db, Clock clock, MeterRegistry metrics) {
    OpsGauges g = new OpsGauges(db, clock);
    for (String state : List.of("available", "degraded", "unavailable")) {
      g.gauge(
          metrics,
          "cmk.keys.state",
          "Accounts whose active customer key is in this state",
          s -> s.states().getOrDefault(state, 0L),
          "state",
          state);
    }
    g.gauge(metrics, "cmk.revocations.active", "Accounts revoked now", Snapshot::revoked);
    g.gauge(
        metrics,
        "cmk.fallback.writes.recent",
        "Writes under the backup key in the last five minutes (fallback in use)",
        Snapshot::fallbackWrites);
    g.gauge(metrics, "cmk.jobs.running", "Re-protection jobs running", Snapshot::runningJobs);
    g.gauge(
        metrics,
        "cmk.jobs.oldest.idle.seconds",
        "Seconds since the least recently updated running job made progress (0: none running)",
        Snapshot::oldestJobIdleSeconds);
    g.gauge(
        metrics,
        "cmk.webhooks.dead.letters",
        "Webhook deliveries given up after a day of retries",
        Snapshot::deadLetters);
    g.gauge(
        metrics,
        "cmk.webhooks.pending",
        "Webhook deliveries waiting for their first or a next attempt",
        Snapshot::pendingDeliveries);
    return g;
  }

  private void gauge(
      MeterRegistry metrics,
      String name,
      String description,
      ToDoubleFunction<Snapshot> f,
      String... tags) {
    Gauge.builder(name, this, g -> f.applyAsDouble(g.current()))
        .description(description)
        .tags(tags)
        .strongReference(true)
        .register(metrics);
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    Instant now = clock.instant();
    if (s != null && s.at().plus(CACHE).isAfter(now)) {
      return s;
    }
    try {
      s = read(now);
    } catch (RuntimeException e) {
      // The database is away: keep the last values rather than fail the whole scrape.
      return s != null ? s : new Snapshot(now, Map.of(), 0, 0, 0, 0, 0, 0);
    }
    snapshot = s;
    return s;
  }

  private Snapshot read(Instant now) {
    OffsetDateTime since = now.minus(FALLBACK_WINDOW).atOffset(ZoneOffset.UTC);
    return db.jdbi()
        .withHandle(
            h -> {
              Map<String, Long> states = new java.util.HashMap<>();
              h.createQuery("select lower(state) s, count(*) n from key_status group by state")
                  .map((rs, ctx) -> Map.entry(rs.getString("s"), rs.getLong("n")))
                  .forEach(e -> states.merge(e.getKey(), e.getValue(), Long::sum));
              long revoked =
                  h.createQuery("select count(*) from account_revocation where revoked = true")
                      .mapTo(Long.class)
                      .one();
              long fallback =
                  h.createQuery("select count(*) from fallback_writes where at > :since")
                      .bind("since", since)
                      .mapTo(Long.class)
                      .one();
              List<Instant> running =
                  h.createQuery("select updated_at from jobs where status = 'RUNNING'")
                      .map((rs, ctx) -> Database.instant(rs, "updated_at"))
                      .list();
              double idle =
                  running.stream()
                      .mapToDouble(t -> Math.max(0, Duration.between(t, now).toMillis() / 1000.0))
                      .max()
                      .orElse(0);
              long dead =
                  h.createQuery("select count(*) from webhook_deliveries where status = 'DEAD'")
                      .mapTo(Long.class)
                      .one();
              long pending =
                  h.createQuery("select count(*) from webhook_deliveries where status = 'PENDING'")
                      .mapTo(Long.class)
                      .one();
              return new Snapshot(
                  now, states, revoked, fallback, idle, running.size(), dead, pending);
            });
  }
}
