package dev.cmk.service.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountStore;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.kek.Protection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes while the customer's key is unreachable (provider outage, emulated). */
class FallbackTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  AccountStore store;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    store = new JdbcAccountStore(f.db);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "remote", "customer", List.of()).report().passed()).isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void fallbackOffRefusesWithKeyUnavailableAndStoresNothing() throws Exception {
    f.remote.setDown(true);
    assertThatThrownBy(
            () -> f.content.put(acct.id(), "mail", "alice", Optional.of("m1"), new byte[] {1}))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.details()).containsEntry("reason", "network");
            });
    assertThat(f.objects.find(acct.id(), "m1")).isEmpty();
    try (var files = Files.walk(dir.resolve("blobs"))) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
  }

  @Test
  void fallbackOnProtectsWithTheBackupKeyAndStaysReadable() {
    store.update(new Account(acct.id(), acct.name(), acct.region(), true, false, acct.createdAt()));
    f.remote.setDown(true);
    StoredObject o = f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {7, 7});
    assertThat(o.protection()).isEqualTo(Protection.FALLBACK);
    assertThat(f.content.get(acct.id(), "mail", o.objectId()).plaintext()).containsExactly(7, 7);
  }

  @Test
  void aFallbackKekDeletedByAnotherNodesRecoveryIsNotUsedForANewWrite() throws Exception {
    store.update(new Account(acct.id(), acct.name(), acct.region(), true, false, acct.createdAt()));
    f.remote.setDown(true);
    StoredObject first =
        f.content.put(acct.id(), "mail", "alice", Optional.of("first"), new byte[] {1});
    // What a per-object recovery on another node does: the object moves away from its fallback
    // KEK and the KEK row is deleted, while this node still has that KEK cached.
    try (var c = f.db.dataSource().getConnection();
        var st = c.createStatement()) {
      st.executeUpdate("delete from objects where id = 'first'");
      st.executeUpdate("delete from keks where id = '" + first.kekId() + "'");
    }
    StoredObject next =
        f.content.put(acct.id(), "mail", "alice", Optional.of("next"), new byte[] {2});
    assertThat(next.kekId()).isNotEqualTo(first.kekId());
    assertThat(next.protection()).isEqualTo(Protection.FALLBACK);
    assertThat(f.content.get(acct.id(), "mail", "next").plaintext()).containsExactly(2);
  }

  @Test
  void contentWrittenBeforeTheOutageNeedsTheCustomersKeyAndTheErrorSaysSo() {
    store.update(new Account(acct.id(), acct.name(), acct.region(), true, false, acct.createdAt()));
    StoredObject before =
        f.content.put(acct.id(), "mail", "alice", Optional.of("pre"), new byte[] {1});
    f.remote.setDown(true);
    f.clock.advance(java.time.Duration.ofMinutes(6)); // the cached KEK expired
    StoredObject during =
        f.content.put(acct.id(), "mail", "alice", Optional.of("during"), new byte[] {2});
    assertThat(f.content.get(acct.id(), "mail", during.objectId()).plaintext()).containsExactly(2);
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", before.objectId()))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.getMessage())
                  .contains("written before the outage")
                  .contains("fallback protects new writes only");
              assertThat(e.details())
                  .containsEntry("keyId", "remote:customer")
                  .containsEntry("kekId", before.kekId())
                  .containsEntry("reason", "network");
            });
  }
}
