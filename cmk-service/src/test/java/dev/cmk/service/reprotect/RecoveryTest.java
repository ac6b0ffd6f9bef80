package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.reprotect.JobService.JobReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery after an outage, in each re-protection mode, with faults in the middle. */
class RecoveryTest {
  static final List<String> TYPES = List.of("mail", "chat-message", "voicemail");

  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  final List<StoredObject> before = new ArrayList<>();
  final List<StoredObject> during = new ArrayList<>();

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.keys.register(acct, "remote", "customer", List.of());
    f.accounts.setLicense(acct.id(), "alice", true);
    acct = f.setOptions(acct, true, false);
    f.scheduler.tick();
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** 6 objects under the CMK, then an outage with {@code perType} fallback writes per type. */
  private void outage(int perType) {
    for (int i = 0; i < 6; i++) {
      before.add(put(TYPES.get(i % 3), "pre" + i));
    }
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofMinutes(6)); // longer than the KEK cache TTL: no cached CMK KEK
    f.scheduler.tick();
    assertThat(f.availability.status(acct.id()).orElseThrow().state())
        .isEqualTo(KeyState.UNAVAILABLE);
    for (String type : TYPES) {
      for (int i = 0; i < perType; i++) {
        StoredObject o = put(type, type + "-fb" + i);
        assertThat(o.protection()).isEqualTo(Protection.FALLBACK);
        during.add(o);
      }
    }
    for (StoredObject o : during) {
      assertThat(read(o)).as("readable while the CMK is down").isEqualTo(bytes(o.objectId()));
    }
  }

  private StoredObject put(String type, String id) {
    return f.content.put(acct.id(), type, "alice", Optional.of(id), bytes(id));
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private byte[] read(StoredObject o) {
    return f.content.get(acct.id(), o.assetType(), o.objectId()).plaintext();
  }

  /** The key comes back; the probe sees it and starts recovery. */
  private Job keyBack() {
    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    return f.jobStore.running(acct.id()).orElseThrow();
  }

  private void assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey() {
    f.local.setEnabled("backup", false);
    try (ServiceFixture fresh = f.secondNode()) {
      for (StoredObject o : concat(before, during)) {
        StoredObject now = fresh.objects.find(acct.id(), o.objectId()).orElseThrow();
        assertThat(now.protection()).isEqualTo(Protection.CMK);
        assertThat(fresh.content.get(acct.id(), o.assetType(), o.objectId()).plaintext())
            .isEqualTo(bytes(o.objectId()));
      }
    } finally {
      f.local.setEnabled("backup", true);
    }
    assertThat(
            f.jobStore.count(
                acct.id(),
                JobStore.Items.FALLBACK_KEKS,
                f.jobStore
                    .running(acct.id())
                    .map(Job::target)
                    .orElse(dev.cmk.provider.KeyRef.of("remote", "customer"))))
        .isZero();
  }

  private static List<StoredObject> concat(List<StoredObject> a, List<StoredObject> b) {
    List<StoredObject> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void kekRewrapCostsOneCustomerKeyCallPerFallbackKekAndKeepsObjectsInPlace() {
    outage(10);
    f.clock.advance(Duration.ofDays(1)); // a second period: a fourth fallback KEK
    during.add(put("mail", "next-day"));
    long fallbackKeks = during.stream().map(StoredObject::kekId).distinct().count();
    assertThat(fallbackKeks).isEqualTo(4);

    Job job = keyBack();
    assertThat(job.kind()).isEqualTo(Job.Kind.RECOVERY);
    assertThat(job.total()).isEqualTo(fallbackKeks);
    double remoteBefore = f.providerCalls("remote");
    f.jobs.runUntilIdle(100);
    assertThat(f.providerCalls("remote") - remoteBefore).isEqualTo(fallbackKeks);

    JobReport r = f.jobs.get(acct.id(), job.id());
    assertThat(r.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(r.progress().done()).isEqualTo(fallbackKeks);
    assertThat(r.progress().pending()).isZero();
    for (StoredObject o : during) {
      assertThat(f.objects.find(acct.id(), o.objectId()).orElseThrow().kekId())
          .as("objects keep their KEK")
          .isEqualTo(o.kekId());
    }
    assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey();

    // the admin's key-events, newest first: back, fallback ended, job started, job finished
    List<KeyEvent> events = f.revocation.events(acct.id(), 100);
    assertThat(events.subList(0, 4))
        .extracting(KeyEvent::kind, KeyEvent::toState, KeyEvent::reason, KeyEvent::source)
        .containsExactly(
            tuple(KeyEvent.JOB_FINISHED, "", "succeeded", "job"),
            tuple(KeyEvent.JOB_STARTED, "", "recovery", "job"),
            tuple("writes_fallback_ended", "", "", "policy"),
            tuple(KeyEvent.TRANSITION, "AVAILABLE", "", "probe"));
    String keyId = f.keys.activeKey(acct.id()).orElseThrow().id();
    assertThat(events.get(1).customerKeyId()).isEqualTo(keyId);
    assertThat(events.get(1).detail())
        .isEqualTo(
            "re-protection job "
                + job.id()
                + " started: RECOVERY, KEK_REWRAP, 4 item(s) to move under remote key customer");
    assertThat(events.get(0).customerKeyId()).isEqualTo(keyId);
    assertThat(events.get(0).detail())
        .isEqualTo(
            "re-protection job "
                + job.id()
                + " finished: RECOVERY, KEK_REWRAP, SUCCEEDED: 4 done, 0 failed");
  }

  @Test
  void aJobWithItemsThatCannotBeMovedEndsFailedAndSaysSoInTheKeyEvents() {
    f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
    outage(2);
    // the rows of two objects swap their wrapped DEKs: the wraps bind the object id, so neither
    // unwraps for the other, and the job says so instead of moving them
    StoredObject a = during.get(0);
    StoredObject b = during.get(1);
    f.db
        .jdbi()
        .useHandle(
            h -> {
              for (StoredObject[] p : new StoredObject[][] {{a, b}, {b, a}}) {
                h.createUpdate(
                        "update objects set wrapped_dek = :w where account_id = :a and id = :id")
                    .bind("w", p[1].wrappedDek())
                    .bind("a", p[0].accountId())
                    .bind("id", p[0].objectId())
                    .execute();
              }
            });
    Job job = keyBack();
    f.jobs.runUntilIdle(100);
    assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.FAILED);

    KeyEvent finished = f.revocation.events(acct.id(), 1).get(0);
    assertThat(finished.kind()).isEqualTo(KeyEvent.JOB_FINISHED);
    assertThat(finished.reason()).isEqualTo("failed");
    assertThat(finished.detail())
        .isEqualTo(
            "re-protection job "
                + job.id()
                + " finished: RECOVERY, DEK_REWRAP, FAILED: 4 done, 2 failed (see the job's item"
                + " errors)");
  }

  @Test
  void dekRewrapMovesEveryObjectToAFreshCmkKekAndDestroysTheFallbackKeks() {
    f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
    outage(10);
    Job job = keyBack();
    assertThat(job.mode()).isEqualTo(Job.Mode.DEK_REWRAP);
    assertThat(job.total()).isEqualTo(30);
    f.jobs.runUntilIdle(100);
    assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
    for (StoredObject o : during) {
      assertThat(f.objects.find(acct.id(), o.objectId()).orElseThrow().kekId())
          .isNotEqualTo(o.kekId());
      assertThat(f.keks.find(o.kekId())).as("backup-wrapped KEK destroyed").isEmpty();
    }
    assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey();
  }

  @Test
  void reencryptRewritesTheContentUnderANewDek() throws Exception {
    f.jobs.setRecoveryMode(acct.id(), "REENCRYPT");
    outage(3);
    byte[] old = f.blobs.get(during.get(0).blobKey()).orElseThrow();
    keyBack();
    f.jobs.runUntilIdle(100);
    byte[] now = f.blobs.get(during.get(0).blobKey()).orElseThrow();
    assertThat(java.util.Arrays.copyOfRange(now, now.length - 16, now.length))
        .isNotEqualTo(java.util.Arrays.copyOfRange(old, old.length - 16, old.length));
    assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey();
  }

  @Test
  void aProviderOutageInTheMiddlePausesTheJobWhichResumesLater() {
    f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
    outage(40); // 120 objects, batches of 50
    Job job = keyBack();
    f.remote.setModeAfter(Mode.THROTTLED, 0);
    // the fresh CMK KEKs are already cached for one type at most: the job stalls, nothing lost
    f.jobs.runUntilIdle(10);
    JobReport stalled = f.jobs.get(acct.id(), job.id());
    assertThat(stalled.job().status()).isEqualTo(Job.Status.RUNNING);
    assertThat(stalled.job().lastError()).contains("throttled");
    assertThat(stalled.progress().failed()).isZero();

    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL.plusSeconds(1));
    f.jobs.runUntilIdle(100);
    JobReport end = f.jobs.get(acct.id(), job.id());
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(120);
    assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey();
  }

  @Test
  void aDatabaseRestartInTheMiddleLosesNothing() throws Exception {
    f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
    outage(40);
    Job job = keyBack();
    assertThat(f.jobs.runOnce()).isEqualTo(50);
    try (Connection c = f.db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("shutdown"); // H2 closes the database: every pooled connection is dead now
    } catch (java.sql.SQLException expected) {
      // returning the dead connection to the pool fails
    }
    assertThat(f.jobs.runOnce()).as("the batch fails on the closed database").isZero();
    // Hikari drops connections PostgreSQL closed (SQLState 57P01/08xxx) by itself; H2's "database
    // closed" error is not one it knows, so the test lets the pool reconnect the same way.
    ((com.zaxxer.hikari.HikariDataSource) f.db.dataSource())
        .getHikariPoolMXBean()
        .softEvictConnections();
    f.clock.advance(Duration.ofMinutes(3)); // leases of a failed batch expire
    f.jobs.runUntilIdle(100);
    JobReport end = f.jobs.get(acct.id(), job.id());
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(120);
    assertEverythingUnderTheCmkAndReadableWithoutTheBackupKey();
  }

  @Test
  void anObjectWhoseBlobWasReencryptedButWhoseRowWasNotMovedStaysReadable() {
    outage(1);
    f.remote.setMode(Mode.UP);
    StoredObject o = during.get(0);
    String serviceId = f.catalog.require(o.assetType()).serviceId();
    try (var target =
        f.keks.forWrite(
            acct.id(),
            serviceId,
            Protection.CMK,
            dev.cmk.provider.KeyRef.of("remote", "customer"))) {
      assertThat(f.content.reprotect(o, target, true).kekId()).isEqualTo(target.kek().id());
      byte[] rewritten = f.blobs.get(o.blobKey()).orElseThrow();
      f.content.reprotect(o, target, true);
      assertThat(f.blobs.get(o.blobKey()).orElseThrow()).as("idempotent").isEqualTo(rewritten);
    }
    // the crash window of a re-encryption: the blob names the new KEK and DEK, the row still the
    // old KEK and wrapped DEK; the header is authoritative
    assertThat(f.objects.find(acct.id(), o.objectId()).orElseThrow().kekId()).isEqualTo(o.kekId());
    assertThat(read(o)).isEqualTo(bytes(o.objectId()));
  }

  @Test
  void unknownJobsAreNotFound() {
    assertThatThrownBy(() -> f.jobs.get(acct.id(), "job_nope"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.JOB_NOT_FOUND));
    assertThatThrownBy(() -> f.jobs.get(acct.id(), "bad id!"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ID));
    assertThatThrownBy(() -> f.jobs.setRecoveryMode(acct.id(), "DEEPER"))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void nothingToRecoverStartsNoJob() {
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    keyBackWithoutJob();
    assertThat(f.jobs.list(acct.id())).isEmpty();
  }

  private void keyBackWithoutJob() {
    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
  }
}
