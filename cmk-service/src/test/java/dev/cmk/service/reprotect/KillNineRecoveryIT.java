package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the server during recovery: a child JVM works the job and is killed with SIGKILL in
 * the middle; a restarted node finishes it. Every object ends up re-protected exactly once (its
 * row, its blob header and its job item agree) and readable; nothing is lost.
 */
class KillNineRecoveryIT {
  static final int OBJECTS = 600;

  @TempDir Path dir;

  @Test
  @Timeout(180)
  void aRecoveryKilledMidJobFinishesAfterRestartWithoutLossOrRepeats() throws Exception {
    List<StoredObject> fallback = new ArrayList<>();
    String accountId;
    String jobId;
    try (ServiceFixture f = ServiceFixture.h2(dir)) {
      Account acct = f.accounts.create("Acme", null);
      accountId = acct.id();
      f.keys.register(acct, "remote", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      f.revocation.setFallback(acct.id(), true);
      f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
      f.scheduler.tick();
      f.remote.setMode(Mode.DOWN);
      f.clock.advance(Duration.ofMinutes(6));
      f.scheduler.tick();
      for (int i = 0; i < OBJECTS; i++) {
        String id = "fb-" + i;
        String type = i % 2 == 0 ? "mail" : "chat-message";
        fallback.add(f.content.put(acct.id(), type, "alice", Optional.of(id), bytes(id)));
      }
      f.remote.setMode(Mode.UP);
      f.clock.advance(ServiceFixture.PROBE_INTERVAL);
      f.scheduler.tick();
      jobId = f.jobStore.running(acct.id()).orElseThrow().id();
    }

    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                KillNineChild.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    int batchesSeen = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("batch ") && ++batchesSeen == 3) {
          child.destroyForcibly(); // SIGKILL: no shutdown hook, no pool close, mid-batch
          break;
        }
      }
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(batchesSeen).as("the child worked some batches before it was killed").isEqualTo(3);

    try (ServiceFixture f = ServiceFixture.h2(dir)) {
      JobService.JobReport mid = f.jobs.get(accountId, jobId);
      assertThat(mid.job().status()).isEqualTo(Job.Status.RUNNING);
      assertThat(mid.progress().done()).isBetween(100L, (long) OBJECTS - 1);
      f.clock.advance(Duration.ofMinutes(3)); // the dead node's leases expire
      f.jobs.runUntilIdle(1000);
      JobService.JobReport end = f.jobs.get(accountId, jobId);
      assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
      assertThat(end.progress().done()).isEqualTo(OBJECTS);
      assertThat(end.progress().failed()).isZero();

      f.local.setEnabled("backup", false);
      for (StoredObject o : fallback) {
        StoredObject now = f.objects.find(accountId, o.objectId()).orElseThrow();
        assertThat(now.protection()).isEqualTo(Protection.CMK);
        assertThat(now.kekId()).isNotEqualTo(o.kekId());
        byte[] blob = f.blobs.get(now.blobKey()).orElseThrow();
        // the DEK was re-wrapped in the row: the envelope still names no key
        assertThat(ContentEnvelope.readHeader(blob).detached()).isTrue();
        assertThat(now.holdsWrappedDek()).isTrue();
        assertThat(now.wrappedDek()).isNotEqualTo(o.wrappedDek());
        assertThat(f.content.get(accountId, o.assetType(), o.objectId()).plaintext())
            .isEqualTo(bytes(o.objectId()));
      }
      try (var files = Files.walk(dir.resolve("blobs"))) {
        // a blob write killed half-way leaves at most a temp file, never a torn blob
        assertThat(
                files
                    .filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".tmp"))
                    .count())
            .isEqualTo(OBJECTS);
      }
    }
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(StandardCharsets.UTF_8);
  }
}
