package dev.cmk.service.content;

import dev.cmk.service.account.FallbackMode;
import java.time.Instant;
import java.util.Optional;

/**
 * Why each fallback write went under the backup key: one row per object, written in the object's
 * own transaction, kept after recovery moved the object under the customer's key (its history).
 */
public interface FallbackWrites {
  /** One write that fell back. */
  record Entry(
      String accountId,
      String objectId,
      String kekId,
      String cause,
      String reason,
      String providerCode,
      FallbackMode mode,
      Instant at) {}

  /** Called inside the write's transaction. */
  void record(Entry entry);

  Optional<Entry> find(String accountId, String objectId);

  /** Records nothing (unit tests that do not look at causes). */
  static FallbackWrites none() {
    return new FallbackWrites() {
      @Override
      public void record(Entry entry) {}

      @Override
      public Optional<Entry> find(String accountId, String objectId) {
        return Optional.empty();
      }
    };
  }
}
