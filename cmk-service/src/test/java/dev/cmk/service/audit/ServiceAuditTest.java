package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.AuditService.Format;
import dev.cmk.service.audit.AuditService.KeyUse;
import dev.cmk.service.audit.AuditService.UsageFilter;
import dev.cmk.service.audit.AuditService.Window;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the services record: content writes, reads and refusals, changes, and the report. */
class ServiceAuditTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  final Caller chat = new Caller(ActorKind.SERVICE, "tok_chat", "req-1");
  final Caller admin = new Caller(ActorKind.ADMIN, "tok_admin", "req-admin");

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    f.keys.register(admin, acct, "remote", "customer", List.of());
    f.accounts.setLicense(admin, acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  final Caller reader = new Caller(ActorKind.ADMIN, "tok_reader", "req-read");

  /** Every row, including the events of earlier reads (each call appends one more). */
  List<AuditRecord> all() {
    List<AuditRecord> out = new ArrayList<>();
    f.auditService.export(
        reader, acct.id(), Format.JSONL, Window.parse(none(), none(), none(), none()), out::add);
    return out;
  }

  /** The rows without the events of the test's own reads. */
  List<AuditRecord> rows() {
    return all().stream().filter(r -> !Actions.AUDIT_READS.contains(r.action())).toList();
  }

  /** The export verifies against the head taken before it. */
  void assertVerifies() {
    String head = f.auditService.head(acct.id()).hash();
    AuditChain.Verification v = AuditChain.verify(all(), Optional.of(head));
    assertThat(v.ok()).as(v.problem()).isTrue();
  }

  static Optional<String> none() {
    return Optional.empty();
  }

  AuditRecord last() {
    List<AuditRecord> r = rows();
    return r.get(r.size() - 1);
  }

  byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aWriteAndAReadNameTheCallerTheUserTheKeyAndTheRequest() {
    var o = f.content.put(chat, acct.id(), "mail", "alice", Optional.of("m1"), bytes("hello"));
    AuditRecord w = last();
    assertThat(w.action()).isEqualTo(Actions.CONTENT_WRITE);
    assertThat(w.actorKind()).isEqualTo("service");
    assertThat(w.actorId()).isEqualTo("tok_chat");
    assertThat(w.requestId()).isEqualTo("req-1");
    assertThat(w.user()).isEqualTo("alice");
    assertThat(w.asset()).isEqualTo("mail");
    assertThat(w.objectId()).isEqualTo("m1");
    assertThat(w.keyProvider()).isEqualTo("remote");
    assertThat(w.keyId()).isEqualTo("customer");
    assertThat(w.kekId()).isEqualTo(o.kekId());
    assertThat(w.protection()).isEqualTo("CMK");
    assertThat(w.result()).isEqualTo("ok");

    f.content.get(new Caller(ActorKind.SERVICE, "tok_chat", "req-2"), acct.id(), "mail", "m1");
    AuditRecord r = last();
    assertThat(r.action()).isEqualTo(Actions.CONTENT_READ);
    assertThat(r.requestId()).isEqualTo("req-2");
    assertThat(r.kekId()).isEqualTo(o.kekId());
    assertThat(r.keyId()).isEqualTo("customer");
    assertThat(r.user()).isEqualTo("alice");
    assertThat(r.result()).isEqualTo("ok");
  }

  @Test
  void anUnlicensedUsersWriteNamesThePlatformKey() {
    f.content.put(chat, acct.id(), "mail", "bob", Optional.of("m2"), bytes("x"));
    AuditRecord w = last();
    assertThat(w.protection()).isEqualTo("PLATFORM");
    assertThat(w.keyProvider() + ":" + w.keyId()).isEqualTo("local:platform");
  }

  @Test
  void aRefusedWriteLeavesARowAndNoObject() {
    f.remote.setMode(Mode.DISABLED);
    assertThatThrownBy(
            () -> f.content.put(chat, acct.id(), "mail", "alice", Optional.of("m3"), bytes("x")))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_REFUSED));
    assertThat(f.objects.find(acct.id(), "m3")).isEmpty();
    AuditRecord w = last();
    assertThat(w.action()).isEqualTo(Actions.CONTENT_WRITE);
    assertThat(w.result()).isEqualTo("refused");
    assertThat(w.keyId()).isEqualTo("customer");
    assertThat(w.protection()).isEqualTo("CMK");
    assertThat(w.kekId()).isEmpty();
    assertThat(w.requestId()).isEqualTo("req-1");
    assertThat(w.details()).containsEntry("reason", "disabled");
  }

  @Test
  void anUnavailableWriteWithFallbackOffLeavesARow_withFallbackOnTheFallbackKek() {
    f.remote.setMode(Mode.DOWN);
    assertThatThrownBy(
        () -> f.content.put(chat, acct.id(), "mail", "alice", Optional.of("m4"), bytes("x")));
    assertThat(last().result()).isEqualTo("unavailable");

    f.revocation.setFallback(admin, acct.id(), true);
    AuditRecord fallback = last();
    assertThat(fallback.action()).isEqualTo(Actions.FALLBACK);
    assertThat(fallback.actorKind()).isEqualTo("admin");
    assertThat(fallback.details()).containsEntry("enabled", "true");

    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("m5"), bytes("x"));
    AuditRecord w = last();
    assertThat(w.result()).isEqualTo("ok");
    assertThat(w.protection()).isEqualTo("FALLBACK");
    assertThat(w.keyProvider() + ":" + w.keyId()).isEqualTo("local:backup");
  }

  @Test
  void aRefusedReadLeavesARowWithTheReason() {
    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("m6"), bytes("x"));
    f.remote.setMode(Mode.DISABLED);
    f.revocation.revoke(admin, acct.id());
    assertThat(last().action()).isEqualTo(Actions.KEY_REVOKE);
    assertThatThrownBy(() -> f.content.get(chat, acct.id(), "mail", "m6"))
        .isInstanceOf(CmkException.class);
    AuditRecord r = last();
    assertThat(r.action()).isEqualTo(Actions.CONTENT_READ);
    assertThat(r.result()).isEqualTo("refused");
    assertThat(r.details()).containsEntry("reason", "revoked");
    assertThat(r.objectId()).isEqualTo("m6");
    assertThat(r.user()).isEqualTo("alice");
  }

  @Test
  void changesAreRecordedAndTheWholeLogVerifies() {
    f.sessions.setDropCalls(new Caller(ActorKind.OPERATOR, "tok_op", "r9"), acct.id(), true);
    f.accounts.setLicense(admin, acct.id(), "alice", false);
    f.keys.revalidate(admin, acct, f.keys.activeKey(acct.id()).orElseThrow().id());
    f.remote.setMode(Mode.DOWN);
    f.clock.advance(Duration.ofMinutes(6));
    f.scheduler.tick();
    List<String> actions = rows().stream().map(AuditRecord::action).toList();
    assertThat(actions)
        .containsSubsequence(
            Actions.ACCOUNT_CREATE,
            Actions.KEY_REGISTER,
            Actions.LICENSE_GRANT,
            Actions.DROP_CALLS,
            Actions.LICENSE_REVOKE,
            Actions.KEY_VALIDATE,
            Actions.KEY_STATE);
    AuditRecord state =
        rows().stream().filter(r -> r.action().equals(Actions.KEY_STATE)).findFirst().get();
    assertThat(state.actorKind()).isEqualTo("system");
    assertThat(state.details()).containsEntry("to", "UNAVAILABLE");
    AuditRecord register =
        rows().stream().filter(r -> r.action().equals(Actions.KEY_REGISTER)).findFirst().get();
    assertThat(register.details()).containsEntry("status", "activated");
    assertThat(register.keyId()).isEqualTo("customer");
    assertVerifies();
  }

  @Test
  void theKeyUsageReportFiltersByUserAssetOperationAndTime() {
    Instant start = f.clock.instant();
    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("a1"), bytes("x"));
    f.content.put(chat, acct.id(), "doc", "bob", Optional.of("b1"), bytes("x"));
    f.clock.advance(Duration.ofHours(1));
    Instant later = f.clock.instant();
    f.content.get(chat, acct.id(), "mail", "a1");
    f.content.get(chat, acct.id(), "doc", "b1");

    assertThat(usage(none(), none(), none(), none(), none()))
        .extracting(KeyUse::objectId)
        .containsExactly("a1", "b1", "a1", "b1");
    assertThat(usage(Optional.of("alice"), none(), none(), none(), none()))
        .extracting(KeyUse::operation)
        .containsExactly(Actions.CONTENT_WRITE, Actions.CONTENT_READ);
    assertThat(usage(none(), Optional.of("doc"), Optional.of(Actions.CONTENT_READ), none(), none()))
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.user()).isEqualTo("bob");
              assertThat(u.protection()).isEqualTo("PLATFORM");
              assertThat(u.keyId()).isEqualTo("platform");
            });
    assertThat(usage(none(), none(), none(), Optional.of(later.toString()), none()))
        .extracting(KeyUse::operation)
        .containsOnly(Actions.CONTENT_READ);
    assertThat(
            usage(
                none(),
                none(),
                none(),
                Optional.of(start.toString()),
                Optional.of(later.toString())))
        .extracting(KeyUse::operation)
        .containsOnly(Actions.CONTENT_WRITE);
    assertThatThrownBy(() -> usage(none(), none(), Optional.of("content.delete"), none(), none()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> usage(none(), none(), none(), Optional.of("yesterday"), none()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void exportsPageBySeqWithinTheLimit() {
    for (int i = 0; i < 30; i++) {
      f.content.put(chat, acct.id(), "mail", "alice", Optional.of("p" + i), bytes("x"));
    }
    long total = f.auditService.head(acct.id()).seq();
    List<AuditRecord> all = new ArrayList<>();
    long after = 0;
    int pages = 0;
    while (true) {
      List<AuditRecord> page = new ArrayList<>();
      f.auditService.export(
          reader,
          acct.id(),
          Format.JSONL,
          Window.parse(Optional.of(Long.toString(after)), none(), none(), Optional.of("7")),
          page::add);
      pages++;
      all.addAll(page);
      if (page.size() < 7) {
        break;
      }
      after = page.get(page.size() - 1).seq();
    }
    // each page but the last is followed by its own event, which a later page reads
    assertThat(all).hasSize((int) total + pages - 1);
    assertThat(all.subList((int) total, all.size()))
        .allSatisfy(r -> assertThat(r.action()).isEqualTo(Actions.AUDIT_EXPORT));
    assertThat(AuditChain.verify(all, Optional.empty()).ok()).isTrue();
    assertThatThrownBy(() -> Window.parse(none(), none(), none(), Optional.of("10001")))
        .isInstanceOf(CmkException.class);
  }

  @Test
  void searchIndexUseIsRecordedWithoutTermsOrDocumentIds() {
    Caller search = new Caller(ActorKind.SERVICE, "tok_search", "req-s");
    f.search.index(search, acct.id(), "doc-secret-id", "chat", List.of("confidential-term"));
    f.search.query(search, acct.id(), List.of("confidential-term"));
    f.search.remove(search, acct.id(), "doc-secret-id");
    List<AuditRecord> rows = rows().stream().filter(r -> r.action().startsWith("search.")).toList();
    assertThat(rows)
        .extracting(AuditRecord::action)
        .containsExactly(Actions.SEARCH_INDEX, Actions.SEARCH_QUERY, Actions.SEARCH_REMOVE);
    assertThat(rows.get(0).details()).containsEntry("terms", "1").containsEntry("existed", "false");
    assertThat(rows.get(1).details()).containsEntry("hits", "1");
    assertThat(rows.get(0).objectId()).isNotEmpty().isEqualTo(rows.get(2).objectId());
    assertThat(rows).allSatisfy(r -> assertThat(r.kekId()).isNotEmpty());
    assertThat(rows.toString()).doesNotContain("confidential").doesNotContain("doc-secret-id");
  }

  @Test
  void aWriteRefusedBeforeAnyKeyWasChosenNamesNoKey() {
    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("dup"), bytes("x"));
    assertThatThrownBy(
            () -> f.content.put(chat, acct.id(), "mail", "alice", Optional.of("dup"), bytes("y")))
        .isInstanceOf(CmkException.class);
    AuditRecord w = last();
    assertThat(w.result()).isEqualTo("conflict");
    assertThat(w.objectId()).isEqualTo("dup");
    assertThat(w.keyId()).isEmpty();
    assertThat(w.protection()).isEmpty();
  }

  @Test
  void recoveryModeAndCatalogAdditionsAreRecorded() {
    f.jobs.setRecoveryMode(admin, acct.id(), "DEK_REWRAP");
    assertThat(last().action()).isEqualTo(Actions.RECOVERY_MODE);
    assertThat(last().details()).containsEntry("mode", "dek_rewrap");
    var catalog = new dev.cmk.service.catalog.CatalogService(f.catalog, f.audit);
    catalog.add(
        new Caller(ActorKind.OPERATOR, "tok_op", "req-cat"),
        new dev.cmk.service.catalog.AssetType(
            "contact-center-notes", "0042", "contact-center", "notes", true, false));
    List<AuditRecord> platform = new ArrayList<>();
    f.auditService.export(
        reader,
        AuditEvent.PLATFORM_ACCOUNT,
        Format.JSONL,
        Window.parse(none(), none(), none(), none()),
        platform::add);
    assertThat(platform)
        .anySatisfy(
            r -> {
              assertThat(r.action()).isEqualTo(Actions.CATALOG_ADD);
              assertThat(r.asset()).isEqualTo("contact-center-notes");
              assertThat(r.requestId()).isEqualTo("req-cat");
            });
  }

  @Test
  void aLiveSessionIsAKeyUse() {
    var opened =
        f.sessions.open(new Caller(ActorKind.SERVICE, "tok_phone", "req-call"), acct.id(), "alice");
    AuditRecord r = last();
    assertThat(r.action()).isEqualTo(Actions.SESSION_OPEN);
    assertThat(r.objectId()).isEqualTo(opened.session().id());
    assertThat(r.kekId()).isEqualTo(opened.session().kekId());
    assertThat(r.keyId()).isEqualTo("customer");
    assertThat(r.user()).isEqualTo("alice");
    assertThat(r.requestId()).isEqualTo("req-call");
  }

  @Test
  void concurrentWritesOfOneAccountGiveOneGaplessChain() throws Exception {
    int threads = 4;
    int each = 25;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < each; i++) {
                  f.content.put(
                      chat,
                      acct.id(),
                      "mail",
                      "alice",
                      Optional.of("c" + tt + "-" + i),
                      bytes("x"));
                }
                return null;
              }));
    }
    for (var d : done) {
      d.get(60, java.util.concurrent.TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(rows().stream().filter(r -> r.action().equals(Actions.CONTENT_WRITE)))
        .hasSize(threads * each);
    assertVerifies();
  }

  /** The rows appended after {@code seq}, read without recording a read. */
  List<AuditRecord> appendedAfter(long seq) {
    return f.audit.page(acct.id(), JdbcAuditLog.Filter.all().after(seq), 100);
  }

  @Test
  void anExportIsRecordedAfterItsRead_withCallerFormatWindowAndRows() {
    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("e1"), bytes("x"));
    long before = f.auditService.head(acct.id()).seq();
    Instant from = f.clock.instant().minus(Duration.ofDays(1));
    List<AuditRecord> read = new ArrayList<>();
    f.auditService.export(
        reader,
        acct.id(),
        Format.CSV,
        Window.parse(Optional.of("1"), Optional.of(from.toString()), none(), Optional.of("2")),
        read::add);
    assertThat(read).extracting(AuditRecord::seq).containsExactly(2L, 3L);

    List<AuditRecord> appended = appendedAfter(before);
    assertThat(appended).hasSize(1);
    AuditRecord e = appended.get(0);
    assertThat(e.action()).isEqualTo(Actions.AUDIT_EXPORT);
    assertThat(e.actorKind()).isEqualTo("admin");
    assertThat(e.actorId()).isEqualTo("tok_reader");
    assertThat(e.requestId()).isEqualTo("req-read");
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.keyId()).isEmpty();
    assertThat(e.details())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of(
                "format", "csv",
                "afterSeq", "1",
                "limit", "2",
                "from", from.toString(),
                "rows", "2",
                "firstSeq", "2",
                "lastSeq", "3"));
    assertVerifies();
  }

  @Test
  void aReadNeverContainsItsOwnEvent_andTheNextReadContainsIt() {
    List<AuditRecord> first = all();
    assertThat(first).noneMatch(r -> Actions.AUDIT_READS.contains(r.action()));
    List<AuditRecord> second = all();
    assertThat(second).hasSize(first.size() + 1);
    AuditRecord e = second.get(second.size() - 1);
    assertThat(e.action()).isEqualTo(Actions.AUDIT_EXPORT);
    assertThat(e.details())
        .containsEntry("rows", Integer.toString(first.size()))
        .containsEntry("lastSeq", Long.toString(first.get(first.size() - 1).seq()))
        .doesNotContainKeys("from", "to");
  }

  @Test
  void aKeyUsageReadIsRecordedWithItsFilters() {
    f.content.put(chat, acct.id(), "mail", "alice", Optional.of("k1"), bytes("x"));
    f.content.get(chat, acct.id(), "mail", "k1");
    long before = f.auditService.head(acct.id()).seq();
    List<KeyUse> read =
        usage(
            Optional.of("alice"),
            Optional.of("mail"),
            Optional.of(Actions.CONTENT_READ),
            none(),
            none());
    assertThat(read).hasSize(1);
    AuditRecord e = appendedAfter(before).get(0);
    assertThat(e.action()).isEqualTo(Actions.AUDIT_KEY_USAGE);
    assertThat(e.actorId()).isEqualTo("tok_reader");
    assertThat(e.user()).isEmpty();
    assertThat(e.details())
        .containsEntry("format", "csv")
        .containsEntry("filter.user", "alice")
        .containsEntry("filter.asset", "mail")
        .containsEntry("filter.operation", Actions.CONTENT_READ)
        .containsEntry("rows", "1")
        .containsEntry("lastSeq", Long.toString(read.get(0).seq()));
    // the report lists key uses only, never the reads of the log
    assertThat(usage(none(), none(), none(), none(), none()))
        .noneMatch(u -> Actions.AUDIT_READS.contains(u.operation()));
    assertVerifies();
  }

  @Test
  void readingTheHeadIsNotRecorded() {
    var h1 = f.auditService.head(acct.id());
    var h2 = f.auditService.head(acct.id());
    assertThat(h2).isEqualTo(h1);
  }

  @Test
  void anInterruptedReadIsRecordedWithTheRowsSentAndTheFailure() {
    long before = f.auditService.head(acct.id()).seq();
    List<AuditRecord> got = new ArrayList<>();
    RuntimeException gone = new java.io.UncheckedIOException(new java.io.IOException("reset"));
    assertThatThrownBy(
            () ->
                f.auditService.export(
                    reader,
                    acct.id(),
                    Format.JSONL,
                    Window.parse(none(), none(), none(), none()),
                    r -> {
                      if (got.size() == 2) {
                        throw gone;
                      }
                      got.add(r);
                    }))
        .isSameAs(gone);
    AuditRecord e = appendedAfter(before).get(0);
    assertThat(e.action()).isEqualTo(Actions.AUDIT_EXPORT);
    assertThat(e.result()).isEqualTo(ErrorCode.INTERNAL.code());
    assertThat(e.details()).containsEntry("rows", "2").containsEntry("lastSeq", "2");
  }

  @Test
  void aReadOfAnUnknownAccountIs404AndStartsNoChain() {
    assertThatThrownBy(
            () ->
                f.auditService.export(
                    reader,
                    "acct_nope",
                    Format.JSONL,
                    Window.parse(none(), none(), none(), none()),
                    r -> {}))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ACCOUNT_NOT_FOUND));
    assertThat(f.audit.head("acct_nope").seq()).isZero();
  }

  @Test
  void theFormatIsJsonlOrCsv() {
    assertThat(Format.parse(none())).isEqualTo(Format.JSONL);
    assertThat(Format.parse(Optional.of("csv"))).isEqualTo(Format.CSV);
    assertThatThrownBy(() -> Format.parse(Optional.of("xml")))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  private List<KeyUse> usage(
      Optional<String> user,
      Optional<String> asset,
      Optional<String> op,
      Optional<String> from,
      Optional<String> to) {
    List<KeyUse> out = new ArrayList<>();
    f.auditService.keyUsage(
        reader,
        acct.id(),
        Format.CSV,
        Window.parse(none(), from, to, none()),
        new UsageFilter(user, asset, op),
        out::add);
    return out;
  }
}
