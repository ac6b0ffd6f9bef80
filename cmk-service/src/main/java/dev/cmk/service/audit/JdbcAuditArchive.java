package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The archive's bookkeeping in the metadata database (tables {@code audit_anchors} and {@code
 * audit_segments}, V11). The methods that change it run inside the archiver's transaction (JDBI
 * reuses the thread's open handle), so a segment's row, the anchor's move and the deletion of the
 * archived rows commit together or not at all.
 */
public final class JdbcAuditArchive {
  private static final RowMapper<ArchiveSegment> SEGMENT =
      (rs, ctx) ->
          new ArchiveSegment(
              rs.getString("account_id"),
              rs.getLong("first_seq"),
              rs.getLong("last_seq"),
              rs.getString("first_prev_hash"),
              rs.getString("last_hash"),
              rs.getLong("row_count"),
              Database.instant(rs, "first_at"),
              Database.instant(rs, "last_at"),
              rs.getString("blob_key"),
              rs.getString("sha256"),
              rs.getLong("bytes"),
              Database.instant(rs, "archived_at"));
  private static final RowMapper<ArchiveAnchor> ANCHOR =
      (rs, ctx) ->
          new ArchiveAnchor(
              rs.getString("account_id"),
              rs.getLong("seq"),
              rs.getString("hash"),
              rs.getLong("segments"),
              rs.getLong("rows_archived"),
              Database.instant(rs, "updated_at"));

  private final Jdbi jdbi;

  public JdbcAuditArchive(Database db) {
    this.jdbi = db.jdbi();
  }

  /** Accounts (and {@code _platform}) whose chain has more than its head, in id order. */
  public List<String> chains() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select account_id from audit_heads where seq > 1 order by account_id")
                .mapTo(String.class)
                .list());
  }

  /** Creates the account's anchor at seq 0 unless it exists (commits on its own). */
  public void ensureAnchor(String accountId, Instant now) {
    try {
      jdbi.useHandle(
          h -> {
            // look first: the row may be locked by a node archiving right now, and a plain read
            // does not wait for that lock where an insert might
            boolean exists =
                h.createQuery("select count(*) from audit_anchors where account_id = :a")
                        .bind("a", accountId)
                        .mapTo(Integer.class)
                        .one()
                    > 0;
            if (!exists) {
              h.createUpdate(
                      "insert into audit_anchors (account_id, seq, hash, segments, rows_archived,"
                          + " updated_at) values (:a, 0, :g, 0, 0, :now) on conflict do nothing")
                  .bind("a", accountId)
                  .bind("g", AuditChain.GENESIS)
                  .bind("now", now.atOffset(ZoneOffset.UTC))
                  .execute();
            }
          });
    } catch (RuntimeException e) {
      if (!Database.isUniqueViolation(e)) {
        throw e; // else another node created it first
      }
    }
  }

  /**
   * Locks the account's anchor for the running transaction, or returns empty at once if another
   * node holds it (it is archiving this account right now).
   */
  Optional<ArchiveAnchor> lockAnchor(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from audit_anchors where account_id = :a for update skip locked")
                .bind("a", accountId)
                .map(ANCHOR)
                .findOne());
  }

  /** The account's anchor; seq 0 and the genesis hash when nothing has been archived. */
  public ArchiveAnchor anchor(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from audit_anchors where account_id = :a")
                .bind("a", accountId)
                .map(ANCHOR)
                .findOne()
                .orElse(new ArchiveAnchor(accountId, 0, AuditChain.GENESIS, 0, 0, Instant.EPOCH)));
  }

  /**
   * Inside the archiver's transaction, after the segment's blob was written and read back: records
   * the segment, moves the anchor to its last row and deletes its rows from {@code audit_log}.
   * Throws (so the transaction rolls back) if the anchor moved or the rows are not all there.
   */
  void commit(ArchiveSegment s) {
    jdbi.useHandle(
        h -> {
          h.createUpdate(
                  "insert into audit_segments (account_id, first_seq, last_seq, first_prev_hash,"
                      + " last_hash, row_count, first_at, last_at, blob_key, sha256, bytes,"
                      + " archived_at) values (:a, :f, :l, :fp, :lh, :n, :fa, :la, :k, :sha, :b,"
                      + " :at)")
              .bind("a", s.accountId())
              .bind("f", s.firstSeq())
              .bind("l", s.lastSeq())
              .bind("fp", s.firstPrevHash())
              .bind("lh", s.lastHash())
              .bind("n", s.rows())
              .bind("fa", s.firstAt().atOffset(ZoneOffset.UTC))
              .bind("la", s.lastAt().atOffset(ZoneOffset.UTC))
              .bind("k", s.blobKey())
              .bind("sha", s.sha256())
              .bind("b", s.bytes())
              .bind("at", s.archivedAt().atOffset(ZoneOffset.UTC))
              .execute();
          int moved =
              h.createUpdate(
                      "update audit_anchors set seq = :l, hash = :lh, segments = segments + 1,"
                          + " rows_archived = rows_archived + :n, updated_at = :at"
                          + " where account_id = :a and seq = :prev")
                  .bind("l", s.lastSeq())
                  .bind("lh", s.lastHash())
                  .bind("n", s.rows())
                  .bind("at", s.archivedAt().atOffset(ZoneOffset.UTC))
                  .bind("a", s.accountId())
                  .bind("prev", s.firstSeq() - 1)
                  .execute();
          if (moved != 1) {
            throw new IllegalStateException(
                "the archive anchor of " + s.accountId() + " moved while archiving");
          }
          int deleted =
              h.createUpdate(
                      "delete from audit_log where account_id = :a and seq >= :f and seq <= :l")
                  .bind("a", s.accountId())
                  .bind("f", s.firstSeq())
                  .bind("l", s.lastSeq())
                  .execute();
          if (deleted != s.rows()) {
            throw new IllegalStateException(
                "expected to delete "
                    + s.rows()
                    + " archived row(s) of "
                    + s.accountId()
                    + " but found "
                    + deleted);
          }
        });
  }

  /** The account's segments, oldest first. */
  public List<ArchiveSegment> segments(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from audit_segments where account_id = :a order by first_seq")
                .bind("a", accountId)
                .map(SEGMENT)
                .list());
  }

  /** The account's segment that starts at {@code firstSeq}. */
  public Optional<ArchiveSegment> segment(String accountId, long firstSeq) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from audit_segments where account_id = :a and first_seq = :f")
                .bind("a", accountId)
                .bind("f", firstSeq)
                .map(SEGMENT)
                .findOne());
  }
}
