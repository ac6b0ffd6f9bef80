package dev.cmk.service.availability;

import java.time.Instant;

/**
 * One recorded change: a state transition ({@code kind = transition}), an admin action on
 * availability ({@code revoked}, {@code fallback_enabled}, {@code fallback_disabled}) or a
 * re-protection job starting or ending ({@code job_started} with {@code reason} the job's kind,
 * {@code recovery} or {@code rotation}; {@code job_finished} with {@code reason} its end status,
 * {@code succeeded} or {@code failed}; {@code detail} names the job, its mode and its counts) or a
 * change of the search service's grants ({@code search_grant_created}, {@code
 * search_grant_revoked}, {@code search_grant_revoke_pending}; {@code reason} says why, e.g. {@code
 * key_activated}, {@code search_on}, {@code search_off}, {@code key_replaced}, {@code retried};
 * {@code detail} names the grant id and the key and region it is on).
 *
 * @param source what saw it: {@code probe}, {@code traffic}, {@code admin} or {@code job}
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
  public static final String JOB_STARTED = "job_started";
  public static final String JOB_FINISHED = "job_finished";
}
