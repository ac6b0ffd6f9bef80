package dev.cmk.service.audit;

import java.time.Instant;

/**
 * One archive segment: rows {@code firstSeq..lastSeq} of an account's chain, moved out of the
 * database into the blob store as JSON lines (AUDIT.md, "Retention"). Its first row's {@code
 * prevHash} is the hash of the row before ({@code firstPrevHash}: the previous segment's {@code
 * lastHash}, or the genesis hash), so segments, in order, and then the rows still in the database
 * verify as one chain.
 *
 * @param blobKey where the segment is in the blob store
 * @param sha256 lower-case hex SHA-256 of the segment's bytes, as written and read back
 * @param archivedAt when it was written (by the archiving node's clock)
 */
public record ArchiveSegment(
    String accountId,
    long firstSeq,
    long lastSeq,
    String firstPrevHash,
    String lastHash,
    long rows,
    Instant firstAt,
    Instant lastAt,
    String blobKey,
    String sha256,
    long bytes,
    Instant archivedAt) {

  /**
   * The blob key of the segment that starts at {@code firstSeq}. It depends on the first seq only,
   * so a run that died before committing leaves a blob the next run overwrites, never a second one.
   */
  public static String blobKey(String accountId, long firstSeq) {
    String seq = Long.toString(firstSeq);
    return "audit-archive/" + accountId + "/" + "0".repeat(20 - seq.length()) + seq + ".jsonl";
  }
}
