package dev.cmk.service.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.SwitchableProvider;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.content.ContentService.ContentConfig;
import dev.cmk.service.events.WebhookService;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.store.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wiring closes its one provider-to-service loop by a listener: a provider it builds reports
 * the replica that served a write, and availability, built after the provider, hears it.
 */
class ServicesTest {
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void aReplicaServingAWriteThroughAWiredProviderMakesTheKeyDegraded() {
    var clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    var random = new SecureRandom();
    var local = new LocalKeyProvider(dir.resolve("keys.p12"), "test".toCharArray(), random);
    List.of("platform", "backup", "customer").forEach(local::createKey);
    var remote = new SwitchableProvider("remote", local);
    remote.addReplica("customer-replica", "customer");
    Database db = Database.open(Database.embedded(dir));
    open.add(db);
    Services s =
        new Services(
            settings(),
            new Services.Inputs(
                db,
                new DirectoryBlobStore(dir.resolve("blobs")),
                served -> {
                  var guarded =
                      new ResilientKeyProvider(
                          remote,
                          ResiliencePolicy.defaults(),
                          clock,
                          d -> {},
                          new SplittableRandom(1),
                          served,
                          ResilientKeyProvider.RetryListener.none());
                  open.add(guarded);
                  return List.<KeyProvider>of(local, guarded);
                },
                Optional.empty(),
                clock,
                random,
                new SimpleMeterRegistry()));
    Account acct = s.accounts.create("Acme", null);
    assertThat(
            s.keys
                .register(acct, "remote", "customer", List.of("customer-replica"))
                .report()
                .passed())
        .isTrue();
    s.accounts.setLicense(acct.id(), "alice", true);
    s.scheduler.tick();
    assertThat(s.availability.status(acct.id()).orElseThrow().state())
        .isEqualTo(KeyState.AVAILABLE);

    remote.setMode(Mode.DOWN, Set.of("customer"));
    var written =
        s.content.put(
            acct.id(),
            "mail",
            "alice",
            Optional.of("m1"),
            "hello".getBytes(StandardCharsets.UTF_8));

    assertThat(written.protection()).isEqualTo(Protection.CMK);
    var status = s.availability.status(acct.id()).orElseThrow();
    assertThat(status.state()).isEqualTo(KeyState.DEGRADED);
    assertThat(status.detail()).contains("customer-replica");
    assertThat(s.availability.events(acct.id(), 5))
        .filteredOn(e -> e.kind().equals(KeyEvent.TRANSITION))
        .first()
        .extracting(KeyEvent::source)
        .isEqualTo("traffic");
  }

  private static Services.Settings settings() {
    var content =
        new ContentConfig(KeyRef.of("local", "platform"), KeyRef.of("local", "backup"), 1 << 20);
    return new Services.Settings(
        new Services.Platform("cmk-test", content, KeyService.Principals.none(), Optional.empty()),
        KekCacheConfig.defaults(),
        new Services.Schedule(Duration.ofSeconds(30), Duration.ofMinutes(2), 50),
        Services.Retention.defaults(),
        WebhookService.Settings.defaults(),
        Optional.empty());
  }
}
