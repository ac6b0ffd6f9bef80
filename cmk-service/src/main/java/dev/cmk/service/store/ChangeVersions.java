package dev.cmk.service.store;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Cluster-wide invalidation of what nodes cache from the metadata database (table {@code
 * cache_versions}, V41), the revocation epoch's pattern for slower-moving data: every change to a
 * cached kind adds one to that kind's version in the change's own transaction, and every node reads
 * the versions (one small query) when a cache is consulted and its last read is older than the
 * staleness bound. A kind whose version moved gets a new local generation, and every entry cached
 * under an older generation is loaded again. A change made on this node moves the generation at
 * once, so it is visible here immediately; on other nodes within the bound (plus one read).
 *
 * <p>An entry is tagged with the generation read <em>before</em> it was loaded, so a change that
 * lands while it loads leaves it stale-tagged, never fresh-tagged.
 */
public final class ChangeVersions {
  /** What is cached, one version each. */
  public enum Kind {
    TOKENS,
    CATALOG,
    ACCOUNTS,
    USERS,
    KEYS;

    String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The default staleness bound: a revoked token or license stops working within it. */
  public static final Duration DEFAULT_BOUND = Duration.ofSeconds(1);

  private final Jdbi jdbi;
  private final long boundNanos;
  private final LongSupplier nanoTime;
  private final AtomicLongArray generations = new AtomicLongArray(Kind.values().length);
  private final Map<Kind, Long> seen = new EnumMap<>(Kind.class);
  private final ReentrantLock polling = new ReentrantLock();
  private volatile long lastPoll;
  private volatile boolean polled;

  ChangeVersions(Jdbi jdbi, Duration bound, LongSupplier nanoTime) {
    this.jdbi = jdbi;
    this.boundNanos = bound.toNanos();
    this.nanoTime = nanoTime;
  }

  /** The staleness bound of every cache that follows these versions. */
  public Duration bound() {
    return Duration.ofNanos(boundNanos);
  }

  /**
   * Records a change of {@code kind} in the transaction (or statement) of {@code h}; moves this
   * node's generation at once.
   */
  public void changed(Handle h, Kind kind) {
    h.createUpdate("update cache_versions set version = version + 1 where kind = :k")
        .bind("k", kind.column())
        .execute();
    generations.incrementAndGet(kind.ordinal());
  }

  /** The local generation of {@code kind}, after reading the versions if the last read is due. */
  public long generation(Kind kind) {
    long now = nanoTime.getAsLong();
    if ((!polled || now - lastPoll >= boundNanos) && polling.tryLock()) {
      try {
        if (!polled || nanoTime.getAsLong() - lastPoll >= boundNanos) {
          poll();
        }
      } finally {
        polling.unlock();
      }
    }
    return generations.get(kind.ordinal());
  }

  private void poll() {
    long started = nanoTime.getAsLong();
    Map<String, Long> now =
        jdbi.withHandle(
            h ->
                h.createQuery("select kind, version from cache_versions")
                    .reduceRows(
                        new java.util.HashMap<String, Long>(),
                        (m, row) -> {
                          m.put(
                              row.getColumn("kind", String.class),
                              row.getColumn("version", Long.class));
                          return m;
                        }));
    for (Kind k : Kind.values()) {
      Long v = now.get(k.column());
      Long before = seen.put(k, v);
      if (v == null || !v.equals(before)) {
        generations.incrementAndGet(k.ordinal());
      }
    }
    lastPoll = started;
    polled = true;
  }
}
