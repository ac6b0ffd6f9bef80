package dev.cmk.service.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One appended audit row, as stored and exported (one JSON line or CSV row each). {@code hash} is
 * SHA-256 over the canonical encoding of every other field, {@code prevHash} the hash of the row
 * before ({@link AuditChain#GENESIS} for seq 1). Field meanings are those of {@link AuditEvent}.
 *
 * @param v the record format version (1)
 * @param at when it was appended, in whole milliseconds
 */
public record AuditRecord(
    int v,
    String accountId,
    long seq,
    Instant at,
    String actorKind,
    String actorId,
    String action,
    String keyProvider,
    String keyId,
    String kekId,
    String protection,
    String asset,
    String objectId,
    String user,
    String requestId,
    String result,
    SortedMap<String, String> details,
    String prevHash,
    String hash) {
  public static final int VERSION = 1;

  public AuditRecord {
    at = at.truncatedTo(ChronoUnit.MILLIS);
    details = new TreeMap<>(details);
  }

  /** The row an event becomes at {@code seq}, chained to {@code prevHash}. */
  static AuditRecord append(AuditEvent e, long seq, Instant at, String prevHash) {
    AuditRecord unsealed =
        new AuditRecord(
            VERSION,
            e.accountId(),
            seq,
            at,
            e.caller().kind().wire(),
            e.caller().id(),
            e.action(),
            e.keyProvider(),
            e.keyId(),
            e.kekId(),
            e.protection(),
            e.asset(),
            e.objectId(),
            e.user(),
            e.caller().requestId(),
            e.result(),
            e.details(),
            prevHash,
            "");
    return unsealed.withHash(AuditChain.hash(unsealed));
  }

  /** This (pending) row placed at {@code seq} after {@code prev}, with its hash. */
  AuditRecord chainedAt(long seq, String prev) {
    AuditRecord unsealed =
        new AuditRecord(
            v,
            accountId,
            seq,
            at,
            actorKind,
            actorId,
            action,
            keyProvider,
            keyId,
            kekId,
            protection,
            asset,
            objectId,
            user,
            requestId,
            result,
            details,
            prev,
            "");
    return unsealed.withHash(AuditChain.hash(unsealed));
  }

  /** The same row with another {@code hash} (tests tamper with rows this way). */
  public AuditRecord withHash(String h) {
    return new AuditRecord(
        v,
        accountId,
        seq,
        at,
        actorKind,
        actorId,
        action,
        keyProvider,
        keyId,
        kekId,
        protection,
        asset,
        objectId,
        user,
        requestId,
        result,
        details,
        prevHash,
        h);
  }
}
