package dev.cmk.service.audit;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.blob.BlobStore;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reading the audit archive: an account's anchor and segments, and one segment's JSON lines, for
 * the account's admins (operators for {@code _platform}). Both are reads of the log and recorded
 * like the export ({@code audit.archive_list}, {@code audit.archive_read}): appended after the
 * read, also when it fails; a request refused before anything is read (unknown account or segment)
 * leaves no row.
 */
public final class AuditArchiveService {
  private final JdbcAuditLog log;
  private final JdbcAuditArchive archive;
  private final BlobStore blobs;
  private final AuditService audit;

  public AuditArchiveService(
      JdbcAuditLog log, JdbcAuditArchive archive, BlobStore blobs, AuditService audit) {
    this.log = log;
    this.archive = archive;
    this.blobs = blobs;
    this.audit = audit;
  }

  /** The anchor (where the rows in the database continue from) and the segments, oldest first. */
  public record Listing(ArchiveAnchor anchor, List<ArchiveSegment> segments) {
    public Listing {
      segments = List.copyOf(segments);
    }
  }

  /** The account's archive, then records the read ({@code audit.archive_list}). */
  public Listing list(Caller caller, String accountId) {
    audit.requireAccount(accountId);
    AuditEvent read = AuditEvent.of(accountId, caller, Actions.AUDIT_ARCHIVE_LIST);
    Listing l;
    try {
      l = new Listing(archive.anchor(accountId), archive.segments(accountId));
    } catch (RuntimeException e) {
      log.recordFailure(read, e);
      throw e;
    }
    log.record(
        read.withDetail("segments", Integer.toString(l.segments().size()))
            .withDetail("anchorSeq", Long.toString(l.anchor().seq())));
    return l;
  }

  /** The segment starting at {@code firstSeq}; 404 {@code audit_segment_not_found} if none. */
  public ArchiveSegment segment(String accountId, long firstSeq) {
    audit.requireAccount(accountId);
    return archive
        .segment(accountId, firstSeq)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.AUDIT_SEGMENT_NOT_FOUND,
                    "no archive segment of " + accountId + " starts at seq " + firstSeq));
  }

  /**
   * Hands the segment's bytes, exactly as archived, to {@code sink}, then records the read ({@code
   * audit.archive_read}); a failure (blob missing, client gone) is recorded with the failure.
   */
  public void read(Caller caller, ArchiveSegment s, Consumer<byte[]> sink) {
    AuditEvent read =
        AuditEvent.of(s.accountId(), caller, Actions.AUDIT_ARCHIVE_READ)
            .withDetail("firstSeq", Long.toString(s.firstSeq()))
            .withDetail("lastSeq", Long.toString(s.lastSeq()))
            .withDetail("rows", Long.toString(s.rows()));
    try {
      byte[] bytes =
          blobs
              .get(s.blobKey())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "archive segment " + s.blobKey() + " is missing from the blob store"));
      sink.accept(bytes);
    } catch (RuntimeException e) {
      log.recordFailure(read, e);
      throw e;
    }
    log.record(read);
  }
}
