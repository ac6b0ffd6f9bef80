package dev.cmk.service.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: shared transactions, per-caller outcomes, answered only after the commit. */
class GroupCommitTest {
  @TempDir Path dir;
  Database db;

  /** A second pool on the same database: what it sees is committed. */
  Database other;

  @BeforeEach
  void open() {
    db = Database.open(Database.embedded(dir));
    other = Database.open(Database.embedded(dir));
    db.jdbi()
        .useHandle(h -> h.execute("create table gc_test (id int primary key, tx varchar(64))"));
  }

  @AfterEach
  void close() {
    other.close();
    db.close();
  }

  private int insert(int id) {
    return db.jdbi()
        .withHandle(
            h -> {
              h.createUpdate("insert into gc_test (id) values (:id)").bind("id", id).execute();
              // H2's id of the open transaction (it has a change now), kept with the row
              String tx = h.createQuery("select transaction_id()").mapTo(String.class).one();
              h.createUpdate("update gc_test set tx = :tx where id = :id")
                  .bind("id", id)
                  .bind("tx", tx)
                  .execute();
              return id;
            });
  }

  private boolean committed(int id) {
    return other
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select count(*) from gc_test where id = :id")
                        .bind("id", id)
                        .mapTo(Integer.class)
                        .one()
                    > 0);
  }

  @Test
  @Timeout(120)
  void concurrentCallersShareTransactionsAndReturnOnlyAfterTheCommit() throws Exception {
    int threads = 16;
    int each = 30;
    Set<Integer> notVisibleOnReturn = ConcurrentHashMap.newKeySet();
    try (GroupCommit commits = new GroupCommit(db, 2, 64, Duration.ofMillis(1))) {
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
                    int id = tt * 1000 + i;
                    assertThat(commits.run(() -> insert(id))).isEqualTo(id);
                    if (!committed(id)) {
                      notVisibleOnReturn.add(id);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }
    assertThat(notVisibleOnReturn).isEmpty();
    long rows =
        db.jdbi()
            .withHandle(h -> h.createQuery("select count(*) from gc_test").mapTo(Long.class).one());
    long transactions =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("select count(distinct tx) from gc_test")
                        .mapTo(Long.class)
                        .one());
    assertThat(rows).isEqualTo(threads * each);
    assertThat(transactions).as("transactions for %d units", rows).isLessThan(rows);
    System.out.printf("group commit: %d units in %d transactions%n", rows, transactions);
  }

  @Test
  @Timeout(120)
  void aFailingUnitFailsAloneAndTheOthersOfItsBatchCommit() throws Exception {
    insert(7); // a unit inserting 7 again fails with a duplicate key
    AtomicInteger runs = new AtomicInteger();
    int threads = 8;
    try (GroupCommit commits = new GroupCommit(db, 1, 64, Duration.ofMillis(20))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t == 3 ? 7 : 100 + t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  return commits.run(
                      () -> {
                        runs.incrementAndGet();
                        return insert(id);
                      });
                }));
      }
      for (int t = 0; t < threads; t++) {
        if (t == 3) {
          int tt = t;
          assertThatThrownBy(() -> done.get(tt).get(60, TimeUnit.SECONDS))
              .hasRootCauseInstanceOf(java.sql.SQLException.class);
        } else {
          assertThat(done.get(t).get(60, TimeUnit.SECONDS)).isEqualTo(100 + t);
          assertThat(committed(100 + t)).isTrue();
        }
      }
      pool.shutdown();
    }
    assertThat(runs.get()).isGreaterThanOrEqualTo(threads);
  }

  @Test
  void aUnitsRuntimeExceptionReachesItsCallerAsIs() {
    try (GroupCommit commits = new GroupCommit(db, 1, 8, Duration.ZERO)) {
      IllegalStateException boom = new IllegalStateException("refused");
      assertThatThrownBy(
              () ->
                  commits.run(
                      () -> {
                        insert(1);
                        throw boom;
                      }))
          .isSameAs(boom);
      assertThat(committed(1)).isFalse(); // rolled back with the unit
    }
  }
}
