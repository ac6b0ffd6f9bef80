package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on one PostgreSQL: they share one recovery job through leases (SELECT … FOR UPDATE SKIP
 * LOCKED), each item is applied once; revoke-now on one node stops the other serving from its
 * cache.
 */
class TwoNodePostgresIT {
  @TempDir Path dir;
  ServiceFixture a;
  ServiceFixture b;
  Account acct;

  @BeforeEach
  void setUp() {
    a = new ServiceFixture(dir, TestPostgres.freshDatabase(), KekCacheConfig.defaults());
    b = a.secondNode();
    acct = a.accounts.create("Acme", null);
    a.keys.register(acct, "remote", "customer", List.of());
    a.accounts.setLicense(acct.id(), "alice", true);
    a.revocation.setFallback(acct.id(), true);
    a.scheduler.tick();
  }

  @AfterEach
  void tearDown() {
    b.close();
    a.close();
  }

  @Test
  @Timeout(120)
  void twoNodesShareOneRecoveryJobAndApplyEachItemOnce() throws Exception {
    a.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
    a.remote.setMode(Mode.DOWN);
    a.clock.advance(Duration.ofMinutes(6));
    a.scheduler.tick();
    List<StoredObject> fallback = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String id = "fb-" + i;
      fallback.add(
          (i % 2 == 0 ? a : b)
              .content.put(
                  acct.id(), i % 3 == 0 ? "mail" : "doc", "alice", Optional.of(id), bytes(id)));
    }
    assertThat(fallback).allMatch(o -> o.protection() == Protection.FALLBACK);
    a.remote.setMode(Mode.UP);
    a.clock.advance(ServiceFixture.PROBE_INTERVAL);
    a.scheduler.tick();
    b.scheduler.tick(); // both nodes see the key back; only one job exists
    Job job = a.jobStore.running(acct.id()).orElseThrow();
    assertThat(a.jobs.list(acct.id())).hasSize(1);

    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> work = new ArrayList<>();
      for (ServiceFixture node : List.of(a, b)) {
        work.add(
            pool.submit(
                () -> {
                  start.await();
                  int mine = 0;
                  for (int i = 0; i < 1000; i++) {
                    int n = node.jobs.runOnce();
                    assertThat(n)
                        .as("a claim never exceeds the batch size")
                        .isLessThanOrEqualTo(50);
                    if (n == 0) {
                      break;
                    }
                    mine += n;
                  }
                  return mine;
                }));
      }
      int byA = work.get(0).get(90, TimeUnit.SECONDS);
      int byB = work.get(1).get(90, TimeUnit.SECONDS);
      assertThat(byA + byB).as("no item processed twice").isEqualTo(500);
      assertThat(byA).as("node a took part").isPositive();
      assertThat(byB).as("node b took part").isPositive();
    } finally {
      pool.shutdownNow();
    }
    a.jobs.runOnce(); // finish
    JobService.JobReport end = a.jobs.get(acct.id(), job.id());
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(500);
    for (StoredObject o : fallback) {
      StoredObject now = b.objects.find(acct.id(), o.objectId()).orElseThrow();
      assertThat(now.protection()).isEqualTo(Protection.CMK);
      assertThat(b.content.get(acct.id(), o.assetType(), o.objectId()).plaintext())
          .isEqualTo(bytes(o.objectId()));
    }
  }

  @Test
  void revokeOnOneNodeStopsTheOtherServingFromItsCache() {
    a.content.put(acct.id(), "mail", "alice", Optional.of("m1"), bytes("m1"));
    assertThat(b.content.get(acct.id(), "mail", "m1").plaintext()).isEqualTo(bytes("m1"));
    a.remote.setMode(Mode.DISABLED);
    a.revocation.revoke(acct.id());
    assertThatThrownBy(() -> b.content.get(acct.id(), "mail", "m1"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED));
    assertThatThrownBy(() -> b.revocation.revoke(acct.id()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_REVOKED));
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(StandardCharsets.UTF_8);
  }
}
