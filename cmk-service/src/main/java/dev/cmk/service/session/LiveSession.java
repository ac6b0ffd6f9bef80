package dev.cmk.service.session;

import dev.cmk.service.kek.Protection;
import java.time.Instant;
import java.util.Optional;

/**
 * A live call's session. Its key is derived from the account's live-call KEK and handed to the
 * caller once; only the KEK id is stored, never the session key.
 *
 * @param endReason why it ended, e.g. {@code key_unavailable: refused (disabled)}; empty while
 *     active
 */
public record LiveSession(
    String id,
    String accountId,
    String userId,
    String kekId,
    Protection protection,
    Status status,
    String endReason,
    Instant createdAt,
    Optional<Instant> endedAt) {

  /** Whether the call may go on. */
  public enum Status {
    ACTIVE,
    ENDED
  }
}
