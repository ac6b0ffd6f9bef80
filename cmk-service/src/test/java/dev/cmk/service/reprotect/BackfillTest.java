package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.ActorKind;
import dev.cmk.service.audit.AuditRecord;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.audit.JdbcAuditLog;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.content.TestAad;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.reprotect.JobService.BackfillRequest;
import dev.cmk.service.reprotect.JobService.JobReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfill: content written under the platform key before its owner was licensed (or the account
 * enrolled) moves under the customer's key, and only that content.
 */
class BackfillTest {
  static final KeyRef CUSTOMER = KeyRef.of("remote", "customer");

  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  final Caller admin = new Caller(ActorKind.ADMIN, "tok_admin", "req-backfill");

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private StoredObject put(String type, String user, String id) {
    return f.content.put(acct.id(), type, user, Optional.of(id), bytes(id));
  }

  private List<StoredObject> mails(String user, int n) {
    List<StoredObject> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(put("mail", user, user + "-mail-" + i));
    }
    return out;
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] read(StoredObject o) {
    return f.content.get(acct.id(), o.assetType(), o.objectId()).plaintext();
  }

  private StoredObject now(StoredObject o) {
    return f.objects.find(acct.id(), o.objectId()).orElseThrow();
  }

  private byte[] blob(StoredObject o) {
    return f.blobs.get(o.blobKey()).orElseThrow();
  }

  /** The account enrols: its key becomes active, alice and carol get licenses, bob does not. */
  private void enrol() {
    f.keys.register(acct, "remote", "customer", List.of());
    f.accounts.setLicense(acct.id(), "alice", true);
    f.accounts.setLicense(acct.id(), "carol", true);
    f.accounts.setLicense(acct.id(), "bob", false);
    f.scheduler.tick();
  }

  private Job start() {
    return start(BackfillRequest.everything());
  }

  private Job start(BackfillRequest req) {
    return f.jobs.startBackfill(admin, acct.id(), req);
  }

  private static BackfillRequest mode(String m) {
    return new BackfillRequest(Optional.of(m), Optional.empty(), Optional.empty());
  }

  private JobReport runToEnd(Job job) {
    f.jobs.runUntilIdle(100);
    return f.jobs.get(acct.id(), job.id());
  }

  private List<AuditRecord> jobRows() {
    return f.audit.page(
        acct.id(),
        new JdbcAuditLog.Filter(
            0,
            Optional.empty(),
            Optional.empty(),
            List.of("job.backfill", "job.start", "job.finish"),
            Optional.empty(),
            Optional.empty()),
        100);
  }

  private void assertUnderTheCustomerKeyAndReadable(StoredObject before) {
    StoredObject after = now(before);
    assertThat(after.protection()).as(before.objectId()).isEqualTo(Protection.CMK);
    assertThat(after.kekId()).isNotEqualTo(before.kekId());
    assertThat(f.keks.find(after.kekId()).orElseThrow().root()).isEqualTo(CUSTOMER);
    ContentEnvelope.Header header = ContentEnvelope.readHeader(blob(before));
    if (header.detached()) {
      // the row holds the wrapped DEK: it changed with the row
      assertThat(after.holdsWrappedDek()).isTrue();
      assertThat(after.wrappedDek()).isNotEqualTo(before.wrappedDek());
    } else {
      // re-encrypted: the new envelope names its KEK and wrapped DEK, the row holds none
      assertThat(header.kekId()).isEqualTo(after.kekId());
      assertThat(after.holdsWrappedDek()).isFalse();
    }
    assertThat(read(before)).isEqualTo(bytes(before.objectId()));
  }

  /** Sets the row's wrapped DEK, as someone with write access to the database could. */
  private void setRowWrappedDek(StoredObject o, byte[] wrapped) {
    f.db
        .jdbi()
        .useHandle(
            h ->
                h.createUpdate(
                        "update objects set wrapped_dek = :w where account_id = :a and id = :id")
                    .bind("w", wrapped)
                    .bind("a", o.accountId())
                    .bind("id", o.objectId())
                    .execute());
  }

  private static void assertRefused(ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(CmkException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  /** The key is disabled by the customer; the probe notices and every cached KEK is dropped. */
  private void customerDisablesTheKey() {
    f.remote.setMode(Mode.DISABLED);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
  }

  // ---- selection ----------------------------------------------------------------------------

  @Test
  void movesOnlyPlatformObjectsOfLicensedUsersWithEligibleAssetTypes() {
    List<StoredObject> moved = new ArrayList<>(mails("alice", 3));
    moved.add(put("meeting-recording", "alice", "alice-meeting")); // alice organized it
    moved.add(put("voicemail", "carol", "carol-vm"));
    List<StoredObject> untouched = new ArrayList<>();
    untouched.add(put("meeting-metadata", "alice", "alice-meta")); // not CMK-eligible
    untouched.add(put("mail", "bob", "bob-mail")); // bob is not licensed
    untouched.add(put("mail", "dave", "dave-mail")); // dave never was
    enrol();
    untouched.add(put("mail", "alice", "alice-new")); // already under the customer key
    f.setOptions(acct, true, false);
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofMinutes(6)); // no cached customer KEK
    StoredObject fb = put("mail", "alice", "alice-fallback");
    assertThat(fb.protection()).isEqualTo(Protection.FALLBACK); // recovery's business
    untouched.add(fb);
    f.remote.setMode(Mode.UP);
    Map<String, byte[]> blobsBefore = new HashMap<>();
    untouched.forEach(o -> blobsBefore.put(o.objectId(), blob(o)));

    Job job = start();
    assertThat(job.kind()).isEqualTo(Job.Kind.BACKFILL);
    assertThat(job.mode()).isEqualTo(Job.Mode.DEK_REWRAP);
    assertThat(job.target()).isEqualTo(CUSTOMER);
    assertThat(job.scope()).isEqualTo(Job.Scope.ALL);
    assertThat(job.total()).isEqualTo(5);
    JobReport end = runToEnd(job);
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(5);

    moved.forEach(this::assertUnderTheCustomerKeyAndReadable);
    for (StoredObject o : untouched) {
      assertThat(now(o)).as(o.objectId()).isEqualTo(o);
      assertThat(blob(o)).as(o.objectId()).isEqualTo(blobsBefore.get(o.objectId()));
      assertThat(read(o)).isEqualTo(bytes(o.objectId()));
    }
    assertThat(f.jobStore.count(acct.id(), JobStore.Items.BACKFILL_OBJECTS, CUSTOMER)).isZero();
  }

  @Test
  void filtersLimitTheJobToOneUserOrOneAssetType() {
    List<StoredObject> alice = mails("alice", 2);
    StoredObject meeting = put("meeting-recording", "alice", "alice-meeting");
    StoredObject carol = put("voicemail", "carol", "carol-vm");
    enrol();

    Job carols =
        start(new BackfillRequest(Optional.empty(), Optional.of("carol"), Optional.empty()));
    assertThat(carols.total()).isEqualTo(1);
    assertThat(carols.scope().userId()).contains("carol");
    runToEnd(carols);
    assertThat(now(carol).protection()).isEqualTo(Protection.CMK);
    assertThat(now(alice.get(0)).protection()).isEqualTo(Protection.PLATFORM);

    Job meetings =
        start(
            new BackfillRequest(
                Optional.of("REENCRYPT"), Optional.empty(), Optional.of("meeting-recording")));
    assertThat(meetings.total()).isEqualTo(1);
    assertThat(meetings.mode()).isEqualTo(Job.Mode.REENCRYPT);
    runToEnd(meetings);
    assertUnderTheCustomerKeyAndReadable(meeting);
    alice.forEach(o -> assertThat(now(o).protection()).isEqualTo(Protection.PLATFORM));

    assertThat(start().total()).isEqualTo(2);
  }

  // ---- security -----------------------------------------------------------------------------

  @Test
  void afterADekRewrapNothingStoredOpensWithThePlatformKeyAndADisabledKeyLocksTheContent()
      throws IOException {
    List<StoredObject> objs = mails("alice", 3);
    StoredObject bobs = put("mail", "bob", "bob-mail");
    enrol();
    Map<String, byte[]> oldBlobs = new HashMap<>();
    for (StoredObject o : objs) {
      oldBlobs.put(o.objectId(), blob(o));
      // the envelope names no key: the platform-key wrap of the DEK is in the row only
      assertThat(ContentEnvelope.readHeader(blob(o)).detached()).isTrue();
      assertThat(o.holdsWrappedDek()).isTrue();
      assertThat(filesContaining(dir.resolve("blobs"), o.wrappedDek())).isEmpty();
    }

    runToEnd(start());

    for (StoredObject o : objs) {
      assertUnderTheCustomerKeyAndReadable(o);
      StoredObject after = now(o);
      // the platform KEK that wrapped the DEK still exists (it protects bob's mail too) but no
      // longer unwraps anything of this object
      try (KekLease platform = f.keks.forRead(o.kekId())) {
        assertThat(platform.kek().protection()).isEqualTo(Protection.PLATFORM);
        assertThatThrownBy(() -> AesGcm.open(platform.key(), after.wrappedDek(), TestAad.of(o)))
            .as("the platform KEK opens the new wrapped DEK")
            .isInstanceOf(DecryptionFailedException.class);
      }
      // a re-wrap is a row update: the blob was neither rewritten nor given a wrapped DEK, and the
      // old (platform-key) wrapped DEK is in no blob and no longer in the row
      assertThat(blob(o)).isEqualTo(oldBlobs.get(o.objectId()));
      assertThat(filesContaining(dir.resolve("blobs"), o.wrappedDek())).isEmpty();
      assertThat(filesContaining(dir.resolve("blobs"), after.wrappedDek())).isEmpty();
      assertThat(after.wrappedDek()).isNotEqualTo(o.wrappedDek());
    }

    customerDisablesTheKey();
    for (StoredObject o : objs) {
      assertRefused(() -> read(o), ErrorCode.KEY_REFUSED);
    }
    try (ServiceFixture other = f.secondNode()) {
      assertRefused(
          () -> other.content.get(acct.id(), "mail", objs.get(0).objectId()),
          ErrorCode.KEY_REFUSED);
    }
    assertThat(read(bobs)).as("platform-key content is not affected").isEqualTo(bytes("bob-mail"));
  }

  @Test
  void reencryptSealsTheContentUnderANewDekThatTheOldOneCannotOpen() {
    StoredObject o = put("voicemail", "carol", "carol-vm");
    enrol();
    byte[] old = blob(o);
    byte[] oldDek;
    try (KekLease platform = f.keks.forRead(o.kekId())) {
      oldDek = AesGcm.open(platform.key(), o.wrappedDek(), TestAad.of(o));
    }

    JobReport end = runToEnd(start(mode("REENCRYPT")));
    assertThat(end.job().mode()).isEqualTo(Job.Mode.REENCRYPT);
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertUnderTheCustomerKeyAndReadable(o);
    byte[] now = blob(o);
    try (SecretKeyMaterial dek = SecretKeyMaterial.takeOwnership(oldDek)) {
      assertThatThrownBy(() -> ContentEnvelope.open(dek, TestAad.of(o), now))
          .as("a DEK recovered from a backup taken before the backfill opens the new envelope")
          .isInstanceOf(DecryptionFailedException.class);
    }

    customerDisablesTheKey();
    assertRefused(() -> read(o), ErrorCode.KEY_REFUSED);
  }

  private static List<Path> filesContaining(Path root, byte[] needle) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(p), needle) >= 0) {
          out.add(p);
        }
      }
    }
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // ---- faults -------------------------------------------------------------------------------

  @Test
  void aBatchKilledMidwayIsTakenOverWhenItsLeaseExpiresWithoutLossOrRepeat() {
    List<StoredObject> objs = mails("alice", 120);
    enrol();
    Job job = start();
    // a node claimed 50 items, re-wrapped the first object's DEK (in memory: the row holds the
    // wrapped DEK, and the batch had not committed), then died
    List<String> lost =
        f.jobStore.claim(
            job.id(), "dead-node/lease", 50, f.clock.instant(), f.clock.instant().plusSeconds(120));
    assertThat(lost).hasSize(50);
    StoredObject crashed =
        now(objs.stream().filter(o -> o.objectId().equals(lost.get(0))).findFirst().orElseThrow());
    try (KekLease target = f.keks.forWrite(acct.id(), "0014", Protection.CMK, CUSTOMER);
        KekLease source = f.keks.forRead(crashed.kekId())) {
      assertThat(f.content.rewrapDek(crashed, source, target)).isNotEmpty();
    }
    assertThat(read(crashed))
        .as("readable in the crash window")
        .isEqualTo(bytes(crashed.objectId()));

    f.jobs.runUntilIdle(100);
    JobReport mid = f.jobs.get(acct.id(), job.id());
    assertThat(mid.job().status()).isEqualTo(Job.Status.RUNNING);
    assertThat(mid.progress().done()).isEqualTo(70);
    assertThat(mid.progress().pending()).isEqualTo(50);

    f.clock.advance(Duration.ofMinutes(3)); // the dead node's lease expires
    try (ServiceFixture other = f.secondNode()) {
      other.jobs.runUntilIdle(100);
    }
    JobReport end = f.jobs.get(acct.id(), job.id());
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(120);
    assertThat(end.progress().failed()).isZero();
    objs.forEach(this::assertUnderTheCustomerKeyAndReadable);
    assertThat(f.revocation.events(acct.id(), 100))
        .filteredOn(e -> e.kind().equals(KeyEvent.JOB_FINISHED))
        .hasSize(1);
  }

  @Test
  void anUnavailableKeyPausesTheJobWithoutFallingBackAndItResumesWhenTheKeyIsBack() {
    List<StoredObject> objs = mails("alice", 120);
    enrol();
    f.setOptions(acct, true, false); // fallback on: still never used by a backfill
    Job job = start();
    assertThat(f.jobs.runOnce()).isEqualTo(50);

    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofMinutes(6)); // past the KEK cache's TTL
    f.jobs.runUntilIdle(10);
    JobReport stalled = f.jobs.get(acct.id(), job.id());
    assertThat(stalled.job().status()).isEqualTo(Job.Status.RUNNING);
    assertThat(stalled.job().lastError()).contains("network");
    assertThat(stalled.progress().done()).isEqualTo(50);
    assertThat(stalled.progress().failed()).isZero();
    assertThat(objs)
        .extracting(o -> now(o).protection())
        .containsOnly(Protection.PLATFORM, Protection.CMK)
        .doesNotContain(Protection.FALLBACK);

    f.remote.setMode(Mode.UP);
    f.clock.advance(ServiceFixture.PROBE_INTERVAL.plusSeconds(1)); // the items' retry delay
    JobReport end = runToEnd(job);
    assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(end.progress().done()).isEqualTo(120);
    objs.forEach(this::assertUnderTheCustomerKeyAndReadable);
  }

  @Test
  void anObjectThatDoesNotAuthenticateIsAFailedItemAndTheRestMoves() {
    List<StoredObject> objs = mails("alice", 3);
    enrol();
    byte[] wrapped = objs.get(1).wrappedDek().clone();
    wrapped[wrapped.length - 1] ^= 1;
    setRowWrappedDek(objs.get(1), wrapped);
    StoredObject bad = now(objs.get(1));

    Job job = start();
    JobReport end = runToEnd(job);
    assertThat(end.job().status()).isEqualTo(Job.Status.FAILED);
    assertThat(end.progress().done()).isEqualTo(2);
    assertThat(end.progress().failed()).isEqualTo(1);
    assertThat(now(bad)).isEqualTo(bad);
    assertUnderTheCustomerKeyAndReadable(objs.get(0));
    assertUnderTheCustomerKeyAndReadable(objs.get(2));
    assertThat(f.revocation.events(acct.id(), 1).get(0).detail())
        .contains("BACKFILL, DEK_REWRAP, FAILED: 2 done, 1 failed");
  }

  @Test
  void wrappedDeksSwappedBetweenTwoRowsOpenNeitherObjectAndNeitherMoves() {
    List<StoredObject> objs = mails("alice", 3);
    StoredObject a = objs.get(0);
    StoredObject b = objs.get(1);
    // same account, asset type and KEK: only the object id in the wrap's AAD tells them apart
    assertThat(a.kekId()).isEqualTo(b.kekId());
    setRowWrappedDek(a, b.wrappedDek());
    setRowWrappedDek(b, a.wrappedDek());
    assertRefused(() -> read(a), ErrorCode.DECRYPTION_FAILED);
    assertRefused(() -> read(b), ErrorCode.DECRYPTION_FAILED);
    enrol();

    JobReport end = runToEnd(start());
    assertThat(end.progress().done()).isEqualTo(1);
    assertThat(end.progress().failed()).isEqualTo(2);
    assertThat(now(a).kekId()).isEqualTo(a.kekId());
    assertThat(now(a).wrappedDek()).isEqualTo(b.wrappedDek());
    assertUnderTheCustomerKeyAndReadable(objs.get(2));
    // swapped back, both open again: nothing fell back to another key in between
    setRowWrappedDek(a, a.wrappedDek());
    setRowWrappedDek(b, b.wrappedDek());
    assertThat(read(a)).isEqualTo(bytes(a.objectId()));
    assertThat(read(b)).isEqualTo(bytes(b.objectId()));
  }

  // ---- audit and key events -----------------------------------------------------------------

  @Test
  void theCallerStartsItTheJobRecordsStartAndFinishInTheLogAndTheKeyEvents() {
    mails("alice", 2);
    enrol();
    Job job = start(new BackfillRequest(Optional.empty(), Optional.of("alice"), Optional.empty()));
    runToEnd(job);

    List<AuditRecord> rows = jobRows();
    assertThat(rows)
        .extracting(AuditRecord::action, AuditRecord::actorKind, AuditRecord::actorId)
        .containsExactly(
            tuple("job.backfill", "admin", "tok_admin"),
            tuple("job.start", "system", "job"),
            tuple("job.finish", "system", "job"));
    AuditRecord asked = rows.get(0);
    assertThat(asked.requestId()).isEqualTo("req-backfill");
    assertThat(asked.objectId()).isEqualTo(job.id());
    assertThat(asked.keyProvider()).isEqualTo("remote");
    assertThat(asked.keyId()).isEqualTo("customer");
    assertThat(asked.user()).isEqualTo("alice");
    assertThat(asked.result()).isEqualTo("ok");
    assertThat(asked.details())
        .containsEntry("mode", "dek_rewrap")
        .containsEntry("jobId", job.id())
        .containsEntry("items", "2")
        .containsEntry("filter.user", "alice");
    assertThat(rows.get(1).details()).containsEntry("kind", "backfill").containsEntry("items", "2");
    assertThat(rows.get(2).result()).isEqualTo("succeeded");
    assertThat(rows.get(2).details()).containsEntry("kind", "backfill").containsEntry("done", "2");

    List<KeyEvent> events = f.revocation.events(acct.id(), 2);
    assertThat(events)
        .extracting(KeyEvent::kind, KeyEvent::reason)
        .containsExactly(
            tuple(KeyEvent.JOB_FINISHED, "succeeded"), tuple(KeyEvent.JOB_STARTED, "backfill"));
    assertThat(events.get(1).detail())
        .isEqualTo(
            "re-protection job "
                + job.id()
                + " started: BACKFILL, DEK_REWRAP, 2 item(s) to move under remote key customer");
  }

  // ---- refusals -----------------------------------------------------------------------------

  @Test
  void refusedStartsCreateNothingAndLeaveOnlyTheirAuditRow() {
    mails("alice", 1);
    put("mail", "bob", "bob-mail");
    put("meeting-metadata", "alice", "alice-meta");
    assertRefused(() -> start(), ErrorCode.NO_ACTIVE_KEY);
    enrol();
    assertRefused(() -> start(mode("KEK_REWRAP")), ErrorCode.INVALID_REQUEST);
    assertRefused(() -> start(mode("DEEPER")), ErrorCode.INVALID_REQUEST);
    assertRefused(
        () -> start(new BackfillRequest(Optional.empty(), Optional.of("zed"), Optional.empty())),
        ErrorCode.USER_NOT_FOUND);
    assertRefused(
        () -> start(new BackfillRequest(Optional.empty(), Optional.of("a b"), Optional.empty())),
        ErrorCode.INVALID_ID);
    assertRefused(
        () -> start(new BackfillRequest(Optional.empty(), Optional.empty(), Optional.of("fax"))),
        ErrorCode.ASSET_TYPE_NOT_FOUND);
    for (String type : List.of("meeting-metadata", "live-call")) {
      assertRefused(
          () -> start(new BackfillRequest(Optional.empty(), Optional.empty(), Optional.of(type))),
          ErrorCode.INVALID_REQUEST);
    }
    assertThatThrownBy(
            () ->
                start(new BackfillRequest(Optional.empty(), Optional.of("bob"), Optional.empty())))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NOTHING_TO_BACKFILL);
              assertThat(e.details()).containsEntry("reason", "user_not_licensed");
            });
    assertRefused(
        () -> f.jobs.startBackfill(admin, "acct_nope", BackfillRequest.everything()),
        ErrorCode.ACCOUNT_NOT_FOUND);
    assertThat(f.jobs.list(acct.id())).isEmpty();

    runToEnd(start()); // alice's mail
    assertRefused(() -> start(), ErrorCode.NOTHING_TO_BACKFILL);
    assertThat(f.jobs.list(acct.id())).hasSize(1);
    assertThat(f.revocation.events(acct.id(), 100))
        .filteredOn(e -> e.kind().equals(KeyEvent.JOB_STARTED))
        .hasSize(1);
    assertThat(jobRows())
        .filteredOn(r -> r.action().equals("job.backfill"))
        .extracting(AuditRecord::result)
        .containsExactly(
            "no_active_key",
            "invalid_request",
            "invalid_request",
            "user_not_found",
            "invalid_id",
            "asset_type_not_found",
            "invalid_request",
            "invalid_request",
            "nothing_to_backfill",
            "ok",
            "nothing_to_backfill");
  }

  @Test
  void oneJobAtATime() {
    mails("alice", 3);
    enrol();
    Job running = start();
    assertThatThrownBy(() -> start())
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.JOB_IN_PROGRESS);
              assertThat(e.details()).containsEntry("jobId", running.id());
            });
    assertRefused(
        () ->
            f.jobs.rotate(
                acct.id(),
                new JobService.RotateRequest(
                    Optional.empty(), Optional.of("remote"), Optional.of("customer2"), List.of())),
        ErrorCode.JOB_IN_PROGRESS);
    assertThat(f.jobs.list(acct.id())).hasSize(1);
  }
}
