package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.Caller;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revoke now, a kill switch that holds until lifted, across two nodes on one database. */
class RevocationTest {
  @TempDir Path dir;
  ServiceFixture a;
  ServiceFixture b;
  Account acct;

  @BeforeEach
  void setUp() {
    a = ServiceFixture.h2(dir);
    b = a.secondNode();
    acct = a.accounts.create("Acme", null);
    a.keys.register(acct, "remote", "customer", List.of());
    a.accounts.setLicense(acct.id(), "alice", true);
    acct = a.setOptions(acct, true, false);
  }

  @AfterEach
  void tearDown() {
    b.close();
    a.close();
  }

  @Test
  void afterRevokeReturnsNoNodeServesTheAccountFromCache() {
    a.content.put(acct.id(), "mail", "alice", Optional.of("m1"), new byte[] {1});
    assertThat(b.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(1);
    assertThat(a.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(1);
    double bCalls = b.providerCalls("remote");
    b.content.get(acct.id(), "mail", "m1");
    assertThat(b.providerCalls("remote")).as("node b serves from its cache").isEqualTo(bCalls);

    // the customer disables the key, then the admin revokes on node a
    a.remote.setMode(Mode.DISABLED);
    a.revocation.revoke(acct.id());

    for (ServiceFixture node : List.of(a, b)) {
      assertThatThrownBy(() -> node.content.get(acct.id(), "mail", "m1"))
          .isInstanceOfSatisfying(
              CmkException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED);
                assertThat(e.details()).containsEntry("accountId", acct.id());
              });
    }
    assertThat(a.accounts.require(acct.id()).fallbackEnabled()).isFalse();
    assertThat(a.availability.events(acct.id(), 10)).anyMatch(e -> e.kind().equals("revoked"));
  }

  @Test
  void revokingTwiceIsAConflictAndChangesNothing() {
    long epoch = a.revocation.revoke(acct.id()).epoch();
    int events = a.availability.events(acct.id(), 100).size();
    assertThatThrownBy(() -> b.revocation.revoke(acct.id()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_REVOKED));
    assertThat(a.revocation.revocation(acct.id()).epoch()).isEqualTo(epoch);
    assertThat(a.availability.events(acct.id(), 100)).hasSize(events);

    // turning fallback on does not end the revocation: it is refused while revoked
    assertThatThrownBy(() -> a.revocation.setFallback(acct.id(), true))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCOUNT_REVOKED));
    // fallback turned on by the operator's account API does not end it either
    a.setOptions(a.accounts.require(acct.id()), true, false);
    assertThat(a.revocation.revocation(acct.id()).revoked()).isTrue();

    // only the admin's lift ends it; then a new revoke is allowed
    assertThat(b.revocation.lift(Caller.system("admin-test"), acct.id()).revoked()).isFalse();
    assertThatThrownBy(() -> b.revocation.lift(Caller.system("admin-test"), acct.id()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_REVOKED));
    assertThat(a.revocation.revoke(acct.id()).epoch()).isEqualTo(epoch + 1);
  }

  @Test
  void revokeNowHoldsOnEveryNodeWithAHealthyKeyUntilLifted() {
    a.content.put(acct.id(), "mail", "alice", Optional.of("m1"), new byte[] {1});
    a.content.put(acct.id(), "mail", "bob", Optional.of("p1"), new byte[] {2}); // unlicensed
    b.content.get(acct.id(), "mail", "m1");
    var session = a.sessions.open(acct.id(), "alice");
    a.revocation.revoke(Caller.system("admin-test"), acct.id());

    // the key answers every call, yet no node reads, writes or opens a session under it
    double before = a.providerCalls("remote") + b.providerCalls("remote");
    for (ServiceFixture node : List.of(a, b)) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> node.content.get(acct.id(), "mail", "m1"))
            .isInstanceOfSatisfying(
                CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED));
      }
      assertThatThrownBy(
              () -> node.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {3}))
          .isInstanceOfSatisfying(
              CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED));
      assertThatThrownBy(() -> node.sessions.open(acct.id(), "alice"))
          .isInstanceOfSatisfying(
              CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REVOKED));
      // content under the platform key is not the customer key's to revoke
      assertThat(node.content.get(acct.id(), "mail", "p1").plaintext()).containsExactly(2);
    }
    assertThat(a.providerCalls("remote") + b.providerCalls("remote"))
        .as("no call reaches the customer's key while revoked")
        .isEqualTo(before);
    assertThat(a.sessions.get(acct.id(), session.session().id()).status().name())
        .isEqualTo("ENDED");
    // the key status shows since when and by whom
    var st = b.revocation.keyStatus(acct.id());
    assertThat(st.revocation().revoked()).isTrue();
    assertThat(st.revocation().revokedBy()).isEqualTo("system:admin-test");
    assertThat(st.revocation().revokedAt()).contains(a.clock.instant());

    b.revocation.lift(Caller.system("admin-test"), acct.id());
    for (ServiceFixture node : List.of(a, b)) {
      assertThat(node.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(1);
    }
    assertThat(a.revocation.keyStatus(acct.id()).revocation().liftedBy())
        .isEqualTo("system:admin-test");
    assertThat(a.availability.events(acct.id(), 10))
        .anyMatch(e -> e.kind().equals("revocation_lifted"));
  }

  @Test
  void anEnabledKeyIsFetchedAgainAfterTheRevocationIsLiftedOnEveryNode() {
    a.content.put(acct.id(), "mail", "alice", Optional.of("m1"), new byte[] {1});
    b.content.get(acct.id(), "mail", "m1");
    a.revocation.revoke(acct.id());
    a.revocation.lift(Caller.system("admin-test"), acct.id());
    double before = b.providerCalls("remote");
    assertThat(b.content.get(acct.id(), "mail", "m1").plaintext()).containsExactly(1);
    assertThat(b.providerCalls("remote")).isEqualTo(before + 1);
  }

  @Test
  void unknownAccountIsNotFound() {
    assertThatThrownBy(() -> a.revocation.revoke("acct_nope"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCOUNT_NOT_FOUND));
  }
}
