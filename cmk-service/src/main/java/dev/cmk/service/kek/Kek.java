package dev.cmk.service.kek;

import dev.cmk.provider.KeyRef;
import java.time.Instant;

/**
 * A stored account KEK: its scope and its wrapped form. The plaintext is never stored.
 *
 * @param period the time bucket (UTC day, {@code yyyyMMdd}) bounding how much content one KEK
 *     protects
 */
public record Kek(
    String id,
    String accountId,
    String serviceId,
    String period,
    Protection protection,
    KeyRef root,
    byte[] wrapped,
    Instant createdAt) {

  /** The scope a KEK is unique for. */
  public record Scope(
      String accountId, String serviceId, String period, Protection protection, KeyRef root) {}

  public Scope scope() {
    return new Scope(accountId, serviceId, period, protection, root);
  }

  @Override
  public String toString() {
    return "Kek["
        + id
        + ", "
        + accountId
        + "/"
        + serviceId
        + "/"
        + period
        + ", "
        + protection
        + " under "
        + root
        + "]";
  }
}
