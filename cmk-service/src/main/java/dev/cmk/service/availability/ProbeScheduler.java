package dev.cmk.service.availability;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs periodic work (the probe round and its follow-ups) when it is due by the injected clock. The
 * node calls {@link #tick()} often (every second); tests step the clock and call it themselves, so
 * nothing here sleeps.
 */
public final class ProbeScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(ProbeScheduler.class);

  private final Clock clock;
  private final Duration interval;
  private final List<Runnable> rounds;
  private @Nullable Instant next;

  /**
   * @param interval how often the rounds run (default 30 s)
   * @param rounds what one round does, in order (e.g. probe every key, then start recoveries)
   */
  public ProbeScheduler(Clock clock, Duration interval, List<Runnable> rounds) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("probe interval must be positive");
    }
    this.clock = clock;
    this.interval = interval;
    this.rounds = List.copyOf(rounds);
  }

  public Duration interval() {
    return interval;
  }

  /** Runs one round if it is due; returns whether it ran. */
  public synchronized boolean tick() {
    Instant now = clock.instant();
    if (next != null && now.isBefore(next)) {
      return false;
    }
    next = now.plus(interval);
    for (Runnable r : rounds) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("scheduled round failed", e);
      }
    }
    return true;
  }
}
