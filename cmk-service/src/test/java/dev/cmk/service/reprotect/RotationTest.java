package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.reprotect.JobService.RotateRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manual rotation to a new customer key, and the ways it must refuse. */
class RotationTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  CustomerKey first;
  final List<StoredObject> objects = new ArrayList<>();

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    first = f.keys.register(acct, "remote", "customer", List.of()).key();
    f.accounts.setLicense(acct.id(), "alice", true);
    for (int day = 0; day < 2; day++) {
      for (String type : List.of("mail", "chat-message", "voicemail")) {
        for (int i = 0; i < 5; i++) {
          objects.add(put(type, type + day + "-" + i, "alice"));
        }
      }
      objects.add(put("mail", "unlicensed" + day, "bob")); // platform key: not rotated
      f.clock.advance(Duration.ofDays(1));
    }
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private StoredObject put(String type, String id, String user) {
    return f.content.put(acct.id(), type, user, Optional.of(id), id.getBytes());
  }

  private static RotateRequest toNew(String keyId) {
    return new RotateRequest(
        Optional.empty(), Optional.of("remote"), Optional.of(keyId), List.of());
  }

  private void assertAllReadable(ServiceFixture node) {
    for (StoredObject o : objects) {
      assertThat(node.content.get(acct.id(), o.assetType(), o.objectId()).plaintext())
          .isEqualTo(o.objectId().getBytes());
    }
  }

  @Test
  void everyKekMovesToTheNewKeyWhileTheOldOneServesReadsUntilTheJobEnds() {
    Job job = f.jobs.rotate(acct.id(), toNew("customer2"));
    assertThat(job.kind()).isEqualTo(Job.Kind.ROTATION);
    assertThat(job.total()).as("3 types x 2 days of customer KEKs").isEqualTo(6);
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().ref().keyId()).isEqualTo("customer2");

    // new content goes under the new key at once; old content is still read with the old key
    StoredObject fresh = put("mail", "after-rotate", "alice");
    assertThat(f.keks.find(fresh.kekId()).orElseThrow().root().keyId()).isEqualTo("customer2");
    try (ServiceFixture other = f.secondNode()) {
      assertAllReadable(other);
    }

    double before = f.providerCalls("remote");
    f.jobs.runUntilIdle(100);
    assertThat(f.providerCalls("remote") - before).as("one re-wrap per KEK").isEqualTo(6);
    assertThat(f.jobs.get(acct.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(f.revocation.events(acct.id(), 2))
        .extracting(KeyEvent::kind, KeyEvent::reason, KeyEvent::detail)
        .containsExactly(
            tuple(
                KeyEvent.JOB_FINISHED,
                "succeeded",
                "re-protection job "
                    + job.id()
                    + " finished: ROTATION, KEK_REWRAP, SUCCEEDED: 6 done, 0 failed"),
            tuple(
                KeyEvent.JOB_STARTED,
                "rotation",
                "re-protection job "
                    + job.id()
                    + " started: ROTATION, KEK_REWRAP, 6 item(s) to move under remote key"
                    + " customer2"));

    // the old key is gone for good: the account runs on the new key only
    f.remote.setMode(Mode.DISABLED, Set.of("customer"));
    try (ServiceFixture other = f.secondNode()) {
      assertAllReadable(other);
    }
    for (StoredObject o : objects) {
      KeyRef root = f.keks.find(o.kekId()).orElseThrow().root();
      assertThat(root.keyId()).isIn("customer2", "platform");
    }
  }

  @Test
  void aKeyThatFailsValidationIsRefusedAndNothingChanges() {
    f.remote.setMode(Mode.DISABLED, Set.of("customer3"));
    assertThatThrownBy(() -> f.jobs.rotate(acct.id(), toNew("customer3")))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_VALIDATION_FAILED));
    assertThat(f.jobs.list(acct.id())).isEmpty();
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().id()).isEqualTo(first.id());
  }

  @Test
  void rotatingWhileARotationRunsIsAConflictAndChangesNothing() {
    Job job = f.jobs.rotate(acct.id(), toNew("customer2"));
    assertThatThrownBy(() -> f.jobs.rotate(acct.id(), toNew("customer3")))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.ROTATION_IN_PROGRESS);
              assertThat(e.details()).containsEntry("jobId", job.id());
            });
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().ref().keyId()).isEqualTo("customer2");
    assertThat(f.jobs.list(acct.id())).hasSize(1);
  }

  @Test
  void rotatingBackToARegisteredKeyRevalidatesIt() {
    Job one = f.jobs.rotate(acct.id(), toNew("customer2"));
    f.jobs.runUntilIdle(100);
    Job back =
        f.jobs.rotate(
            acct.id(),
            new RotateRequest(
                Optional.of(first.id()), Optional.empty(), Optional.empty(), List.of()));
    assertThat(back.id()).isNotEqualTo(one.id());
    assertThat(f.keys.activeKey(acct.id()).orElseThrow().id()).isEqualTo(first.id());
    f.jobs.runUntilIdle(100);
    assertAllReadable(f);
    assertThatThrownBy(
            () ->
                f.jobs.rotate(
                    acct.id(),
                    new RotateRequest(
                        Optional.of("key_unknown"), Optional.empty(), Optional.empty(), List.of())))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_NOT_FOUND));
  }
}
