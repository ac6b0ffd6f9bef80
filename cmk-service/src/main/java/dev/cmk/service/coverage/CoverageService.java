package dev.cmk.service.coverage;

import dev.cmk.service.account.AccountService;
import dev.cmk.service.coverage.CoverageStore.Count;
import dev.cmk.service.coverage.CoverageStore.Group;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The coverage report (DESIGN.md flow 10): an account's objects and bytes by protection (CMK,
 * PLATFORM, FALLBACK) × asset type × key registration, what a backfill would move, and the one-look
 * answer to "is all our eligible content under our key?" — true when no eligible object is under
 * the platform key (nothing to backfill) and none is under the backup key (nothing to recover).
 *
 * <p>Also exports the totals by protection over every account as the gauges {@code
 * cmk.coverage.objects} and {@code cmk.coverage.bytes} (label {@code protection} only: per-account
 * series stay off the open metrics), refreshed at most once a minute.
 */
public final class CoverageService {
  static final Duration GAUGE_REFRESH = Duration.ofMinutes(1);

  private final CoverageStore store;
  private final AccountService accounts;
  private final KeyService keys;
  private final Clock clock;
  private volatile Map<Protection, Count> gaugeTotals = Map.of();
  private volatile Instant gaugeAt = Instant.MIN;

  public CoverageService(
      CoverageStore store,
      AccountService accounts,
      KeyService keys,
      Clock clock,
      MeterRegistry metrics) {
    this.store = store;
    this.accounts = accounts;
    this.keys = keys;
    this.clock = clock;
    for (Protection p : Protection.values()) {
      Gauge.builder("cmk.coverage.objects", () -> totals().getOrDefault(p, ZERO).objects())
          .description("Stored objects by protection, all accounts")
          .tag("protection", p.name())
          .register(metrics);
      Gauge.builder("cmk.coverage.bytes", () -> totals().getOrDefault(p, ZERO).bytes())
          .description("Stored plaintext bytes by protection, all accounts")
          .tag("protection", p.name())
          .baseUnit("bytes")
          .register(metrics);
    }
  }

  private static final Count ZERO = new Count(0, 0);

  /**
   * One row: objects and bytes of one protection, asset type and key registration.
   *
   * @param keyId the key registration of a CMK row; null for the other protections, and for a CMK
   *     root no registration of the account names any more
   */
  public record Row(
      Protection protection, String assetType, @Nullable String keyId, long objects, long bytes) {}

  /**
   * The report.
   *
   * @param totals objects and bytes per protection, every protection present (zero when none)
   * @param backfillable what a backfill would move under the customer's key
   */
  public record Report(
      String accountId,
      Instant generatedAt,
      List<Row> rows,
      Map<Protection, Count> totals,
      Count backfillable,
      boolean allEligibleUnderCmk) {}

  public Report report(String accountId) {
    accounts.require(accountId);
    Map<String, String> registrationByRoot = new HashMap<>();
    keys.keys(accountId).stream()
        .sorted(Comparator.comparing(CustomerKey::createdAt))
        .forEach(k -> registrationByRoot.put(root(k.ref().provider(), k.ref().keyId()), k.id()));
    List<Row> rows = new ArrayList<>();
    Map<Protection, Count> totals = new EnumMap<>(Protection.class);
    for (Protection p : Protection.values()) {
      totals.put(p, ZERO);
    }
    for (Group g : store.groups(accountId)) {
      Protection p = Protection.valueOf(g.protection());
      String keyId =
          p == Protection.CMK
              ? registrationByRoot.get(root(g.rootProvider(), g.rootKeyId()))
              : null;
      rows.add(new Row(p, g.assetType(), keyId, g.objects(), g.bytes()));
      Count t = totals.getOrDefault(p, ZERO);
      totals.put(p, new Count(t.objects() + g.objects(), t.bytes() + g.bytes()));
    }
    Count backfillable = store.backfillable(accountId);
    boolean all =
        backfillable.objects() == 0
            && totals.getOrDefault(Protection.FALLBACK, ZERO).objects() == 0;
    return new Report(accountId, clock.instant(), rows, totals, backfillable, all);
  }

  /** The report as CSV: a header, then one line per row. */
  public static String csv(Report r) {
    StringBuilder out = new StringBuilder("protection,assetType,keyId,objects,bytes\n");
    for (Row row : r.rows()) {
      out.append(row.protection())
          .append(',')
          .append(row.assetType())
          .append(',')
          .append(row.keyId() == null ? "" : row.keyId())
          .append(',')
          .append(row.objects())
          .append(',')
          .append(row.bytes())
          .append('\n');
    }
    return out.toString();
  }

  private Map<Protection, Count> totals() {
    Instant now = clock.instant();
    if (now.isAfter(gaugeAt.plus(GAUGE_REFRESH)) || now.isBefore(gaugeAt)) {
      Map<Protection, Count> fresh = new EnumMap<>(Protection.class);
      for (Group g : store.totalsByProtection()) {
        fresh.put(Protection.valueOf(g.protection()), new Count(g.objects(), g.bytes()));
      }
      gaugeTotals = fresh;
      gaugeAt = now;
    }
    return gaugeTotals;
  }

  private static String root(String provider, String keyId) {
    return provider + ":" + keyId;
  }
}
