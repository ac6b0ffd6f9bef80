package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.store.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
 * Two nodes on one PostgreSQL write, read and refuse content of one account at once: every
 * operation leaves exactly one row and the account's chain stays gapless and unforked.
 */
class AuditTwoNodePostgresIT {
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
  }

  @AfterEach
  void tearDown() {
    b.close();
    a.close();
  }

  @Test
  @Timeout(120)
  void twoNodesAppendToOneUnforkedChain() throws Exception {
    int threads = 6;
    int each = 30;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      ServiceFixture node = t % 2 == 0 ? a : b;
      done.add(
          pool.submit(
              () -> {
                start.await();
                Caller c = new Caller(ActorKind.SERVICE, "tok_" + tt, "req-" + tt);
                for (int i = 0; i < each; i++) {
                  String id = "o-" + tt + "-" + i;
                  node.content.put(
                      c,
                      acct.id(),
                      "mail",
                      "alice",
                      Optional.of(id),
                      id.getBytes(StandardCharsets.UTF_8));
                  node.content.get(c, acct.id(), "mail", id);
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(100, TimeUnit.SECONDS);
    }
    pool.shutdown();
    String head = b.auditService.head(acct.id()).hash();
    List<AuditRecord> rows = new ArrayList<>();
    a.auditService.export(
        Caller.system("test"),
        acct.id(),
        AuditService.Format.JSONL,
        AuditService.Window.parse(
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("10000")),
        rows::add);
    assertThat(rows.stream().filter(r -> r.action().equals(Actions.CONTENT_WRITE)))
        .hasSize(threads * each);
    assertThat(rows.stream().filter(r -> r.action().equals(Actions.CONTENT_READ)))
        .hasSize(threads * each);
    AuditChain.Verification v = AuditChain.verify(rows, Optional.of(head));
    assertThat(v.ok()).as(v.problem()).isTrue();
    assertThat(v.lastSeq()).isEqualTo(rows.size());
  }
}
