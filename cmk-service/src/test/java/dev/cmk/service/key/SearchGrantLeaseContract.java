package dev.cmk.service.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.provider.KeyProvider;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService.Options;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search grants' settle round in a cluster: three nodes on one database retry each pending
 * revoke once per round between them (the holder of the account's probe lease), not once per node,
 * and a node that stops is replaced by another within one lease. Admin changes are not gated: the
 * node that takes the request revokes at once. Runs on H2 and on PostgreSQL.
 */
abstract class SearchGrantLeaseContract {
  static final Duration INTERVAL = ServiceFixture.PROBE_INTERVAL;

  @TempDir Path dir;
  FakeKms kms;
  ServiceFixture f;
  List<ServiceFixture> cluster;
  List<ServiceFixture> nodes;
  Account a;
  Account b;

  /** The database the three nodes share. */
  protected abstract Database.Config database(Path dir);

  @BeforeEach
  void setUp() {
    kms = FakeKms.withSearchKeys(dir);
    f =
        ServiceFixture.on(
            dir,
            database(dir),
            List.<KeyProvider>of(kms),
            new KeyService.Principals(
                Map.of("fake", "arn:aws:iam::111122223333:role/cmk-platform"),
                Map.of("fake", SearchGrantTest.SEARCH)));
    cluster = List.of(f, f.secondNode(), f.secondNode());
    nodes = new ArrayList<>(cluster); // the nodes still running
    a = account();
    f.keys.register(a, "fake", "fk-a", List.of("fk-a-replica"));
    b = account();
    f.keys.register(b, "fake", "fk-b", List.of());
    assertThat(f.keys.searchGrants(a.id())).hasSize(2);
    assertThat(f.keys.searchGrants(b.id())).hasSize(1);
  }

  @AfterEach
  void tearDown() {
    for (int i = cluster.size() - 1; i >= 0; i--) {
      cluster.get(i).close();
    }
  }

  private Account account() {
    return f.accounts.createWith(
        "Acme",
        new Options(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(true)));
  }

  /**
   * One scheduled round on every node, as CmkNode wires it; returns how many accounts each settled.
   */
  private int[] round() {
    int[] settled = new int[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      ServiceFixture n = nodes.get(i);
      n.availability.probeRound(INTERVAL);
      settled[i] = n.searchGrants.settleRound(id -> n.availability.claimLease(id, INTERVAL));
    }
    return settled;
  }

  /** RevokeGrant calls that reached the KMS so far, on any key, answered or not. */
  private int revokeCalls() {
    return kms.attempts.entrySet().stream()
        .filter(e -> e.getKey().startsWith("RevokeGrant@"))
        .mapToInt(Map.Entry::getValue)
        .sum();
  }

  /** Search turned off on both accounts while the KMS cannot be reached: three pending revokes. */
  private void pendingRevokes() {
    kms.unreachable.add("RevokeGrant");
    f.accounts.setSearchEncryption(a.id(), false);
    f.accounts.setSearchEncryption(b.id(), false);
    assertThat(f.searchGrantStore.listForAccount(a.id()))
        .extracting(SearchGrant::status)
        .containsOnly(SearchGrant.Status.PENDING_REVOKE)
        .hasSize(2);
    assertThat(f.searchGrantStore.listForAccount(b.id())).hasSize(1);
  }

  @Test
  void aPendingRevokeIsAttemptedByOneNodePerRound() {
    pendingRevokes();
    for (int r = 0; r < 4; r++) {
      int before = revokeCalls();
      assertThat(round())
          .as("round %d: the first node holds both leases", r)
          .containsExactly(2, 0, 0);
      assertThat(revokeCalls() - before)
          .as("round %d: one call per grant, not three", r)
          .isEqualTo(3);
      f.clock.advance(INTERVAL);
    }

    kms.unreachable.clear();
    int before = revokeCalls();
    round();
    assertThat(revokeCalls() - before).isEqualTo(3);
    for (Account acct : List.of(a, b)) {
      assertThat(f.searchGrantStore.listForAccount(acct.id())).isEmpty();
      assertThat(revokedEvents(acct))
          .extracting(KeyEvent::reason, KeyEvent::source)
          .containsOnly(tuple("retried", "probe"));
    }
    assertThat(kms.grantsOn("fk-a")).isEmpty();
    assertThat(kms.grantsOn("fk-a-replica")).isEmpty();
    assertThat(kms.grantsOn("fk-b")).isEmpty();
    int after = revokeCalls();
    f.clock.advance(INTERVAL);
    assertThat(round()).as("nothing left to settle").containsExactly(0, 0, 0);
    assertThat(revokeCalls()).isEqualTo(after);
  }

  @Test
  void aNodeThatStopsIsReplacedWithinOneLease() {
    pendingRevokes();
    round();
    nodes.remove(0); // the holder stops (crash, deploy)
    kms.unreachable.clear();
    int before = revokeCalls();
    f.clock.advance(INTERVAL);
    assertThat(round()).as("its leases still run").containsExactly(0, 0);
    assertThat(revokeCalls()).isEqualTo(before);

    f.clock.advance(INTERVAL.dividedBy(2));
    assertThat(round()).as("the next node takes both expired leases").containsExactly(2, 0);
    assertThat(revokeCalls() - before).isEqualTo(3);
    assertThat(f.searchGrantStore.listForAccount(a.id())).isEmpty();
    assertThat(f.searchGrantStore.listForAccount(b.id())).isEmpty();
    assertThat(kms.grantsOn("fk-a-replica")).isEmpty();
  }

  @Test
  void adminChangesAreNotGatedByTheLease() {
    round(); // the first node holds both leases
    ServiceFixture other = nodes.get(2);
    int before = revokeCalls();
    other.accounts.setSearchEncryption(a.id(), false);
    assertThat(revokeCalls() - before)
        .as("revoked at once by the node that took the request")
        .isEqualTo(2);
    assertThat(kms.grantsOn("fk-a")).isEmpty();
    assertThat(kms.grantsOn("fk-a-replica")).isEmpty();
    assertThat(f.searchGrantStore.listForAccount(a.id())).isEmpty();

    other.accounts.setSearchEncryption(a.id(), true);
    assertThat(kms.grantsOn("fk-a")).hasSize(1);
    assertThat(f.searchGrantStore.listForAccount(a.id())).hasSize(2);
  }

  private List<KeyEvent> revokedEvents(Account acct) {
    return f.availability.events(acct.id(), 100).stream()
        .filter(e -> e.kind().equals(SearchGrantService.REVOKED))
        .toList();
  }
}
