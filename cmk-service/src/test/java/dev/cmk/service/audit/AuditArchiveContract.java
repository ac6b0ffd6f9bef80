package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit retention's store contract, run on H2 and on PostgreSQL: old rows move into segments and
 * out of the database, the anchor lets what remains verify and the chain go on, segments plus the
 * database verify as one chain, a node that dies between writing a segment and deleting its rows
 * loses nothing and duplicates nothing, and two nodes archiving at once write each segment once.
 */
abstract class AuditArchiveContract {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path blobDir;
  Database a;
  Database b;
  MutableClock clock;
  JdbcAuditLog log;
  JdbcAuditArchive archive;
  SimpleMeterRegistry metrics;

  abstract Database.Config config();

  @BeforeEach
  void open() {
    a = Database.open(config());
    clock = new MutableClock(T0);
    log = new JdbcAuditLog(a, clock);
    archive = new JdbcAuditArchive(a);
    metrics = new SimpleMeterRegistry();
  }

  @AfterEach
  void close() {
    if (b != null) {
      b.close();
    }
    a.close();
  }

  String account() {
    return new AccountService(
            new JdbcAccountStore(a), new RecordingAuditLog(), clock, new SecureRandom())
        .create("Acme", null)
        .id();
  }

  AuditArchiver archiver(BlobStore blobs, int segmentRows) {
    return archiver(log, archive, blobs, segmentRows);
  }

  AuditArchiver archiver(JdbcAuditLog l, JdbcAuditArchive arc, BlobStore blobs, int segmentRows) {
    return archiver(l, arc, blobs, segmentRows, acct -> true);
  }

  AuditArchiver archiver(
      JdbcAuditLog l,
      JdbcAuditArchive arc,
      BlobStore blobs,
      int segmentRows,
      java.util.function.Predicate<String> lease) {
    return new AuditArchiver(
        l,
        arc,
        blobs,
        new AuditArchiver.Config(AuditRetention.parse("P30D"), segmentRows),
        lease,
        clock,
        metrics);
  }

  /** {@code n} events at the clock's time, one minute apart. */
  void append(String acct, int n) {
    for (int i = 0; i < n; i++) {
      log.record(AuditLogContract.event(acct, i));
      clock.advance(Duration.ofMinutes(1));
    }
  }

  List<AuditRecord> inDb(String acct) {
    return log.page(acct, JdbcAuditLog.Filter.all(), 100_000);
  }

  byte[] blob(BlobStore blobs, ArchiveSegment s) {
    return blobs.get(s.blobKey()).orElseThrow();
  }

  long blobFiles(String acct) throws IOException {
    Path d = blobDir.resolve("audit-archive").resolve(acct);
    if (!Files.isDirectory(d)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(p -> p.toString().endsWith(".jsonl")).count();
    }
  }

  @Test
  void oldRowsMoveToSegmentsAndTheChainGoesOnFromTheAnchor() {
    String acct = account();
    append(acct, 7); // seq 1..7 at T0..T0+6min
    clock.advance(Duration.ofDays(31));
    append(acct, 2); // seq 8, 9: young
    List<AuditRecord> before = inDb(acct);
    DirectoryBlobStore blobs = new DirectoryBlobStore(blobDir);

    AuditArchiver.Round round = archiver(blobs, 3).runOnce();

    List<ArchiveSegment> segs = archive.segments(acct);
    assertThat(round.rows()).isEqualTo(7);
    assertThat(segs).extracting(ArchiveSegment::firstSeq).containsExactly(1L, 4L, 7L);
    assertThat(segs).extracting(ArchiveSegment::lastSeq).containsExactly(3L, 6L, 7L);
    assertThat(segs.get(0).firstPrevHash()).isEqualTo(AuditChain.GENESIS);
    assertThat(segs.get(1).firstPrevHash()).isEqualTo(segs.get(0).lastHash());
    assertThat(segs.get(2).firstAt()).isEqualTo(before.get(6).at());
    // each segment is exactly the export's JSON lines of its rows
    assertThat(blob(blobs, segs.get(1))).isEqualTo(AuditJsonl.lines(before.subList(3, 6)));
    assertThat(segs.get(1).sha256()).isEqualTo(AuditArchiver.sha256(blob(blobs, segs.get(1))));

    ArchiveAnchor anchor = archive.anchor(acct);
    assertThat(anchor.seq()).isEqualTo(7);
    assertThat(anchor.hash()).isEqualTo(before.get(6).hash());
    assertThat(anchor.segments()).isEqualTo(3);
    assertThat(anchor.rows()).isEqualTo(7);

    // what remains starts after the anchor and verifies from it; one audit.archive row per segment
    List<AuditRecord> rest = inDb(acct);
    assertThat(rest.get(0).seq()).isEqualTo(8);
    assertThat(rest.get(0).prevHash()).isEqualTo(anchor.hash());
    assertThat(rest)
        .filteredOn(r -> r.action().equals(Actions.AUDIT_ARCHIVE))
        .extracting(r -> r.details().get("firstSeq"))
        .containsExactly("1", "4", "7");
    String head = log.head(acct).hash();
    assertThat(AuditChain.verify(rest, Optional.of(head), Optional.of(anchor.chainAnchor())).ok())
        .isTrue();
    // without the anchor, a wrong one is caught
    assertThat(
            AuditChain.verify(
                    rest,
                    Optional.empty(),
                    Optional.of(new AuditChain.Anchor(6, before.get(5).hash())))
                .ok())
        .isFalse();

    // segments (as written) + the database verify as one chain from genesis to the head
    List<AuditRecord> whole = new ArrayList<>(before.subList(0, 7));
    whole.addAll(rest);
    assertThat(concat(blobs, segs)).isEqualTo(AuditJsonl.lines(before.subList(0, 7)));
    assertThat(AuditChain.verify(whole, Optional.of(head)).ok()).isTrue();

    // appends keep linking to the head, seq stays gapless
    long headSeq = log.head(acct).seq();
    log.record(AuditLogContract.event(acct, 99));
    List<AuditRecord> after = inDb(acct);
    assertThat(after.get(after.size() - 1).seq()).isEqualTo(headSeq + 1);
    assertThat(
            AuditChain.verify(
                    after, Optional.of(log.head(acct).hash()), Optional.of(anchor.chainAnchor()))
                .ok())
        .isTrue();
    assertThat(metrics.counter("cmk.audit.archive.rows").count()).isEqualTo(7.0);
    assertThat(metrics.counter("cmk.audit.archive.segments").count()).isEqualTo(3.0);
    assertThat(metrics.get("cmk.audit.archive.last.run").gauge().value())
        .isEqualTo((double) clock.instant().getEpochSecond());
  }

  static byte[] concat(BlobStore blobs, List<ArchiveSegment> segs) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (ArchiveSegment s : segs) {
      out.writeBytes(blobs.get(s.blobKey()).orElseThrow());
    }
    return out.toByteArray();
  }

  @Test
  void theHeadStaysEvenWhenEveryRowIsOld_andTheNextRoundGoesOn() {
    String acct = account();
    String platform = AuditEvent.PLATFORM_ACCOUNT;
    append(acct, 4);
    log.record(AuditLogContract.event(platform, 1));
    log.record(AuditLogContract.event(platform, 2));
    clock.advance(Duration.ofDays(40));
    DirectoryBlobStore blobs = new DirectoryBlobStore(blobDir);
    AuditArchiver archiver = archiver(blobs, 100);
    archiver.runOnce();

    assertThat(archive.anchor(acct).seq()).isEqualTo(3);
    assertThat(inDb(acct)).extracting(AuditRecord::seq).containsExactly(4L, 5L); // head + event
    assertThat(archive.anchor(platform).seq()).isEqualTo(1); // the platform log too
    // the old head is archived by the next round; the audit.archive rows wait until they age
    archiver.runOnce();
    assertThat(archive.anchor(acct).seq()).isEqualTo(4);
    assertThat(inDb(acct)).extracting(AuditRecord::seq).containsExactly(5L, 6L);
    assertThat(archiver.runOnce().segments()).isZero();
    clock.advance(Duration.ofDays(31));
    archiver.runOnce();
    assertThat(archive.anchor(acct).seq()).isEqualTo(5);
    List<AuditRecord> rest = inDb(acct);
    assertThat(rest.get(0).seq()).isEqualTo(6);
    assertThat(rest.get(0).prevHash()).isEqualTo(archive.anchor(acct).hash());
  }

  @Test
  void retentionOffArchivesNothing() {
    String acct = account();
    append(acct, 5);
    clock.advance(Duration.ofDays(4000));
    AuditArchiver off =
        new AuditArchiver(
            log,
            archive,
            new DirectoryBlobStore(blobDir),
            AuditArchiver.Config.off(),
            x -> true,
            clock,
            metrics);
    assertThat(off.runOnce().segments()).isZero();
    assertThat(inDb(acct)).hasSize(5);
    assertThat(archive.segments(acct)).isEmpty();
  }

  @Test
  void accountsWithoutTheLeaseAreLeftToTheirHolder() {
    String mine = account();
    String theirs = account();
    append(mine, 3);
    append(theirs, 3);
    clock.advance(Duration.ofDays(31));
    archiver(log, archive, new DirectoryBlobStore(blobDir), 100, mine::equals).runOnce();
    assertThat(archive.anchor(mine).seq()).isEqualTo(2);
    assertThat(archive.anchor(theirs).seq()).isZero();
  }

  /** Passes through to a real blob store; a test overrides a method to inject its fault. */
  static class Delegating implements BlobStore {
    final BlobStore real;

    Delegating(BlobStore real) {
      this.real = real;
    }

    @Override
    public void put(String key, byte[] envelope) {
      real.put(key, envelope);
    }

    @Override
    public Optional<byte[]> get(String key) {
      return real.get(key);
    }

    @Override
    public void delete(String key) {
      real.delete(key);
    }
  }

  @Test
  void aNodeKilledBetweenSegmentWriteAndDeleteLosesAndDuplicatesNothing() throws Exception {
    String acct = account();
    append(acct, 10);
    clock.advance(Duration.ofDays(31));
    List<AuditRecord> before = inDb(acct);
    DirectoryBlobStore blobs = new DirectoryBlobStore(blobDir);

    // the first segment commits, the node dies right after writing the second
    BlobStore secondDies =
        new Delegating(blobs) {
          int puts;

          @Override
          public void put(String key, byte[] envelope) {
            real.put(key, envelope);
            if (++puts == 2) {
              throw new IllegalStateException("node killed after writing " + key);
            }
          }
        };
    AuditArchiver.Round died = archiver(secondDies, 4).runOnce();
    assertThat(died.failures()).isEqualTo(1);
    assertThat(metrics.counter("cmk.audit.archive.failures").count()).isEqualTo(1.0);
    assertThat(archive.segments(acct)).extracting(ArchiveSegment::firstSeq).containsExactly(1L);
    assertThat(blobFiles(acct)).isEqualTo(2); // the committed one and the orphan of seq 5..8
    // rows 5..10 are all still in the database, none lost
    assertThat(inDb(acct).stream().filter(r -> r.seq() <= 10).map(AuditRecord::seq))
        .containsExactly(5L, 6L, 7L, 8L, 9L, 10L);

    // a re-run (any node) overwrites the orphan and finishes; each seq is in exactly one place
    archiver(blobs, 4).runOnce();
    List<ArchiveSegment> segs = archive.segments(acct);
    assertThat(segs).extracting(ArchiveSegment::firstSeq).containsExactly(1L, 5L, 9L);
    assertThat(blobFiles(acct)).isEqualTo(3);
    List<AuditRecord> rest = inDb(acct);
    assertThat(rest.get(0).seq()).isEqualTo(segs.get(2).lastSeq() + 1);
    assertThat(concat(blobs, segs))
        .isEqualTo(AuditJsonl.lines(before.subList(0, (int) segs.get(2).lastSeq())));
    assertThat(
            AuditChain.verify(
                    rest,
                    Optional.of(log.head(acct).hash()),
                    Optional.of(archive.anchor(acct).chainAnchor()))
                .ok())
        .isTrue();
    // a segment that cannot be read back is never committed either
    String other = account();
    append(other, 3);
    clock.advance(Duration.ofDays(31));
    BlobStore unreadable =
        new Delegating(blobs) {
          @Override
          public Optional<byte[]> get(String key) {
            return Optional.of(new byte[] {'x'});
          }
        };
    assertThat(archiver(log, archive, unreadable, 4, other::equals).runOnce().failures())
        .isEqualTo(1);
    assertThat(archive.anchor(other).seq()).isZero();
    assertThat(inDb(other)).hasSize(3);
  }

  @Test
  void aBrokenChainInTheDatabaseIsNeverArchived() {
    String acct = account();
    append(acct, 5);
    clock.advance(Duration.ofDays(31));
    log.sequencer().sequence(acct, true); // chain the pending rows before tampering with one
    a.jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "update audit_log set user_id = 'mallory' where account_id = :a and seq = 3")
                    .bind("a", acct)
                    .execute());
    AuditArchiver.Round r = archiver(new DirectoryBlobStore(blobDir), 100).runOnce();
    assertThat(r.failures()).isEqualTo(1);
    assertThat(inDb(acct)).hasSize(5);
    assertThat(archive.anchor(acct).seq()).isZero();
  }

  @Test
  void aRetentionIsAPositiveIsoDurationOrPeriodOrOff() {
    assertThat(AuditRetention.parse("off")).isEmpty();
    assertThat(AuditRetention.parse("P30D").orElseThrow().cutoff(T0))
        .isEqualTo(T0.minus(Duration.ofDays(30)));
    assertThat(AuditRetention.parse("P1Y").orElseThrow().cutoff(T0))
        .isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
    assertThat(AuditRetention.parse("PT12H").orElseThrow().cutoff(T0))
        .isEqualTo(T0.minus(Duration.ofHours(12)));
    for (String bad : List.of("", "forever", "P0D", "-P1D", "PT0S", "P-1Y", "1 year")) {
      assertThatThrownBy(() -> AuditRetention.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ISO-8601");
    }
  }

  @Test
  @Timeout(60)
  void twoNodesArchivingAtOnceWriteEachSegmentOnce() throws Exception {
    b = Database.open(config());
    String acct = account();
    append(acct, 20);
    clock.advance(Duration.ofDays(31));
    List<AuditRecord> before = inDb(acct);
    DirectoryBlobStore blobs = new DirectoryBlobStore(blobDir);
    // node A stops inside its first segment's write until node B has run a whole round
    CountDownLatch aWriting = new CountDownLatch(1);
    CountDownLatch bDone = new CountDownLatch(1);
    BlobStore slowA =
        new Delegating(blobs) {
          @Override
          public void put(String key, byte[] envelope) {
            aWriting.countDown();
            try {
              assertThat(bDone.await(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
              throw new IllegalStateException(e);
            }
            real.put(key, envelope);
          }
        };
    AuditArchiver nodeA = archiver(slowA, 5);
    AuditArchiver nodeB = archiver(new JdbcAuditLog(b, clock), new JdbcAuditArchive(b), blobs, 5);
    CompletableFuture<AuditArchiver.Round> roundA = CompletableFuture.supplyAsync(nodeA::runOnce);
    assertThat(aWriting.await(30, TimeUnit.SECONDS)).isTrue();
    AuditArchiver.Round roundB = nodeB.runOnce(); // finds the account locked: skips it
    bDone.countDown();
    assertThat(roundB.segments()).isZero();
    assertThat(roundB.failures()).isZero();
    assertThat(roundA.get(30, TimeUnit.SECONDS).segments()).isEqualTo(4);

    // and both at once, repeatedly: never two segments for one seq
    append(acct, 20);
    clock.advance(Duration.ofDays(31));
    CompletableFuture<?> x = CompletableFuture.runAsync(() -> archiver(blobs, 3).runOnce());
    nodeB.runOnce();
    x.get(30, TimeUnit.SECONDS);
    nodeB.runOnce();
    List<ArchiveSegment> segs = archive.segments(acct);
    for (int i = 1; i < segs.size(); i++) {
      assertThat(segs.get(i).firstSeq()).isEqualTo(segs.get(i - 1).lastSeq() + 1);
      assertThat(segs.get(i).firstPrevHash()).isEqualTo(segs.get(i - 1).lastHash());
    }
    assertThat(blobFiles(acct)).isEqualTo(segs.size());
    assertThat(concat(blobs, segs.subList(0, 4)))
        .isEqualTo(AuditJsonl.lines(before.subList(0, 19)));
    List<AuditRecord> rest = inDb(acct);
    assertThat(rest.get(0).seq()).isEqualTo(segs.get(segs.size() - 1).lastSeq() + 1);
    assertThat(
            AuditChain.verify(
                    rest,
                    Optional.of(log.head(acct).hash()),
                    Optional.of(archive.anchor(acct).chainAnchor()))
                .ok())
        .isTrue();
  }
}
