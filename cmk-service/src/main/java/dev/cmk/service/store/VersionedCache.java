package dev.cmk.service.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Function;

/**
 * A per-node cache of database lookups that follows one {@link ChangeVersions.Kind}: an entry
 * loaded under an older generation than the current one is loaded again. Values are immutable
 * lookups (records, {@code Optional}s of them); nothing secret is cached here beyond what the
 * database row holds (token hashes, never secrets).
 */
public final class VersionedCache<K, V> {
  private final ChangeVersions versions;
  private final ChangeVersions.Kind kind;
  private final Cache<K, Tagged<V>> entries;

  public VersionedCache(ChangeVersions versions, ChangeVersions.Kind kind, long maxEntries) {
    this.versions = versions;
    this.kind = kind;
    this.entries = Caffeine.newBuilder().maximumSize(maxEntries).build();
  }

  public V get(K key, Function<K, V> loader) {
    long generation = versions.generation(kind);
    Tagged<V> hit = entries.getIfPresent(key);
    if (hit != null && hit.generation() == generation) {
      return hit.value();
    }
    V value = loader.apply(key);
    entries.put(key, new Tagged<>(generation, value));
    return value;
  }

  private record Tagged<V>(long generation, V value) {}
}
