package dev.cmk.service.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.search.SearchIndexService.Hit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Writers of one term on several threads (H2); the PostgreSQL twin is in SearchIndexPostgresIT. */
class SearchIndexConcurrencyTest {
  static final int THREADS = 6;
  static final int DOCS_PER_THREAD = 15;

  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.keys.register(acct, "remote", "customer", List.of());
    acct = f.accounts.setSearchEncryption(acct.id(), true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  @Timeout(120)
  void concurrentWritersOfOneTermLoseNothing() throws Exception {
    concurrentWritersOfOneTermLoseNothing(List.of(f));
  }

  /** Every thread indexes its own documents under one shared term, then removes half of them. */
  static void concurrentWritersOfOneTermLoseNothing(List<ServiceFixture> nodes) throws Exception {
    ServiceFixture first = nodes.get(0);
    String account = first.accounts.list().get(0).id();
    first.search.index(account, "warm-up", "chat", List.of("common"));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        SearchIndexService search = nodes.get(t % nodes.size()).search;
        done.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < DOCS_PER_THREAD; i++) {
                    search.index(
                        account, doc(thread, i), "chat", List.of("common", "t" + thread, "i" + i));
                  }
                  for (int i = 0; i < DOCS_PER_THREAD; i += 2) {
                    search.remove(account, doc(thread, i));
                  }
                  return null;
                }));
      }
      for (Future<?> d : done) {
        d.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> expected = new ArrayList<>();
    expected.add("warm-up");
    for (int t = 0; t < THREADS; t++) {
      for (int i = 1; i < DOCS_PER_THREAD; i += 2) {
        expected.add(doc(t, i));
      }
    }
    for (ServiceFixture node : nodes) {
      assertThat(ids(node.search, account, "common")).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(ids(node.search, account, "i1"))
          .containsExactlyInAnyOrderElementsOf(
              IntStream.range(0, THREADS).mapToObj(t -> doc(t, 1)).toList());
      assertThat(ids(node.search, account, "i0")).isEmpty();
    }
  }

  private static String doc(int thread, int i) {
    return "doc-" + thread + "-" + i;
  }

  private static List<String> ids(SearchIndexService s, String account, String term) {
    return s.query(account, List.of(term)).hits().stream().map(Hit::documentId).toList();
  }
}
