package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.key.KeyProviders;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled probing in a cluster: three nodes on one database probe each customer key once per
 * interval between them (the holder of the account's probe lease), the others read the stored
 * status, and a node that stops probing is replaced within one lease.
 */
class ProbeLeaseTest {
  static final Duration INTERVAL = ServiceFixture.PROBE_INTERVAL;

  @TempDir Path dir;
  ServiceFixture f;
  Account a;
  Account b;
  List<AvailabilityService> nodes;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    a = f.accounts.create("Acme", null);
    b = f.accounts.create("Globex", null);
    // a customer key protects one account only: each account registers its own
    assertThat(f.keys.register(a, "remote", "customer", List.of()).report().passed()).isTrue();
    assertThat(f.keys.register(b, "remote", "customer2", List.of()).report().passed()).isTrue();
    nodes = List.of(f.availability, node(), node()); // three nodes: same database, same providers
  }

  private AvailabilityService node() {
    return new AvailabilityService(
        f.availabilityStore,
        new KeyProviders(List.of(f.remote)),
        "cmk-test",
        f.audit,
        f.clock,
        new SecureRandom(),
        f.metrics);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** Runs one scheduled round on every node; returns how many keys each probed. */
  private int[] round() {
    int[] probed = new int[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      probed[i] = nodes.get(i).probeRound(INTERVAL);
    }
    return probed;
  }

  @Test
  void eachKeyIsProbedOncePerIntervalByTheLeaseHolder() {
    long c0 = f.remote.calls();
    f.availability.probe(f.keys.activeKey(a.id()).orElseThrow());
    long perProbe = f.remote.calls() - c0; // a probe is a round trip through the key
    long before = f.remote.calls();
    for (int r = 0; r < 5; r++) {
      int[] probed = round();
      assertThat(probed[0] + probed[1] + probed[2]).as("round %d", r).isEqualTo(2);
      assertThat(probed[0]).as("the first node keeps both leases").isEqualTo(2);
      f.clock.advance(INTERVAL);
    }
    // five rounds, two keys, one probe each: not three (one per node)
    assertThat(f.remote.calls() - before).isEqualTo(10 * perProbe);
    assertThat(f.availability.status(a.id()).orElseThrow().state()).isEqualTo(KeyState.AVAILABLE);
  }

  @Test
  void whatTheHolderFindsIsWhatEveryNodeReports() {
    round();
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(INTERVAL);
    int[] probed = round();
    assertThat(probed[1] + probed[2]).as("the others did not call the KMS").isZero();
    assertThat(nodes.get(2).status(a.id()).orElseThrow().state()).isEqualTo(KeyState.UNAVAILABLE);
    assertThat(f.metrics.get(AvailabilityService.METRIC).tag("account", b.id()).gauge().value())
        .isEqualTo(2);
  }

  @Test
  void aNodeThatStopsProbingIsReplacedWithinOneLease() {
    round();
    nodes = List.of(nodes.get(1), nodes.get(2)); // the holder stops (crash, deploy)
    f.clock.advance(INTERVAL);
    assertThat(round()).as("its leases still run").containsExactly(0, 0);
    f.clock.advance(INTERVAL.dividedBy(2));
    int[] probed = round();
    assertThat(probed[0]).as("the next node takes both expired leases").isEqualTo(2);
    assertThat(probed[1]).isZero();
    f.clock.advance(INTERVAL);
    assertThat(round()).containsExactly(2, 0);
  }

  @Test
  void aNodeThatShutsDownGracefullyIsReplacedAtTheNextRound() {
    round();
    nodes.get(0).releaseLeases(); // CmkNode.close()
    nodes = List.of(nodes.get(1), nodes.get(2));
    assertThat(round()).as("no waiting for the leases to expire").containsExactly(2, 0);
    assertThat(f.availabilityStore.releaseProbes("no-such-node")).isZero();
  }

  @Test
  void theLeaseIsTakenOnlyWhenFreeExpiredOrOwn() {
    Instant now = f.clock.instant();
    Instant later = now.plus(INTERVAL);
    assertThat(f.availabilityStore.claimProbe(a.id(), "n1", now, later)).isTrue();
    assertThat(f.availabilityStore.claimProbe(a.id(), "n2", now, later)).isFalse();
    assertThat(f.availabilityStore.claimProbe(a.id(), "n1", now, later)).as("renewed").isTrue();
    assertThat(f.availabilityStore.claimProbe(a.id(), "n2", later.minusMillis(1), later)).isFalse();
    assertThat(f.availabilityStore.claimProbe(a.id(), "n2", later, later.plus(INTERVAL)))
        .as("expired")
        .isTrue();
    assertThat(f.availabilityStore.claimProbe(a.id(), "n1", later, later.plus(INTERVAL))).isFalse();
    assertThat(f.availabilityStore.claimProbe(b.id(), "n1", now, later))
        .as("leases are per account")
        .isTrue();
  }
}
