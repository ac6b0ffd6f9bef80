package dev.cmk.service.search;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.store.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes on one PostgreSQL index one term at once: row locks and versions lose nothing. */
class SearchIndexPostgresIT {
  @TempDir Path dir;
  ServiceFixture a;
  ServiceFixture b;

  @BeforeEach
  void setUp() {
    a = new ServiceFixture(dir, TestPostgres.freshDatabase(), KekCacheConfig.defaults());
    b = a.secondNode();
    Account acct = a.accounts.create("Acme", null);
    a.keys.register(acct, "remote", "customer", List.of());
    a.accounts.setSearchEncryption(acct.id(), true);
  }

  @AfterEach
  void tearDown() {
    b.close();
    a.close();
  }

  @Test
  @Timeout(180)
  void concurrentWritersOnTwoNodesLoseNothing() throws Exception {
    SearchIndexConcurrencyTest.concurrentWritersOfOneTermLoseNothing(List.of(a, b));
  }
}
