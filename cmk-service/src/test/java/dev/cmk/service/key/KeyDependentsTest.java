package dev.cmk.service.key;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.Caller;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What depends on a registration, and deleting one: refused while in use unless forced. */
class KeyDependentsTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  CustomerKey key;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    key = f.keys.register(acct, "local", "customer", List.of()).key();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void countsKeksObjectsAndBytesUnderTheKey() {
    KeyDependents none = f.keys.dependents(acct, key.id());
    assertThat(none.keks()).isZero();
    assertThat(none.protectsContent()).isFalse();
    assertThat(none.state()).isEqualTo("ACTIVE");
    assertThat(none.kmsKeyId()).isEqualTo("customer");

    f.content.put(acct.id(), "chat-message", "alice", Optional.empty(), "hello".getBytes(UTF_8));
    f.content.put(acct.id(), "chat-message", "alice", Optional.empty(), "again!".getBytes(UTF_8));
    f.content.put(acct.id(), "chat-message", "bob", Optional.empty(), "platform".getBytes(UTF_8));

    KeyDependents d = f.keys.dependents(acct, key.id());
    assertThat(d.keks()).isEqualTo(1);
    assertThat(d.objects()).isEqualTo(2);
    assertThat(d.bytes()).isEqualTo(11);
    assertThat(d.searchGrants()).isZero();
    assertThat(d.liveSessions()).isZero();
    assertThat(d.protectsContent()).isTrue();
  }

  @Test
  void deletingAKeyThatProtectsContentIsRefusedUnlessForced() {
    f.content.put(acct.id(), "chat-message", "alice", Optional.empty(), "hello".getBytes(UTF_8));
    Caller admin = Caller.system("test");

    assertThatThrownBy(() -> f.keys.delete(admin, acct, key.id(), false))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_IN_USE);
              assertThat(e.getMessage()).contains("active key").contains("1 objects");
            });
    assertThat(f.keys.activeKey(acct.id())).isPresent();

    KeyDependents gone = f.keys.delete(admin, acct, key.id(), true);
    assertThat(gone.state()).isEqualTo("DELETED");
    assertThat(gone.objects()).isEqualTo(1);
    assertThat(f.keys.activeKey(acct.id())).isEmpty();
    assertThat(f.keys.dependents(acct, key.id()).state()).isEqualTo("DELETED");
  }

  @Test
  void anotherAccountsRegistrationIsNotFound() {
    Account other = f.accounts.create("Other", null);
    assertThatThrownBy(() -> f.keys.dependents(other, key.id()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_NOT_FOUND));
  }
}
