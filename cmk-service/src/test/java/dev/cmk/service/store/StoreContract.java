package dev.cmk.service.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.account.User;
import dev.cmk.service.availability.Cause;
import dev.cmk.service.availability.JdbcAvailabilityStore;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.SliceRefusal;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.content.FallbackWrites;
import dev.cmk.service.content.JdbcFallbackWrites;
import dev.cmk.service.content.JdbcObjectStore;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.JdbcKekStore;
import dev.cmk.service.kek.Kek;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.JdbcCustomerKeyStore;
import dev.cmk.service.reprotect.JdbcJobStore;
import dev.cmk.service.reprotect.Job;
import dev.cmk.service.reprotect.JobStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What every metadata database must do; runs on embedded H2 and on PostgreSQL. */
public abstract class StoreContract {
  protected abstract Database db();

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  private Account newAccount() {
    Account a =
        new Account(
            "acct_" + UUID.randomUUID().toString().substring(0, 8),
            "Acme",
            "eu-west-1",
            false,
            false,
            now);
    new JdbcAccountStore(db()).insert(a);
    return a;
  }

  @Test
  void probeLeaseHasOneHolderEvenUnderConcurrentClaims() throws Exception {
    JdbcAvailabilityStore s = new JdbcAvailabilityStore(db());
    Account a = newAccount();
    Instant until = now.plusSeconds(45);
    int nodes = 6;
    var pool = java.util.concurrent.Executors.newFixedThreadPool(nodes);
    try {
      var start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<Boolean>> claims = new java.util.ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        String node = "node-" + i;
        claims.add(
            pool.submit(
                () -> {
                  start.await();
                  return s.claimProbe(a.id(), node, now, until);
                }));
      }
      start.countDown();
      int holders = 0;
      for (var c : claims) {
        holders += c.get(30, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(holders).as("exactly one node holds a fresh lease").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(s.claimProbe(a.id(), "late", until.minusMillis(1), until.plusSeconds(45))).isFalse();
    assertThat(s.claimProbe(a.id(), "late", until, until.plusSeconds(45))).isTrue();
  }

  @Test
  void releasedProbeLeasesAreFreeAtOnceAndOnlyTheOwnersGo() {
    JdbcAvailabilityStore s = new JdbcAvailabilityStore(db());
    Account a = newAccount();
    Account b = newAccount();
    Instant until = now.plusSeconds(45);
    assertThat(s.claimProbe(a.id(), "leaving", now, until)).isTrue();
    assertThat(s.claimProbe(b.id(), "staying", now, until)).isTrue();
    assertThat(s.releaseProbes("leaving")).isEqualTo(1);
    assertThat(s.claimProbe(a.id(), "staying", now, until)).as("free before it expires").isTrue();
    assertThat(s.claimProbe(b.id(), "other", now, until))
        .as("another node's lease stays")
        .isFalse();
    assertThat(s.releaseProbes("leaving")).isZero();
  }

  @Test
  void accountsRoundTripAndUpdate() {
    JdbcAccountStore s = new JdbcAccountStore(db());
    Account a = newAccount();
    assertThat(s.find(a.id())).contains(a);
    Account changed = new Account(a.id(), "Acme 2", "eu-west-1", true, true, now);
    s.update(changed);
    assertThat(s.find(a.id())).contains(changed);
    assertThat(s.list()).contains(changed);
    assertThat(s.find("acct_none")).isEmpty();
  }

  @Test
  void usersUpsert() {
    JdbcAccountStore s = new JdbcAccountStore(db());
    Account a = newAccount();
    s.upsertUser(new User(a.id(), "alice@example.com", true, now));
    s.upsertUser(new User(a.id(), "alice@example.com", false, now.plusSeconds(1)));
    assertThat(s.findUser(a.id(), "alice@example.com").orElseThrow().cmkLicensed()).isFalse();
  }

  @Test
  void catalogIsSeededWithStableServiceIds() {
    List<AssetType> types = new JdbcCatalog(db()).list();
    assertThat(types)
        .extracting(AssetType::serviceId)
        .contains("0001", "0002", "0003", "0004", "0006", "0009", "0010", "0011");
    assertThat(new JdbcCatalog(db()).find("meeting-recording").orElseThrow().organizerDecides())
        .isTrue();
  }

  @Test
  void customerKeysKeepReplicasAndStatus() {
    JdbcCustomerKeyStore s = new JdbcCustomerKeyStore(db());
    Account a = newAccount();
    CustomerKey k =
        new CustomerKey(
            "key_" + UUID.randomUUID(),
            a.id(),
            new KeyRef(
                "aws",
                "arn:aws:kms:eu-west-1:1:key/mrk-1",
                List.of("arn:aws:kms:eu-central-1:1:key/mrk-1")),
            CustomerKey.Status.ACTIVE,
            now,
            now);
    s.insert(k);
    assertThat(s.findActive(a.id())).contains(k);
    s.update(k.withStatus(CustomerKey.Status.RETIRED, now.plusSeconds(5)));
    assertThat(s.findActive(a.id())).isEmpty();
    assertThat(s.listForAccount(a.id())).hasSize(1);
  }

  @Test
  void kekScopeIsUniqueAndTheFirstWriterWins() {
    JdbcKekStore s = new JdbcKekStore(db());
    Account a = newAccount();
    KeyRef root = KeyRef.of("local", "customer");
    Kek first =
        new Kek(
            "kek_a" + UUID.randomUUID(),
            a.id(),
            "0001",
            "20261129",
            Protection.CMK,
            root,
            new byte[] {1, 2},
            now);
    Kek second =
        new Kek(
            "kek_b" + UUID.randomUUID(),
            a.id(),
            "0001",
            "20261129",
            Protection.CMK,
            root,
            new byte[] {3},
            now);
    assertThat(s.insertIfAbsent(first).id()).isEqualTo(first.id());
    assertThat(s.insertIfAbsent(second).id()).isEqualTo(first.id());
    assertThat(s.find(first.id()).orElseThrow().wrapped()).containsExactly(1, 2);
    assertThat(s.findByScope(first.scope()).orElseThrow().id()).isEqualTo(first.id());
  }

  @Test
  void objectsAreUniquePerAccount() {
    JdbcKekStore ks = new JdbcKekStore(db());
    JdbcObjectStore os = new JdbcObjectStore(db());
    Account a = newAccount();
    Kek k =
        ks.insertIfAbsent(
            new Kek(
                "kek_" + UUID.randomUUID(),
                a.id(),
                "0014",
                "20261129",
                Protection.PLATFORM,
                KeyRef.of("local", "platform"),
                new byte[] {1},
                now));
    StoredObject o =
        new StoredObject(a.id(), "o1", "mail", "alice", k.id(), Protection.PLATFORM, 3, now);
    assertThat(os.insert(o)).isTrue();
    assertThat(os.insert(o)).isFalse();
    assertThat(os.find(a.id(), "o1")).contains(o);
    assertThat(os.countByKek(k.id())).isEqualTo(1);
  }

  // ---- re-protection jobs and their key events ----------------------------------------------

  private static final KeyRef TARGET = KeyRef.of("remote", "customer");

  /** An account with one KEK under the backup key, and a recovery job for it (not stored yet). */
  private Job recoveryJobWithOneItem() {
    Account a = newAccount();
    new JdbcKekStore(db())
        .insertIfAbsent(
            new Kek(
                "kek_" + UUID.randomUUID(),
                a.id(),
                "0001",
                "20261129",
                Protection.FALLBACK,
                KeyRef.of("local", "backup"),
                new byte[] {1},
                now));
    return job(a, Job.Kind.RECOVERY, Job.Mode.KEK_REWRAP, Job.Scope.ALL);
  }

  /** A new running job towards {@link #TARGET} (not stored yet). */
  private Job job(Account a, Job.Kind kind, Job.Mode mode, Job.Scope scope) {
    return new Job(
        "job_" + UUID.randomUUID(),
        a.id(),
        kind,
        mode,
        TARGET,
        Job.Status.RUNNING,
        0,
        "",
        now,
        now,
        Optional.empty(),
        scope);
  }

  private KeyEvent event(Job job, String kind, String reason, String detail) {
    return new KeyEvent(
        "evt_" + UUID.randomUUID(),
        job.accountId(),
        "key_1",
        kind,
        "",
        "",
        Cause.NONE,
        reason,
        "job",
        detail,
        now);
  }

  private List<KeyEvent> events(String accountId) {
    return new JdbcAvailabilityStore(db()).events(accountId, 10);
  }

  /** Settles every item of the job (as already done), so that it can finish. */
  private void settle(JdbcJobStore s, Job job) {
    List<String> items = s.claim(job.id(), "tok", 10, now, now.plusSeconds(60));
    s.complete(
        job.id(), "tok", items.stream().<JobStore.Completion>map(JobStore.Noop::new).toList(), now);
  }

  @Test
  void aJobStartsAndEndsInTheTransactionsThatAppendItsKeyEvents() {
    JdbcJobStore s = new JdbcJobStore(db());
    Job job = recoveryJobWithOneItem();
    Job created =
        s.create(
                job,
                JobStore.Items.FALLBACK_KEKS,
                j -> event(j, KeyEvent.JOB_STARTED, "recovery", "total " + j.total()))
            .orElseThrow();
    assertThat(created.total()).isEqualTo(1);
    settle(s, job);
    Instant end = now.plusSeconds(5);
    assertThat(
            s.finish(
                job,
                end,
                (j, p) ->
                    event(
                        j,
                        KeyEvent.JOB_FINISHED,
                        j.status().name(),
                        p.done() + " done at " + j.finishedAt().orElseThrow())))
        .isTrue();
    assertThat(events(job.accountId()))
        .extracting(KeyEvent::kind, KeyEvent::reason, KeyEvent::detail)
        .containsExactly(
            tuple(KeyEvent.JOB_FINISHED, "SUCCEEDED", "1 done at " + end),
            tuple(KeyEvent.JOB_STARTED, "recovery", "total 1"));
    assertThat(s.finish(job, end, (j, p) -> event(j, KeyEvent.JOB_FINISHED, "again", "")))
        .as("an ended job does not end (or record its end) twice")
        .isFalse();
    assertThat(events(job.accountId())).hasSize(2);
  }

  @Test
  void aFailureBetweenCreatingAJobAndAppendingItsEventWritesNeither() {
    JdbcJobStore s = new JdbcJobStore(db());
    Job job = recoveryJobWithOneItem();
    assertThatThrownBy(
            () ->
                s.create(
                    job,
                    JobStore.Items.FALLBACK_KEKS,
                    j -> {
                      throw new IllegalStateException("injected: node dies before the event");
                    }))
        .hasMessageContaining("injected");
    assertThat(s.find(job.id())).isEmpty();
    assertThat(s.running(job.accountId())).isEmpty();
    assertThat(events(job.accountId())).isEmpty();

    // the event's own insert failing (its account does not exist) rolls the job back too
    assertThatThrownBy(
            () ->
                s.create(
                    job,
                    JobStore.Items.FALLBACK_KEKS,
                    j ->
                        new KeyEvent(
                            "evt_" + UUID.randomUUID(),
                            "acct_missing",
                            "",
                            KeyEvent.JOB_STARTED,
                            "",
                            "",
                            Cause.NONE,
                            "recovery",
                            "job",
                            "",
                            now)))
        .isInstanceOf(RuntimeException.class);
    assertThat(s.find(job.id())).isEmpty();
    assertThat(s.running(job.accountId())).isEmpty();
    assertThat(events(job.accountId())).isEmpty();

    // nothing was left behind: the account's one-job lock is free
    assertThat(
            s.create(
                job, JobStore.Items.FALLBACK_KEKS, j -> event(j, KeyEvent.JOB_STARTED, "r", "")))
        .isPresent();
    assertThat(events(job.accountId())).hasSize(1);
  }

  @Test
  void aFailureBetweenEndingAJobAndAppendingItsEventLeavesTheJobRunning() {
    JdbcJobStore s = new JdbcJobStore(db());
    Job job = recoveryJobWithOneItem();
    s.create(job, JobStore.Items.FALLBACK_KEKS, j -> event(j, KeyEvent.JOB_STARTED, "r", ""));
    settle(s, job);
    Instant end = now.plusSeconds(5);
    assertThatThrownBy(
            () ->
                s.finish(
                    job,
                    end,
                    (j, p) -> {
                      throw new IllegalStateException("injected: node dies before the event");
                    }))
        .hasMessageContaining("injected");
    Job still = s.find(job.id()).orElseThrow();
    assertThat(still.status()).isEqualTo(Job.Status.RUNNING);
    assertThat(still.finishedAt()).isEmpty();
    assertThat(s.running(job.accountId())).contains(still);
    assertThat(events(job.accountId()))
        .extracting(KeyEvent::kind)
        .containsExactly(KeyEvent.JOB_STARTED);

    // the next round ends it, with its event
    assertThat(s.finish(job, end, (j, p) -> event(j, KeyEvent.JOB_FINISHED, "succeeded", "")))
        .isTrue();
    assertThat(s.find(job.id()).orElseThrow().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(s.running(job.accountId())).isEmpty();
    assertThat(events(job.accountId()))
        .extracting(KeyEvent::kind)
        .containsExactly(KeyEvent.JOB_FINISHED, KeyEvent.JOB_STARTED);
  }

  // ---- backfill ------------------------------------------------------------------------------

  private Kek kek(Account a, Protection p, KeyRef root) {
    return new JdbcKekStore(db())
        .insertIfAbsent(
            new Kek(
                "kek_" + UUID.randomUUID(),
                a.id(),
                "0014",
                "20261129",
                p,
                root,
                new byte[] {1},
                now));
  }

  private Job backfill(Account a, Job.Scope scope) {
    return job(a, Job.Kind.BACKFILL, Job.Mode.DEK_REWRAP, scope);
  }

  @Test
  void aBackfillPicksPlatformObjectsOfLicensedUsersAndEligibleAssetsWithinItsScope() {
    Account a = newAccount();
    JdbcAccountStore accounts = new JdbcAccountStore(db());
    accounts.upsertUser(new User(a.id(), "alice", true, now));
    accounts.upsertUser(new User(a.id(), "bob", false, now));
    accounts.upsertUser(new User(a.id(), "carol", true, now));
    Kek platform = kek(a, Protection.PLATFORM, KeyRef.of("local", "platform"));
    Kek cmk = kek(a, Protection.CMK, TARGET);
    Kek fallback = kek(a, Protection.FALLBACK, KeyRef.of("local", "backup"));
    JdbcObjectStore objects = new JdbcObjectStore(db());
    record O(String id, String type, String user, Kek kek) {}
    for (O o :
        List.of(
            new O("alice-mail", "mail", "alice", platform),
            new O("alice-meta", "meeting-metadata", "alice", platform), // not CMK-eligible
            new O("alice-meeting", "meeting-recording", "alice", platform), // organizer alice
            new O("bob-mail", "mail", "bob", platform), // unlicensed
            new O("dave-mail", "mail", "dave", platform), // never licensed
            new O("alice-cmk", "mail", "alice", cmk),
            new O("alice-fb", "mail", "alice", fallback),
            new O("carol-vm", "voicemail", "carol", platform))) {
      objects.insert(
          new StoredObject(
              a.id(), o.id(), o.type(), o.user(), o.kek().id(), o.kek().protection(), 1, now));
    }
    JdbcJobStore s = new JdbcJobStore(db());
    assertThat(s.count(a.id(), JobStore.Items.BACKFILL_OBJECTS, TARGET)).isEqualTo(3);

    Job alice = backfill(a, new Job.Scope(Optional.of("alice"), Optional.empty()));
    assertThat(
            s.create(alice, JobStore.Items.BACKFILL_OBJECTS, j -> event(j, "s", "", ""))
                .orElseThrow()
                .total())
        .isEqualTo(2);
    List<String> items = s.claim(alice.id(), "tok", 10, now, now.plusSeconds(60));
    assertThat(items).containsExactlyInAnyOrder("alice-mail", "alice-meeting");
    assertThat(s.find(alice.id()).orElseThrow().scope()).isEqualTo(alice.scope());
    assertThat(s.find(alice.id()).orElseThrow().kind()).isEqualTo(Job.Kind.BACKFILL);
    s.complete(
        alice.id(),
        "tok",
        items.stream().<JobStore.Completion>map(JobStore.Noop::new).toList(),
        now);
    assertThat(s.finish(alice, now, (j, p) -> event(j, "f", "", ""))).isTrue();
    assertThat(new JdbcKekStore(db()).find(fallback.id()))
        .as("a backfill leaves fallback KEKs to recovery")
        .isPresent();

    Job voicemail = backfill(a, new Job.Scope(Optional.empty(), Optional.of("voicemail")));
    s.create(voicemail, JobStore.Items.BACKFILL_OBJECTS, j -> event(j, "s", "", ""));
    assertThat(s.claim(voicemail.id(), "tok", 10, now, now.plusSeconds(60)))
        .containsExactly("carol-vm");
    assertThat(s.list(a.id(), 10))
        .extracting(Job::scope)
        .containsExactlyInAnyOrder(voicemail.scope(), alice.scope());
  }

  private KeyEvent adminEvent(String accountId, String kind) {
    return new KeyEvent(
        "evt_" + UUID.randomUUID(), accountId, "", kind, "", "", Cause.NONE, "", "admin", "", now);
  }

  @Test
  void aRevocationHoldsUntilLiftedWhateverTheFallbackSwitchAndModeSay() {
    JdbcAvailabilityStore s = new JdbcAvailabilityStore(db());
    Account a = newAccount();
    assertThat(s.signal(a.id()).revoked()).isFalse();
    var r = s.revoke(a.id(), now, "admin:tok_1", adminEvent(a.id(), "revoked")).orElseThrow();
    assertThat(r.revoked()).isTrue();
    assertThat(r.revokedBy()).isEqualTo("admin:tok_1");
    assertThat(s.signal(a.id()))
        .isEqualTo(new dev.cmk.service.kek.RevocationEpochs.Signal(1, true));
    assertThat(s.revoke(a.id(), now, "admin:tok_2", adminEvent(a.id(), "revoked"))).isEmpty();

    s.setFallback(
        a.id(), true, FallbackMode.OUTAGES_ONLY, now, adminEvent(a.id(), "fallback_enabled"));
    Account stored = new JdbcAccountStore(db()).find(a.id()).orElseThrow();
    assertThat(stored.fallbackEnabled()).isTrue();
    assertThat(stored.fallbackMode()).isEqualTo(FallbackMode.OUTAGES_ONLY);
    assertThat(s.revocation(a.id()).revoked()).as("fallback does not lift it").isTrue();

    var lifted = s.lift(a.id(), now.plusSeconds(5), "admin:tok_3", adminEvent(a.id(), "lifted"));
    assertThat(lifted.orElseThrow().revoked()).isFalse();
    assertThat(lifted.get().liftedBy()).isEqualTo("admin:tok_3");
    assertThat(lifted.get().liftedAt()).contains(now.plusSeconds(5));
    assertThat(s.signal(a.id()).revoked()).isFalse();
    assertThat(s.lift(a.id(), now, "admin:tok_3", adminEvent(a.id(), "lifted"))).isEmpty();
    assertThat(events(a.id())).extracting(KeyEvent::kind).contains("revoked", "lifted");
  }

  @Test
  void refusedSlicesAreRecordedOnceMovedAndCleared() {
    JdbcAvailabilityStore s = new JdbcAvailabilityStore(db());
    Account a = newAccount();
    var first =
        new SliceRefusal(
            a.id(), "0014", "20261129", "access_denied", "AccessDenied", "d", now, now);
    assertThat(s.recordSliceRefusal(first)).isTrue();
    var later =
        new SliceRefusal(
            a.id(),
            "0014",
            "20261129",
            "access_denied",
            "AccessDenied",
            "d2",
            now,
            now.plusSeconds(9));
    assertThat(s.recordSliceRefusal(later)).isFalse();
    assertThat(
            s.recordSliceRefusal(
                new SliceRefusal(a.id(), "0012", "20261129", "access_denied", "X", "", now, now)))
        .isTrue();
    assertThat(s.sliceRefusals(a.id()))
        .extracting(SliceRefusal::serviceId, SliceRefusal::firstSeen, SliceRefusal::lastSeen)
        .containsExactly(tuple("0012", now, now), tuple("0014", now, now.plusSeconds(9)));
    assertThat(s.clearSliceRefusal(a.id(), "0014", "20261129")).isTrue();
    assertThat(s.clearSliceRefusal(a.id(), "0014", "20261129")).isFalse();
    assertThat(s.clearSliceRefusals(a.id())).isEqualTo(1);
    assertThat(s.sliceRefusals(a.id())).isEmpty();
  }

  @Test
  void fallbackWritesKeepTheirCause() {
    Account a = newAccount();
    JdbcFallbackWrites w = new JdbcFallbackWrites(db());
    var e =
        new FallbackWrites.Entry(
            a.id(),
            "m1",
            "kek_1",
            "REFUSED",
            "disabled",
            "DisabledException",
            FallbackMode.ANY_REASON,
            now);
    w.record(e);
    assertThat(w.find(a.id(), "m1")).contains(e);
    assertThat(w.find(a.id(), "m2")).isEmpty();
  }
}
