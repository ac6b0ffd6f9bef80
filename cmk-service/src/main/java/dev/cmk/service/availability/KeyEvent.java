package dev.cmk.service.availability;

import java.time.Instant;

/**
 * One recorded change: a state transition ({@code kind = transition}) or an admin action on
 * availability ({@code revoked}, {@code fallback_enabled}, {@code fallback_disabled}).
 *
 * @param source what saw it: {@code probe}, {@code traffic} or {@code admin}
 */
public record KeyEvent(
    String id,
    String accountId,
    String customerKeyId,
    String kind,
    String fromState,
    String toState,
    Cause cause,
    String reason,
    String source,
    String detail,
    Instant at) {
  public static final String TRANSITION = "transition";
}
