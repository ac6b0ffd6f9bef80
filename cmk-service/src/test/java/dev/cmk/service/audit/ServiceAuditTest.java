package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
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

  List<AuditRecord> rows() {
    List<AuditRecord> out = new ArrayList<>();
    f.auditService.export(acct.id(), Window.parse(none(), none(), none(), none()), out::add);
    return out;
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
    assertThat(AuditChain.verify(rows(), Optional.of(f.auditService.head(acct.id()).hash())).ok())
        .isTrue();
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
    while (true) {
      List<AuditRecord> page = new ArrayList<>();
      f.auditService.export(
          acct.id(),
          Window.parse(Optional.of(Long.toString(after)), none(), none(), Optional.of("7")),
          page::add);
      all.addAll(page);
      if (page.size() < 7) {
        break;
      }
      after = page.get(page.size() - 1).seq();
    }
    assertThat(all).hasSize((int) total);
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
    var catalog = new dev.cmk.service.catalog.CatalogService(f.catalog);
    catalog.setAuditLog(f.audit);
    catalog.add(
        new Caller(ActorKind.OPERATOR, "tok_op", "req-cat"),
        new dev.cmk.service.catalog.AssetType(
            "contact-center-notes", "0042", "contact-center", "notes", true, false));
    List<AuditRecord> platform = new ArrayList<>();
    f.auditService.export(
        AuditEvent.PLATFORM_ACCOUNT, Window.parse(none(), none(), none(), none()), platform::add);
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
    List<AuditRecord> all = rows();
    assertThat(all.stream().filter(r -> r.action().equals(Actions.CONTENT_WRITE)))
        .hasSize(threads * each);
    assertThat(AuditChain.verify(all, Optional.of(f.auditService.head(acct.id()).hash())).ok())
        .isTrue();
  }

  private List<KeyUse> usage(
      Optional<String> user,
      Optional<String> asset,
      Optional<String> op,
      Optional<String> from,
      Optional<String> to) {
    List<KeyUse> out = new ArrayList<>();
    f.auditService.keyUsage(
        acct.id(),
        Window.parse(none(), from, to, none()),
        new UsageFilter(user, asset, op),
        out::add);
    return out;
  }
}
