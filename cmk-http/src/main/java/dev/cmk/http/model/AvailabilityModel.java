package dev.cmk.http.model;

import dev.cmk.service.availability.AvailabilityStore.Revocation;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyStatus;
import dev.cmk.service.availability.RevocationService.KeyStatusReport;
import dev.cmk.service.availability.SliceRefusal;
import dev.cmk.service.reprotect.Job;
import dev.cmk.service.reprotect.JobService.JobReport;
import dev.cmk.service.session.LiveSession;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The /v1 API model of key availability, revocation, jobs and live sessions (issue 6). Field names
 * are a public contract; add fields, never rename or remove them within v1.
 */
public final class AvailabilityModel {
  private AvailabilityModel() {}

  /**
   * GET /v1/accounts/{accountId}/key-status. {@code state} is AVAILABLE, DEGRADED, UNAVAILABLE, or
   * UNKNOWN before the first probe; {@code cause} is NONE, REFUSED or UNREACHABLE.
   */
  public record KeyStatusView(
      String accountId,
      @Nullable String customerKeyId,
      String state,
      String cause,
      String reason,
      String detail,
      @Nullable Instant changedAt,
      @Nullable Instant checkedAt,
      boolean fallbackEnabled,
      boolean revoked,
      @Nullable Instant revokedAt,
      String fallbackMode,
      @Nullable String revokedBy,
      @Nullable Instant revocationLiftedAt,
      @Nullable String revocationLiftedBy,
      List<RefusedSliceView> refusedSlices) {
    public static KeyStatusView of(KeyStatusReport r) {
      KeyStatus s = r.status().orElse(null);
      return new KeyStatusView(
          r.account().id(),
          s == null ? null : s.customerKeyId(),
          s == null ? "UNKNOWN" : s.state().name(),
          s == null ? "NONE" : s.cause().name(),
          s == null ? "" : s.reason(),
          s == null ? "" : s.detail(),
          s == null ? null : s.changedAt(),
          s == null ? null : s.checkedAt(),
          r.account().fallbackEnabled(),
          r.revocation().revoked(),
          r.revocation().revokedAt().orElse(null),
          r.account().fallbackMode().name(),
          r.revocation().revoked() ? r.revocation().revokedBy() : null,
          r.revocation().liftedAt().orElse(null),
          r.revocation().liftedAt().isPresent() ? r.revocation().liftedBy() : null,
          r.refusedSlices().stream().map(RefusedSliceView::of).toList());
    }
  }

  /**
   * One slice of the key's use the key refuses while it answers the rest (a key-policy condition on
   * the encryption context's {@code service} or {@code period}).
   */
  public record RefusedSliceView(
      String serviceId,
      String period,
      String reason,
      String providerCode,
      Instant firstSeen,
      Instant lastSeen) {
    public static RefusedSliceView of(SliceRefusal s) {
      return new RefusedSliceView(
          s.serviceId(), s.period(), s.reason(), s.providerCode(), s.firstSeen(), s.lastSeen());
    }
  }

  /** One entry of GET /v1/accounts/{accountId}/key-events, newest first. */
  public record KeyEventView(
      String id,
      String kind,
      String customerKeyId,
      String from,
      String to,
      String cause,
      String reason,
      String source,
      String detail,
      Instant at) {
    public static KeyEventView of(KeyEvent e) {
      return new KeyEventView(
          e.id(),
          e.kind(),
          e.customerKeyId(),
          e.fromState(),
          e.toState(),
          e.cause().name(),
          e.reason(),
          e.source(),
          e.detail(),
          e.at());
    }
  }

  /** The answer to POST /v1/accounts/{accountId}/revoke. */
  public record RevocationView(
      String accountId,
      long epoch,
      boolean revoked,
      @Nullable Instant revokedAt,
      boolean fallbackEnabled,
      String revokedBy,
      @Nullable Instant liftedAt,
      @Nullable String liftedBy) {
    public static RevocationView of(Revocation r, boolean fallbackEnabled) {
      return new RevocationView(
          r.accountId(),
          r.epoch(),
          r.revoked(),
          r.revokedAt().orElse(null),
          fallbackEnabled,
          r.revokedBy(),
          r.liftedAt().orElse(null),
          r.liftedAt().isPresent() ? r.liftedBy() : null);
    }
  }

  /**
   * PUT /v1/accounts/{accountId}/fallback: {@code enabled} required; {@code mode} ANY_REASON or
   * OUTAGES_ONLY, optional (the account's current mode, ANY_REASON by default).
   */
  public record SetFallback(Boolean enabled, String mode) {}

  /**
   * A re-protection job and its progress. {@code kind} is RECOVERY, ROTATION or BACKFILL, {@code
   * mode} KEK_REWRAP, DEK_REWRAP or REENCRYPT, {@code status} RUNNING, SUCCEEDED or FAILED; a
   * backfill started with filters has {@code userId} and/or {@code assetType} (absent otherwise).
   */
  public record JobView(
      String id,
      String accountId,
      String kind,
      String mode,
      String targetKey,
      String status,
      long total,
      long done,
      long failed,
      long pending,
      double itemsPerSecond,
      @Nullable Long etaSeconds,
      String lastError,
      Instant createdAt,
      Instant updatedAt,
      @Nullable Instant finishedAt,
      @Nullable String userId,
      @Nullable String assetType) {
    public static JobView of(JobReport r) {
      Job j = r.job();
      Job.Progress p = r.progress();
      return new JobView(
          j.id(),
          j.accountId(),
          j.kind().name(),
          j.mode().name(),
          j.target().toString(),
          j.status().name(),
          j.total(),
          p.done(),
          p.failed(),
          p.pending(),
          Math.round(p.itemsPerSecond() * 10) / 10.0,
          p.etaSeconds().orElse(null),
          j.lastError(),
          j.createdAt(),
          j.updatedAt(),
          j.finishedAt().orElse(null),
          j.scope().userId().orElse(null),
          j.scope().assetType().orElse(null));
    }
  }

  /**
   * POST /v1/accounts/{accountId}/backfill (every field optional): {@code mode} DEK_REWRAP
   * (default) or REENCRYPT; {@code userId} and {@code assetType} limit the job to one user's
   * objects or one asset type's.
   */
  public record Backfill(
      @Nullable String mode, @Nullable String userId, @Nullable String assetType) {}

  /**
   * POST /v1/accounts/{accountId}/rotate: {@code customerKeyId} (or {@code keyId} alone) names a
   * registered key; {@code provider} + {@code keyId} (+ replicas) registers and validates a new
   * one.
   */
  public record Rotate(
      String customerKeyId, String provider, String keyId, List<String> replicaKeyIds) {}

  /** GET/PUT /v1/accounts/{accountId}/recovery-mode. */
  public record RecoveryModeView(String mode) {}

  /** POST /v1/accounts/{accountId}/sessions. */
  public record OpenSession(String userId) {}

  /**
   * A live session. {@code sessionKey} (base64, 32 bytes) is present only in the answer to POST;
   * {@code status} is ACTIVE or ENDED, {@code endReason} says why it ended.
   *
   * <p><b>Security:</b> the session key is shown once and never stored.
   */
  public record SessionView(
      String id,
      String accountId,
      String userId,
      String status,
      String endReason,
      String protection,
      String kekId,
      Instant createdAt,
      @Nullable Instant endedAt,
      @Nullable String sessionKey) {
    public static SessionView of(LiveSession s, byte @Nullable [] key) {
      return new SessionView(
          s.id(),
          s.accountId(),
          s.userId(),
          s.status().name(),
          s.endReason(),
          s.protection().name(),
          s.kekId(),
          s.createdAt(),
          s.endedAt().orElse(null),
          key == null ? null : Base64.getEncoder().encodeToString(key));
    }
  }
}
