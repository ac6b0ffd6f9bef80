package dev.cmk.service.audit;

import java.time.Instant;

/**
 * What has been archived of an account's chain: the last archived seq and its hash (the {@code
 * prevHash} of the first row still in the database), how many segments and rows. Seq 0 with the
 * genesis hash when nothing is archived.
 */
public record ArchiveAnchor(
    String accountId, long seq, String hash, long segments, long rows, Instant updatedAt) {
  /** The anchor for the verifier. */
  public AuditChain.Anchor chainAnchor() {
    return new AuditChain.Anchor(seq, hash);
  }
}
