package dev.cmk.service.kek;

import dev.cmk.provider.KeyRef;
import java.time.Instant;

/**
 * A stored account KEK: its scope and its wrapped form. The plaintext is never stored.
 *
 * @param period the time bucket (UTC day, {@code yyyyMMdd}) bounding how much content one KEK
 *     protects
 * @param contextVersion which encryption context its wraps carry: {@link #CONTEXT_V1} (platform,
 *     account, service, purpose, kek) for KEKs made before issue 16, {@link #CONTEXT_V2} (the same
 *     plus period) since
 */
public record Kek(
    String id,
    String accountId,
    String serviceId,
    String period,
    Protection protection,
    KeyRef root,
    byte[] wrapped,
    Instant createdAt,
    int contextVersion) {
  public static final int CONTEXT_V1 = 1;
  public static final int CONTEXT_V2 = 2;

  /** A KEK with the current encryption context ({@link #CONTEXT_V2}). */
  public Kek(
      String id,
      String accountId,
      String serviceId,
      String period,
      Protection protection,
      KeyRef root,
      byte[] wrapped,
      Instant createdAt) {
    this(id, accountId, serviceId, period, protection, root, wrapped, createdAt, CONTEXT_V2);
  }

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
