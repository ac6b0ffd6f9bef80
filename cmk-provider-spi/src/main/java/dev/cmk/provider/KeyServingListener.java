package dev.cmk.provider;

/**
 * Told after every successful provider call which copy of a key answered, so the service's
 * availability tracker can show a key as <i>degraded</i> while a replica serves and as available
 * again when the primary is back. Passed to providers with replicas by the composition root.
 *
 * <p>Implementations must be fast and must not throw: they run on the calling thread.
 */
@FunctionalInterface
public interface KeyServingListener {

  /**
   * @param key the key the caller asked for (primary id and its replicas)
   * @param servedByKeyId the id of the copy that answered: {@code key.keyId()} or one replica
   * @param degraded whether a replica answered because the primary was unavailable
   */
  void served(KeyRef key, String servedByKeyId, boolean degraded);

  /** A listener that ignores every report. */
  static KeyServingListener none() {
    return (key, servedBy, degraded) -> {};
  }
}
