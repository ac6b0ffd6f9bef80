package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The showcase: 1,000 writes with the customer's key up; the key goes away → 1,000 writes
 * with fallback on (stored, readable during the outage) and 1,000 with fallback off (refused,
 * nothing stored); the key comes back → recovery runs by itself; every object is readable and
 * protected by the customer's key, none is lost, and recovery cost one KMS call per fallback KEK.
 */
class OutageEndToEndIT {
  static final List<String> TYPES = List.of("mail", "chat-message", "voicemail", "doc");

  @TempDir Path dir;

  @Test
  @Timeout(300)
  void thousandsOfWritesThroughAnOutageAndBack() throws Exception {
    try (ServiceFixture f = ServiceFixture.h2(dir)) {
      Account acct = f.accounts.create("Acme", null);
      f.keys.register(acct, "remote", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      f.revocation.setFallback(acct.id(), true);
      f.scheduler.tick();
      List<StoredObject> stored = new ArrayList<>();

      for (int i = 0; i < 1000; i++) {
        stored.add(put(f, acct, "up-" + i));
      }
      assertThat(stored).allMatch(o -> o.protection() == Protection.CMK);

      // the customer's KMS becomes unreachable for longer than the KEK cache TTL
      f.remote.setMode(Mode.DOWN);
      f.clock.advance(Duration.ofMinutes(6));
      f.scheduler.tick();
      assertThat(f.availability.status(acct.id()).orElseThrow().state())
          .isEqualTo(KeyState.UNAVAILABLE);

      List<StoredObject> fallback = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        fallback.add(put(f, acct, "fb-" + i));
      }
      assertThat(fallback).allMatch(o -> o.protection() == Protection.FALLBACK);
      for (StoredObject o : fallback) {
        assertThat(read(f, acct, o)).isEqualTo(bytes(o.objectId()));
      }
      stored.addAll(fallback);

      f.revocation.setFallback(acct.id(), false);
      int refused = 0;
      for (int i = 0; i < 1000; i++) {
        try {
          put(f, acct, "off-" + i);
        } catch (CmkException e) {
          assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
          assertThat(e.details()).containsEntry("keyId", "remote:customer");
          refused++;
        }
      }
      assertThat(refused).isEqualTo(1000);
      for (int i = 0; i < 1000; i++) {
        assertThat(f.objects.find(acct.id(), "off-" + i)).isEmpty();
      }
      assertThat(blobCount()).isEqualTo(2000);

      // the key comes back: the probe sees it and recovery starts by itself
      long fallbackKeks = fallback.stream().map(StoredObject::kekId).distinct().count();
      assertThat(fallbackKeks).isEqualTo(TYPES.size());
      f.remote.setMode(Mode.UP);
      f.clock.advance(ServiceFixture.PROBE_INTERVAL);
      double remoteBefore = f.providerCalls("remote");
      f.scheduler.tick();
      double probeCalls = f.providerCalls("remote") - remoteBefore;
      Job job = f.jobStore.running(acct.id()).orElseThrow();
      f.jobs.runUntilIdle(1000);
      assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
      assertThat(f.providerCalls("remote") - remoteBefore - probeCalls)
          .as("KMS calls for recovery = number of fallback KEKs")
          .isEqualTo(fallbackKeks);

      // every object, read by a node with an empty cache and the backup key disabled
      f.local.setEnabled("backup", false);
      try (ServiceFixture fresh = f.secondNode()) {
        for (StoredObject o : stored) {
          StoredObject now = fresh.objects.find(acct.id(), o.objectId()).orElseThrow();
          assertThat(now.protection()).isEqualTo(Protection.CMK);
          assertThat(read(fresh, acct, o)).isEqualTo(bytes(o.objectId()));
        }
      }
      assertThat(blobCount()).as("zero objects lost, none added").isEqualTo(2000);
    }
  }

  private StoredObject put(ServiceFixture f, Account acct, String id) {
    String type = TYPES.get(Math.floorMod(id.hashCode(), TYPES.size()));
    return f.content.put(acct.id(), type, "alice", Optional.of(id), bytes(id));
  }

  private static byte[] read(ServiceFixture f, Account acct, StoredObject o) {
    return f.content.get(acct.id(), o.assetType(), o.objectId()).plaintext();
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(StandardCharsets.UTF_8);
  }

  private long blobCount() throws Exception {
    try (var files = Files.walk(dir.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).count();
    }
  }
}
