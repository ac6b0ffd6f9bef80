package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revoke now, across two nodes on one database. */
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
                assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED);
                assertThat(e.details()).containsEntry("keyId", "remote:customer");
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

    // turning fallback on again ends the revocation; a new revoke is allowed
    assertThat(a.revocation.setFallback(acct.id(), true).fallbackEnabled()).isTrue();
    assertThat(a.revocation.revocation(acct.id()).revoked()).isFalse();
    assertThat(a.revocation.revoke(acct.id()).epoch()).isEqualTo(epoch + 1);

    // fallback turned on by any other route (e.g. the account API) ends the revocation too
    a.setOptions(a.accounts.require(acct.id()), true, false);
    assertThat(a.revocation.revocation(acct.id()).revoked()).isFalse();
    assertThat(a.revocation.revoke(acct.id()).epoch()).isEqualTo(epoch + 2);
  }

  @Test
  void anEnabledKeyIsFetchedAgainAfterRevokeOnEveryNode() {
    a.content.put(acct.id(), "mail", "alice", Optional.of("m1"), new byte[] {1});
    b.content.get(acct.id(), "mail", "m1");
    a.revocation.revoke(acct.id());
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
