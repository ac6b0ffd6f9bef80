package dev.cmk.service.availability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
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
    assertThat(f.keys.register(acct, "remote", "customer", List.of("customer2")).report().passed())
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
    assertThat(f.availability.events(acct.id(), 10)).hasSize(2);

    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
    List<KeyEvent> events = f.availability.events(acct.id(), 10);
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
    assertThat(status().detail()).contains("replica customer2 answered");
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
    assertThat(f.availability.events(acct.id(), 1).get(0).source()).isEqualTo("traffic");

    f.remote.setMode(Mode.UP);
    StoredObject o = f.content.put(acct.id(), "mail", "alice", Optional.empty(), new byte[] {1});
    assertThat(o.protection().name()).isEqualTo("CMK");
    assertThat(status().state()).isEqualTo(KeyState.AVAILABLE);
  }

  @Test
  void aKeyDisabledMidStreamIsRefusedWithoutFallbackAndPurgesTheCache() {
    f.setOptions(acct, true, false);
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
}
