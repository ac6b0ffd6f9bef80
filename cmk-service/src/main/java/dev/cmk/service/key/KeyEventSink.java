package dev.cmk.service.key;

/**
 * Where the key feature appends events to the account's key events (wired to the availability
 * feature's event log by the composition root), so that every search-grant change is audited next
 * to the key's transitions and jobs.
 */
@FunctionalInterface
public interface KeyEventSink {
  KeyEventSink NONE = (accountId, customerKeyId, kind, reason, source, detail) -> {};

  /**
   * @param kind e.g. {@code search_grant_created}
   * @param source {@code admin}, {@code probe} or {@code job}
   * @param detail human-readable; never key material or grant tokens
   */
  void record(
      String accountId,
      String customerKeyId,
      String kind,
      String reason,
      String source,
      String detail);
}
