package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.key.KeyProviders;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Probing on a stepped clock, observation on traffic, states, events and the gauge. */
class AvailabilityTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.remote.addReplica("customer-replica", "customer");
    assertThat(
            f.keys
                .register(acct, "remote", "customer", List.of("customer-replica"))
                .report()
                .passed())
        .isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private KeyStatus status() {
    return f.availability.status(acct.id()).orElseThrow();
  }

  private double gauge() {
    return f.metrics.get(AvailabilityService.METRIC).tag("account", acct.id()).gauge().value();
  }

  @Test
  void probesOnTheScheduleAndRecordsEveryTransition() {
    assertThat(f.scheduler.tick()).isTrue();
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
    assertThat(gauge()).isZero();

    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofSeconds(10));
    assertThat(f.scheduler.tick()).as("not due before the interval").isFalse();
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);

    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    assertThat(f.scheduler.tick()).isTrue();
    assertThat(status().state()).isEqualTo(KeyState.UNAVAILABLE);
    assertThat(status().cause()).isEqualTo(Cause.UNREACHABLE);
    assertThat(status().reason()).isEqualTo("network");
    assertThat(gauge()).isEqualTo(2);

    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(transitions()).hasSize(2);

    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
    List<KeyEvent> events = transitions();
    assertThat(events)
        .extracting(KeyEvent::toState)
        .containsExactly("AVAILABLE", "UNAVAILABLE", "AVAILABLE");
    assertThat(events.get(1).fromState()).isEqualTo("AVAILABLE");
    assertThat(events).allMatch(e -> e.source().equals("probe"));
  }

  @Test
  void aReplicaAnsweringMakesTheKeyDegraded() {
    f.remote.setMode(Mode.DOWN, Set.of("customer"));
    f.scheduler.tick();
    assertThat(status().state()).isEqualTo(KeyState.DEGRADED);
    assertThat(status().detail()).contains("replica customer-replica answered");
    assertThat(gauge()).isEqualTo(1);
  }

  @Test
  void throttlingIsUnreachableAndDisablingIsRefused() {
    f.remote.setMode(Mode.THROTTLED);
    f.scheduler.tick();
    assertThat(status().cause()).isEqualTo(Cause.UNREACHABLE);
    assertThat(status().reason()).isEqualTo("throttled");

    f.remote.setMode(Mode.DISABLED);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(status().state()).isEqualTo(KeyState.UNAVAILABLE);
    assertThat(status().cause()).isEqualTo(Cause.REFUSED);
    assertThat(status().reason()).isEqualTo("disabled");
  }

  @Test
  void trafficFailuresAndSuccessesMoveTheStateBetweenProbes() {
    f.scheduler.tick();
    f.remote.setMode(Mode.DOWN);
    assertThatThrownBy(
            () -> f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1}))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.details()).containsEntry("keyId", "remote:customer");
            });
    assertThat(status().state()).isEqualTo(KeyState.UNAVAILABLE);
    assertThat(transitions().get(0).source()).isEqualTo("traffic");

    f.remote.setMode(Mode.UP);
    StoredObject o = f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1});
    assertThat(o.protection().name()).isEqualTo("CMK");
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
  }

  @Test
  void aKeyDisabledMidStreamIsRefusedWithoutFallbackAndPurgesTheCache() {
    // fallback on in OUTAGES_ONLY mode: a key the customer disables stops new CMK writes (in the
    // default ANY_REASON mode they would fall back: FallbackModesTest)
    f.revocation.setFallback(
        dev.cmk.service.audit.Caller.system("test"),
        acct.id(),
        true,
        Optional.of(dev.cmk.service.account.FallbackMode.OUTAGES_ONLY));
    f.remote.setModeAfter(Mode.DISABLED, 1); // the KEK fetch succeeds, then the customer disables
    for (int i = 0; i < 20; i++) {
      f.content.put(acct.id(), "mail", "alice", Optional.of("m" + i), new byte[] {(byte) i});
    }
    assertThat(f.keks.cachedCount()).isPositive();
    f.scheduler.tick();
    assertThat(status().cause()).isEqualTo(Cause.REFUSED);
    // the refusal purged the cache: reads and writes now need the (disabled) key
    assertThatThrownBy(() -> f.content.get(acct.id(), "mail", "m3"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
    assertThatThrownBy(
            () -> f.content.put(acct.id(), "mail", "alice", Optional.of("x"), new byte[] {1}))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
    assertThat(f.objects.find(acct.id(), "x")).isEmpty();
  }

  @Test
  void aSlowProviderTimesOutBehindTheResilienceDecoratorAndCountsAsUnreachable() {
    f.remote.setSlowness(Duration.ofSeconds(2));
    f.remote.setMode(Mode.SLOW);
    ResiliencePolicy quick =
        new ResiliencePolicy(
            Duration.ofMillis(100),
            1,
            Duration.ZERO,
            Duration.ZERO,
            20,
            5,
            50,
            Duration.ofSeconds(30),
            2,
            8);
    try (ResilientKeyProvider guarded =
        new ResilientKeyProvider(
            f.remote, quick, f.clock, d -> {}, new java.util.SplittableRandom(1))) {
      AvailabilityService prober =
          new AvailabilityService(
              f.availabilityStore,
              new KeyProviders(List.of(guarded)),
              "cmk-test",
              f.audit,
              f.clock,
              new java.security.SecureRandom(),
              f.metrics);
      long start = System.nanoTime();
      KeyStatus st = prober.probe(f.keys.activeKey(acct.id()).orElseThrow());
      System.out.printf(
          "AvailabilityTest: probe of an unreachable key answered in %d ms%n",
          Duration.ofNanos(System.nanoTime() - start).toMillis());
      assertThat(st.state()).isEqualTo(KeyState.UNAVAILABLE);
      assertThat(st.cause()).isEqualTo(Cause.UNREACHABLE);
      assertThat(st.reason()).isEqualTo("timeout");
    }
  }

  @Test
  void aFallbackWriteWhoseBackupKeyFailsIsAClearError() {
    f.setOptions(acct, true, false);
    f.remote.setMode(Mode.DOWN);
    f.local.setEnabled("backup", false);
    assertThatThrownBy(
            () -> f.content.put(acct.id(), "mail", "alice", Optional.of("x"), new byte[] {1}))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED);
              assertThat(e.details()).containsEntry("keyId", "local:backup");
            });
    assertThat(f.objects.find(acct.id(), "x")).isEmpty();
  }

  @Test
  void aProviderReportingReplicaServiceMakesTheKeyDegradedUntilThePrimaryServesAgain() {
    f.scheduler.tick();
    dev.cmk.provider.KeyRef ref =
        new dev.cmk.provider.KeyRef("remote", "customer", List.of("customer-replica"));
    f.availability.served(ref, "customer-replica", true);
    assertThat(status().state()).isEqualTo(KeyState.DEGRADED);
    assertThat(status().detail()).contains("customer-replica");
    f.availability.served(ref, "customer", false);
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
    assertThat(transitions())
        .extracting(KeyEvent::source)
        .containsExactly("traffic", "traffic", "probe");
  }

  /** The key's state transitions, newest first (without the events that explain them). */
  private List<KeyEvent> transitions() {
    return f.availability.events(acct.id(), 20).stream()
        .filter(e -> e.kind().equals(KeyEvent.TRANSITION))
        .toList();
  }
}
