package dev.cmk.service.kek;

import java.time.Duration;

/**
 * Bounds on plaintext KEKs held in memory.
 *
 * @param maxEntries how many KEKs at most
 * @param ttl how long a KEK stays after it was fetched from the provider
 * @param maxUses how many uses (DEK wraps or unwraps) before it is fetched again
 */
public record KekCacheConfig(long maxEntries, Duration ttl, long maxUses) {
  public KekCacheConfig {
    if (maxEntries < 1 || maxUses < 1 || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("kek cache bounds must be positive");
    }
  }

  public static KekCacheConfig defaults() {
    return new KekCacheConfig(10_000, Duration.ofMinutes(5), 1_000_000);
  }
}
