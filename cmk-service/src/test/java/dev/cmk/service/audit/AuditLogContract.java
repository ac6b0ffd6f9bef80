package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.GroupCommit;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit log's store contract, run on H2 and on PostgreSQL: rows chain and verify, and
 * concurrent appends for one account, from many threads on two nodes (two pools on one database),
 * give a gapless chain that never forks.
 */
abstract class AuditLogContract {
  Database a;
  Database b;

  abstract Database.Config config();

  @AfterEach
  void close() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private String account(Database db) {
    // the account's own creation event stays out of the chain under test
    return new AccountService(
            new JdbcAccountStore(db),
            new RecordingAuditLog(),
            Clock.systemUTC(),
            new SecureRandom())
        .create("Acme", null)
        .id();
  }

  static AuditEvent event(String account, int i) {
    return AuditEvent.of(
            account,
            new Caller(ActorKind.SERVICE, "tok_" + (i % 3), "req-" + i),
            Actions.CONTENT_WRITE)
        .withTarget("chat", "obj-" + i)
        .withUser("alice")
        .withKek("kek_1", "CMK")
        .withDetail("n", Integer.toString(i));
  }

  @Test
  void appendedRowsChainFromGenesisAndVerify() {
    Database.Config cfg = config();
    a = Database.open(cfg);
    String acct = account(a);
    JdbcAuditLog log = new JdbcAuditLog(a, Clock.systemUTC());
    assertThat(log.head(acct).seq()).isZero();
    for (int i = 0; i < 5; i++) {
      log.record(event(acct, i));
    }
    List<AuditRecord> rows = log.page(acct, JdbcAuditLog.Filter.all(), 100);
    assertThat(rows).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(rows.get(0).prevHash()).isEqualTo(AuditChain.GENESIS);
    assertThat(rows.get(2).requestId()).isEqualTo("req-2");
    assertThat(rows.get(2).details()).containsEntry("n", "2");
    JdbcAuditLog.Head head = log.head(acct);
    assertThat(head.seq()).isEqualTo(5);
    assertThat(AuditChain.verify(rows, Optional.of(head.hash())).ok()).isTrue();
  }

  @Test
  void aRolledBackChangeTakesItsAuditRowWithIt() {
    a = Database.open(config());
    String acct = account(a);
    JdbcAuditLog log = new JdbcAuditLog(a, Clock.systemUTC());
    log.record(event(acct, 0));
    try {
      log.inTransaction(
          () -> {
            log.record(event(acct, 1));
            throw new IllegalStateException("the change failed");
          });
    } catch (IllegalStateException expected) {
      // the change and its row are gone together
    }
    log.record(event(acct, 2));
    List<AuditRecord> rows = log.page(acct, JdbcAuditLog.Filter.all(), 100);
    assertThat(rows).extracting(r -> r.details().get("n")).containsExactly("0", "2");
    assertThat(AuditChain.verify(rows, Optional.of(log.head(acct).hash())).ok()).isTrue();
  }

  @Test
  @Timeout(120)
  void concurrentAppendsOnTwoNodesGiveOneGaplessChain() throws Exception {
    Database.Config cfg = config();
    a = Database.open(cfg);
    b = Database.open(cfg);
    String acct = account(a);
    String other = account(a);
    List<JdbcAuditLog> nodes =
        List.of(new JdbcAuditLog(a, Clock.systemUTC()), new JdbcAuditLog(b, Clock.systemUTC()));
    int threads = 8;
    int each = 40;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < each; i++) {
                  JdbcAuditLog log = nodes.get((tt + i) % 2);
                  log.record(event(i % 5 == 0 ? other : acct, tt * 1000 + i));
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(100, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (String account : List.of(acct, other)) {
      List<AuditRecord> rows = nodes.get(0).page(account, JdbcAuditLog.Filter.all(), 10_000);
      long expected = account.equals(other) ? threads * (each / 5) : threads * each * 4 / 5;
      assertThat(rows).hasSize((int) expected);
      assertThat(rows).extracting(AuditRecord::seq).doesNotHaveDuplicates();
      assertThat(rows.get(rows.size() - 1).seq()).isEqualTo(expected);
      AuditChain.Verification v =
          AuditChain.verify(rows, Optional.of(nodes.get(1).head(account).hash()));
      assertThat(v.ok()).as(v.problem()).isTrue();
    }
  }

  /**
   * Issue 15: rows chained before pending rows existed (one transaction per append under the head
   * lock, as V8 did) stay as they are, and what is recorded now continues their chain.
   */
  @Test
  void rowsChainedTheOldWayStillVerifyAndTheChainContinuesFromThem() {
    a = Database.open(config());
    String acct = account(a);
    String prev = AuditChain.GENESIS;
    for (int i = 1; i <= 3; i++) {
      AuditRecord r = AuditRecord.append(event(acct, i), i, java.time.Instant.now(), prev);
      a.jdbi()
          .useHandle(
              h -> JdbcAuditLog.bindLog(h.createUpdate(JdbcAuditLog.INSERT_LOG), r).execute());
      prev = r.hash();
    }
    String head = prev;
    a.jdbi()
        .useHandle(
            h ->
                h.createUpdate("insert into audit_heads (account_id, seq, hash) values (:a, 3, :h)")
                    .bind("a", acct)
                    .bind("h", head)
                    .execute());
    JdbcAuditLog log = new JdbcAuditLog(a, Clock.systemUTC());
    for (int i = 4; i <= 6; i++) {
      log.record(event(acct, i));
    }
    List<AuditRecord> rows = log.page(acct, JdbcAuditLog.Filter.all(), 100);
    assertThat(rows).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(rows.get(3).prevHash()).isEqualTo(head);
    assertThat(AuditChain.verify(rows, Optional.of(log.head(acct).hash())).ok()).isTrue();
  }

  /**
   * Issue 15: appends group-committed from many threads on two nodes while both nodes' background
   * sequencers run: no append waits for a lock, every row is chained exactly once, the chain is
   * gapless and verifies, and a read of the chain (head, page) includes every row recorded before
   * it.
   */
  @Test
  @Timeout(180)
  void groupCommittedAppendsWithBothNodesSequencingGiveOneGaplessChain() throws Exception {
    Database.Config cfg = config();
    a = Database.open(cfg);
    b = Database.open(cfg);
    String acct = account(a);
    try (GroupCommit ca = new GroupCommit(a, 2, 64, java.time.Duration.ofNanos(500_000));
        GroupCommit cb = new GroupCommit(b, 2, 64, java.time.Duration.ZERO)) {
      List<JdbcAuditLog> nodes =
          List.of(
              new JdbcAuditLog(a, Clock.systemUTC(), Optional.of(ca)),
              new JdbcAuditLog(b, Clock.systemUTC(), Optional.of(cb)));
      int threads = 8;
      int each = 50;
      ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
      java.util.concurrent.atomic.AtomicBoolean recording =
          new java.util.concurrent.atomic.AtomicBoolean(true);
      List<Future<?>> sequencers = new ArrayList<>();
      for (JdbcAuditLog node : nodes) {
        sequencers.add(
            pool.submit(
                () -> {
                  while (recording.get()) {
                    node.sequencer().runOnce();
                  }
                  return null;
                }));
      }
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int tt = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < each; i++) {
                    nodes.get((tt + i) % 2).record(event(acct, tt * 1000 + i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(150, TimeUnit.SECONDS);
      }
      recording.set(false);
      for (Future<?> f : sequencers) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      JdbcAuditLog.Head head = nodes.get(1).head(acct);
      List<AuditRecord> rows = nodes.get(0).page(acct, JdbcAuditLog.Filter.all(), 10_000);
      assertThat(rows).hasSize(threads * each);
      assertThat(head.seq()).isEqualTo(threads * each);
      assertThat(rows).extracting(r -> r.details().get("n")).doesNotHaveDuplicates();
      AuditChain.Verification v = AuditChain.verify(rows, Optional.of(head.hash()));
      assertThat(v.ok()).as(v.problem()).isTrue();
      long pending =
          a.jdbi()
              .withHandle(
                  h -> h.createQuery("select count(*) from audit_pending").mapTo(Long.class).one());
      assertThat(pending).isZero();
    }
  }
}
