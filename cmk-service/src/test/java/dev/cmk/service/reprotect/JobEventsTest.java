package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.reprotect.JobService.RotateRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job's start and end and their key events are one transaction: when the event cannot be written
 * (here the database refuses it through a CHECK constraint added by the test, in the event's own
 * insert) the job is neither started nor ended, and the next attempt writes both.
 */
class JobEventsTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.keys.register(acct, "remote", "customer", List.of());
    f.accounts.setLicense(acct.id(), "alice", true);
    acct = f.setOptions(acct, true, false);
    f.scheduler.tick();
    for (String type : List.of("mail", "chat-message", "voicemail")) {
      put(type, type + "-0");
    }
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private void put(String type, String id) {
    f.content.put(acct.id(), type, "alice", Optional.of(id), id.getBytes());
  }

  private void refuse(String kind) {
    sql("alter table key_events add constraint refuse_" + kind + " check (kind <> '" + kind + "')");
  }

  private void allow(String kind) {
    sql("alter table key_events drop constraint refuse_" + kind);
  }

  private void sql(String statement) {
    f.db.jdbi().useHandle(h -> h.execute(statement));
  }

  private List<String> jobEvents() {
    return f.revocation.events(acct.id(), 100).stream()
        .filter(e -> e.source().equals("job"))
        .map(KeyEvent::kind)
        .toList();
  }

  @Test
  void aRotationWhoseStartCannotBeRecordedDoesNotStart() {
    String before = f.keys.activeKey(acct.id()).orElseThrow().id();
    refuse(KeyEvent.JOB_STARTED);
    assertThatThrownBy(
            () ->
                f.jobs.rotate(
                    acct.id(),
                    new RotateRequest(
                        Optional.empty(),
                        Optional.of("remote"),
                        Optional.of("customer2"),
                        List.of())))
        .isInstanceOf(RuntimeException.class);
    assertThat(f.jobs.list(acct.id())).isEmpty();
    assertThat(f.jobStore.running(acct.id())).isEmpty();
    assertThat(jobEvents()).isEmpty();
    // the key switch rolled back with the job: the account still runs on its old key
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().id()).isEqualTo(before);
    assertThat(f.keys.keys(acct.id())).extracting(k -> k.ref().keyId()).containsOnly("customer");

    allow(KeyEvent.JOB_STARTED);
    Job job =
        f.jobs.rotate(
            acct.id(),
            new RotateRequest(
                Optional.empty(), Optional.of("remote"), Optional.of("customer2"), List.of()));
    assertThat(f.jobs.list(acct.id())).extracting(r -> r.job().id()).containsExactly(job.id());
    assertThat(jobEvents()).containsExactly(KeyEvent.JOB_STARTED);
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().ref().keyId()).isEqualTo("customer2");
  }

  @Test
  void aJobWhoseEndCannotBeRecordedKeepsRunningUntilItCan() {
    Job job =
        f.jobs.rotate(
            acct.id(),
            new RotateRequest(
                Optional.empty(), Optional.of("remote"), Optional.of("customer2"), List.of()));
    refuse(KeyEvent.JOB_FINISHED);
    f.jobs.runUntilIdle(10);
    JobService.JobReport r = f.jobs.get(acct.id(), job.id());
    assertThat(r.progress().pending()).as("every item moved").isZero();
    assertThat(r.job().status()).isEqualTo(Job.Status.RUNNING);
    assertThat(r.job().finishedAt()).isEmpty();
    assertThat(f.jobStore.running(acct.id())).isPresent();
    assertThat(jobEvents()).containsExactly(KeyEvent.JOB_STARTED);

    allow(KeyEvent.JOB_FINISHED);
    f.jobs.runOnce();
    assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(f.jobStore.running(acct.id())).isEmpty();
    assertThat(jobEvents()).containsExactly(KeyEvent.JOB_FINISHED, KeyEvent.JOB_STARTED);
    f.jobs.runOnce();
    assertThat(jobEvents()).as("ended once, recorded once").hasSize(2);
  }

  @Test
  void aRecoveryWhoseStartCannotBeRecordedIsStartedByTheNextRound() {
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofMinutes(6)); // past the KEK cache: new content under the backup key
    f.scheduler.tick();
    assertThat(f.availability.status(acct.id()).orElseThrow().state())
        .isEqualTo(KeyState.UNAVAILABLE);
    put("mail", "during-outage");

    refuse(KeyEvent.JOB_STARTED);
    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick(); // the key is back; starting recovery fails, and so does the safety net
    assertThat(f.availability.status(acct.id()).orElseThrow().state())
        .isNotEqualTo(KeyState.UNAVAILABLE);
    assertThat(f.jobs.list(acct.id())).isEmpty();
    assertThat(jobEvents()).isEmpty();

    allow(KeyEvent.JOB_STARTED);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    Job job = f.jobStore.running(acct.id()).orElseThrow();
    assertThat(job.kind()).isEqualTo(Job.Kind.RECOVERY);
    assertThat(jobEvents()).containsExactly(KeyEvent.JOB_STARTED);
    f.jobs.runUntilIdle(10);
    assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(jobEvents()).containsExactly(KeyEvent.JOB_FINISHED, KeyEvent.JOB_STARTED);
  }
}
