package dev.cmk.service.availability;

import java.time.Instant;

/**
 * A refusal that covers only part of a key's use: calls whose encryption context names this service
 * id and period are refused (e.g. a key-policy {@code Deny} on {@code service} or {@code period})
 * while the key answers others. The key stays available; only this slice is refused, until a call
 * for it succeeds again.
 */
public record SliceRefusal(
    String accountId,
    String serviceId,
    String period,
    String reason,
    String providerCode,
    String detail,
    Instant firstSeen,
    Instant lastSeen) {}
