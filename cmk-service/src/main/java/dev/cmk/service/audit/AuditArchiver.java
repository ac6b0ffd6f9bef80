package dev.cmk.service.audit;

import dev.cmk.service.blob.BlobStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit retention: moves rows older than the retention out of the database into archive segments in
 * the blob store, per account and for the platform log, without breaking verifiability (AUDIT.md,
 * "Retention and archive segments").
 *
 * <p>One segment is one transaction that holds the account's archive anchor locked ({@code FOR
 * UPDATE SKIP LOCKED}: another node archiving the account skips it instead of waiting): read the
 * due rows after the anchor, verify them as a chain continuing from the anchor, write them as JSON
 * lines, read the blob back and compare it byte for byte, then record the segment, move the anchor,
 * delete the rows and append an {@code audit.archive} row to the account's chain. A node killed at
 * any point before the commit leaves the rows in the database and at most an unreferenced blob
 * under the same name, which the next run overwrites; after the commit the rows are in the segment.
 * The chain's head is never archived, so appends keep linking to a row in the database.
 *
 * <p>In a cluster the holder of an account's probe lease archives it (the {@code lease} predicate);
 * the anchor lock makes it safe whoever runs.
 */
public final class AuditArchiver {
  private static final Logger LOG = LoggerFactory.getLogger(AuditArchiver.class);
  static final Caller ARCHIVER = Caller.system("archiver");

  private final JdbcAuditLog log;
  private final JdbcAuditArchive archive;
  private final BlobStore blobs;
  private final Config config;
  private final Predicate<String> lease;
  private final Clock clock;
  private final Counter archivedRows;
  private final Counter archivedSegments;
  private final Counter failures;
  private final AtomicLong lastRun = new AtomicLong();

  /**
   * @param retention how long rows stay in the database; empty: keep forever (the archiver does
   *     nothing)
   * @param segmentRows at most this many rows per segment
   */
  public record Config(Optional<AuditRetention> retention, int segmentRows) {
    public Config {
      if (segmentRows < 1) {
        throw new IllegalArgumentException("segmentRows must be positive");
      }
    }

    public static Config off() {
      return new Config(Optional.empty(), 10_000);
    }
  }

  /** What one round did. */
  public record Round(int accounts, int segments, long rows, int failures) {}

  /**
   * @param lease whether this node archives the account this round (in a cluster: holds its probe
   *     lease); the anchor lock keeps it correct either way
   */
  public AuditArchiver(
      JdbcAuditLog log,
      JdbcAuditArchive archive,
      BlobStore blobs,
      Config config,
      Predicate<String> lease,
      Clock clock,
      MeterRegistry metrics) {
    this.log = log;
    this.archive = archive;
    this.blobs = blobs;
    this.config = config;
    this.lease = lease;
    this.clock = clock;
    this.archivedRows =
        Counter.builder("cmk.audit.archive.rows")
            .description("Audit rows moved from the database into archive segments")
            .register(metrics);
    this.archivedSegments =
        Counter.builder("cmk.audit.archive.segments")
            .description("Audit archive segments written and committed")
            .register(metrics);
    this.failures =
        Counter.builder("cmk.audit.archive.failures")
            .description("Accounts whose archiving failed in a round (rows stay in the database)")
            .register(metrics);
    Gauge.builder("cmk.audit.archive.last.run", lastRun, AtomicLong::get)
        .description("When the last archive round ended (Unix time; 0: none since start)")
        .baseUnit("seconds")
        .register(metrics);
  }

  /**
   * Archives every account's due rows (those this node holds the lease of). An account that fails
   * is counted and logged, and the round goes on with the next.
   */
  public synchronized Round runOnce() {
    if (config.retention().isEmpty()) {
      return new Round(0, 0, 0, 0);
    }
    Instant cutoff = config.retention().get().cutoff(clock.instant());
    int accounts = 0;
    int segments = 0;
    long rows = 0;
    int failed = 0;
    log.sequencer().runOnce(); // rows still pending have no seq yet: chain them first
    for (String account : archive.chains()) {
      if (Thread.currentThread().isInterrupted()) {
        break; // the node is stopping
      }
      if (!lease.test(account)) {
        continue;
      }
      try {
        List<ArchiveSegment> done = archive(account, cutoff);
        if (!done.isEmpty()) {
          accounts++;
          segments += done.size();
          rows += done.stream().mapToLong(ArchiveSegment::rows).sum();
        }
      } catch (RuntimeException e) {
        failed++;
        failures.increment();
        LOG.warn("archiving the audit log of {} failed; its rows stay in the database", account, e);
      }
    }
    lastRun.set(clock.instant().getEpochSecond());
    if (segments > 0) {
      LOG.info(
          "archived {} audit row(s) of {} account(s) in {} segment(s)", rows, accounts, segments);
    }
    return new Round(accounts, segments, rows, failed);
  }

  /**
   * Archives the account's rows appended before {@code cutoff}, segment by segment, up to but not
   * including the head as it is now (so the {@code audit.archive} rows this run appends, and the
   * head they displace, wait for a later run).
   */
  public List<ArchiveSegment> archive(String accountId, Instant cutoff) {
    archive.ensureAnchor(accountId, clock.instant());
    long head = log.head(accountId).seq();
    List<ArchiveSegment> done = new ArrayList<>();
    for (Optional<ArchiveSegment> s = next(accountId, cutoff, head);
        s.isPresent();
        s = next(accountId, cutoff, head)) {
      done.add(s.get());
      archivedRows.increment(s.get().rows());
      archivedSegments.increment();
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
    }
    return done;
  }

  /** One segment, in one transaction; empty when nothing is due or another node is at it. */
  private Optional<ArchiveSegment> next(String accountId, Instant cutoff, long head) {
    return log.inTransaction(
        () -> {
          Optional<ArchiveAnchor> anchor = archive.lockAnchor(accountId);
          if (anchor.isEmpty()) {
            return Optional.empty(); // another node is archiving this account
          }
          List<AuditRecord> due = due(accountId, anchor.get(), cutoff, head);
          if (due.isEmpty()) {
            return Optional.empty();
          }
          ArchiveSegment s = write(accountId, anchor.get(), due);
          archive.commit(s);
          log.record(event(s));
          return Optional.of(s);
        });
  }

  /** The rows after the anchor appended before the cutoff, up to but never including the head. */
  private List<AuditRecord> due(String accountId, ArchiveAnchor anchor, Instant cutoff, long head) {
    List<AuditRecord> rows =
        log.page(accountId, JdbcAuditLog.Filter.all().after(anchor.seq()), config.segmentRows());
    List<AuditRecord> due = new ArrayList<>();
    for (AuditRecord r : rows) {
      if (r.seq() >= head || !r.at().isBefore(cutoff)) {
        break; // a segment is a run of consecutive rows: stop at the first one that stays
      }
      due.add(r);
    }
    return due;
  }

  /**
   * Verifies the rows as the chain continuing from the anchor (a broken chain is never archived:
   * that would hide where it broke), writes them, and reads the blob back.
   */
  private ArchiveSegment write(String accountId, ArchiveAnchor anchor, List<AuditRecord> rows) {
    AuditChain.Verification v =
        AuditChain.verify(rows, Optional.empty(), Optional.of(anchor.chainAnchor()));
    if (!v.ok()) {
      throw new IllegalStateException(
          "refusing to archive the audit log of "
              + accountId
              + ": the chain is broken at seq "
              + v.firstBrokenSeq().orElseThrow()
              + " ("
              + v.problem()
              + ")");
    }
    AuditRecord first = rows.get(0);
    AuditRecord last = rows.get(rows.size() - 1);
    byte[] bytes = AuditJsonl.lines(rows);
    String key = ArchiveSegment.blobKey(accountId, first.seq());
    blobs.put(key, bytes);
    byte[] back =
        blobs
            .get(key)
            .orElseThrow(() -> new IllegalStateException("archive segment " + key + " vanished"));
    if (!MessageDigest.isEqual(back, bytes)) {
      throw new IllegalStateException("archive segment " + key + " reads back differently");
    }
    return new ArchiveSegment(
        accountId,
        first.seq(),
        last.seq(),
        first.prevHash(),
        last.hash(),
        rows.size(),
        first.at(),
        last.at(),
        key,
        sha256(bytes),
        bytes.length,
        clock.instant());
  }

  private static AuditEvent event(ArchiveSegment s) {
    return AuditEvent.of(s.accountId(), ARCHIVER, Actions.AUDIT_ARCHIVE)
        .withDetail("firstSeq", Long.toString(s.firstSeq()))
        .withDetail("lastSeq", Long.toString(s.lastSeq()))
        .withDetail("rows", Long.toString(s.rows()))
        .withDetail("lastHash", s.lastHash())
        .withDetail("segment", s.blobKey())
        .withDetail("sha256", s.sha256());
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
