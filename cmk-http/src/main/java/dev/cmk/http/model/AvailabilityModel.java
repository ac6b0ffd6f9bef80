package dev.cmk.http.model;

import dev.cmk.service.availability.AvailabilityStore.Revocation;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyStatus;
import dev.cmk.service.availability.RevocationService.KeyStatusReport;
import java.time.Instant;

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
      String customerKeyId,
      String state,
      String cause,
      String reason,
      String detail,
      Instant changedAt,
      Instant checkedAt,
      boolean fallbackEnabled,
      boolean revoked,
      Instant revokedAt) {
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
          r.revocation().revokedAt().orElse(null));
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
      String accountId, long epoch, boolean revoked, Instant revokedAt, boolean fallbackEnabled) {
    public static RevocationView of(Revocation r, boolean fallbackEnabled) {
      return new RevocationView(
          r.accountId(), r.epoch(), r.revoked(), r.revokedAt().orElse(null), fallbackEnabled);
    }
  }

  /** PUT /v1/accounts/{accountId}/fallback. */
  public record SetFallback(Boolean enabled) {}
}
