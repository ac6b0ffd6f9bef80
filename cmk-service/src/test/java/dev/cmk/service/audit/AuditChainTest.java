package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The chain and the offline verifier, without a database. */
class AuditChainTest {
  static final Instant T0 = Instant.parse("2026-11-29T10:00:00.123Z");

  /** A chain of {@code n} rows, built the way the log appends them. */
  static List<AuditRecord> chain(int n) {
    List<AuditRecord> rows = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int i = 1; i <= n; i++) {
      AuditEvent e =
          AuditEvent.of(
                  "acct_1",
                  new Caller(ActorKind.SERVICE, "tok_" + i, "req-" + i),
                  Actions.CONTENT_WRITE)
              .withKey(dev.cmk.provider.KeyRef.of("aws", "arn:aws:kms:us-east-1:1:key/k"))
              .withKek("kek_" + i, "CMK")
              .withTarget("chat-message", "obj-" + i)
              .withUser("alice")
              .withDetail("n", Integer.toString(i));
      AuditRecord r = AuditRecord.append(e, i, T0.plusSeconds(i), prev);
      rows.add(r);
      prev = r.hash();
    }
    return rows;
  }

  static AuditChain.Verification verify(List<AuditRecord> rows) {
    return AuditChain.verify(rows, Optional.empty());
  }

  @Test
  void anUntouchedChainVerifiesAndEndsAtItsHead() {
    List<AuditRecord> rows = chain(10);
    AuditChain.Verification v = AuditChain.verify(rows, Optional.of(rows.get(9).hash()));
    assertThat(v.ok()).isTrue();
    assertThat(v.rows()).isEqualTo(10);
    assertThat(v.lastSeq()).isEqualTo(10);
    assertThat(v.firstBrokenSeq()).isEmpty();
    assertThat(rows.get(0).prevHash()).isEqualTo(AuditChain.GENESIS);
  }

  @Test
  void aPartAfterAnAnchorVerifiesFromIt_andAWrongAnchorIsFound() {
    List<AuditRecord> rows = chain(10);
    List<AuditRecord> rest = rows.subList(4, 10); // seq 5..10, 1..4 archived
    Optional<String> head = Optional.of(rows.get(9).hash());
    AuditChain.Anchor anchor = new AuditChain.Anchor(4, rows.get(3).hash());
    AuditChain.Verification ok = AuditChain.verify(rest, head, Optional.of(anchor));
    assertThat(ok.ok()).isTrue();
    assertThat(ok.anchoredAt()).isEqualTo(5);

    AuditChain.Verification wrongHash =
        AuditChain.verify(rest, head, Optional.of(new AuditChain.Anchor(4, rows.get(2).hash())));
    assertThat(wrongHash.ok()).isFalse();
    assertThat(wrongHash.firstBrokenSeq()).hasValue(5);
    assertThat(wrongHash.problem()).contains("anchor");

    AuditChain.Verification missingFirst =
        AuditChain.verify(rows.subList(5, 10), head, Optional.of(anchor));
    assertThat(missingFirst.firstBrokenSeq()).hasValue(5);

    // from the genesis anchor, the whole chain; segments + rest concatenated are one chain
    assertThat(
            AuditChain.verify(rows, head, Optional.of(new AuditChain.Anchor(0, AuditChain.GENESIS)))
                .ok())
        .isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AuditChain.Anchor(0, "ab"))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new AuditChain.Anchor(0, rows.get(0).hash()))
        .hasMessageContaining("genesis");
  }

  /**
   * Pins the canonical encoding: a change to it breaks every exported log, so it is a contract. The
   * expected value was computed by an independent implementation of AUDIT.md (the Python there).
   */
  @Test
  void theHashOfAKnownRecordIsPinned() {
    AuditRecord r =
        new AuditRecord(
            1,
            "acct_1",
            1,
            Instant.parse("2026-11-29T10:00:00Z"),
            "admin",
            "tok_1",
            "account.fallback",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "req-1",
            "ok",
            new TreeMap<>(java.util.Map.of("enabled", "true")),
            AuditChain.GENESIS,
            "");
    assertThat(AuditChain.hash(r))
        .isEqualTo("02a51656f0fe3f0dae4e7ef3b1dad10c93eaac4e622b43e86135c3b2821d470e");
  }

  @Test
  void alteringAnyFieldOfARowIsCaughtAtThatRow() {
    List<UnaryOperator<AuditRecord>> tampers =
        List.of(
            r -> copy(r, "accountId", "acct_2"),
            r -> copy(r, "at", ""),
            r -> copy(r, "actorId", "tok_x"),
            r -> copy(r, "action", Actions.CONTENT_READ),
            r -> copy(r, "keyId", "arn:aws:kms:us-east-1:1:key/other"),
            r -> copy(r, "kekId", "kek_x"),
            r -> copy(r, "protection", "PLATFORM"),
            r -> copy(r, "objectId", "obj-x"),
            r -> copy(r, "user", "mallory"),
            r -> copy(r, "requestId", "req-x"),
            r -> copy(r, "result", "refused"),
            r -> copy(r, "details", "9"));
    for (UnaryOperator<AuditRecord> t : tampers) {
      List<AuditRecord> rows = new ArrayList<>(chain(8));
      rows.set(4, t.apply(rows.get(4)));
      AuditChain.Verification v = verify(rows);
      assertThat(v.ok()).isFalse();
      assertThat(v.firstBrokenSeq()).hasValue(5);
    }
  }

  @Test
  void aRowAlteredAndRehashedBreaksTheLinkToTheNextRow() {
    List<AuditRecord> rows = new ArrayList<>(chain(8));
    AuditRecord altered = copy(rows.get(4), "user", "mallory");
    rows.set(4, altered.withHash(AuditChain.hash(altered)));
    AuditChain.Verification v = verify(rows);
    assertThat(v.firstBrokenSeq()).hasValue(6);
    assertThat(v.problem()).contains("prevHash");
  }

  @Test
  void aDeletedRowIsCaughtAtItsSeq() {
    List<AuditRecord> rows = new ArrayList<>(chain(8));
    rows.remove(3);
    AuditChain.Verification v = verify(rows);
    assertThat(v.firstBrokenSeq()).hasValue(4);
    assertThat(v.problem()).contains("missing or reordered");
  }

  @Test
  void swappedRowsAreCaughtAtTheFirstOfThem() {
    List<AuditRecord> rows = new ArrayList<>(chain(8));
    Collections.swap(rows, 2, 3);
    assertThat(verify(rows).firstBrokenSeq()).hasValue(3);
  }

  @Test
  void anInsertedRowIsCaught() {
    List<AuditRecord> rows = new ArrayList<>(chain(8));
    // a forged row that claims seq 4 and links to seq 3, inserted before the real seq 4
    AuditRecord forged =
        AuditRecord.append(
            AuditEvent.of("acct_1", Caller.system("x"), Actions.KEY_REVOKE),
            4,
            T0,
            rows.get(2).hash());
    rows.add(3, forged);
    AuditChain.Verification v = verify(rows);
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBrokenSeq()).hasValue(5);
  }

  @Test
  void aTruncatedExportIsCaughtOnlyAgainstTheHead() {
    List<AuditRecord> rows = chain(8);
    String head = rows.get(7).hash();
    List<AuditRecord> truncated = rows.subList(0, 6);
    assertThat(verify(truncated).ok()).isTrue();
    AuditChain.Verification v = AuditChain.verify(truncated, Optional.of(head));
    assertThat(v.ok()).isFalse();
    assertThat(v.firstBrokenSeq()).hasValue(7);
  }

  @Test
  void aPartialExportVerifiesFromItsFirstRow() {
    List<AuditRecord> rows = chain(8).subList(3, 8);
    AuditChain.Verification v = verify(rows);
    assertThat(v.ok()).isTrue();
    assertThat(v.anchoredAt()).isEqualTo(4);
  }

  @Test
  void aFirstRowThatDoesNotStartFromGenesisIsCaught() {
    List<AuditRecord> rows = new ArrayList<>(chain(3));
    AuditRecord r = copy(rows.get(0), "prevHash", "1".repeat(64));
    rows.set(0, r.withHash(AuditChain.hash(r)));
    assertThat(verify(rows).firstBrokenSeq()).hasValue(1);
  }

  /** {@code r} with one field changed (the hash kept, as a tamperer without the chain would). */
  static AuditRecord copy(AuditRecord r, String field, String value) {
    TreeMap<String, String> details = new TreeMap<>(r.details());
    if (field.equals("details")) {
      details.put("n", value);
    }
    return new AuditRecord(
        r.v(),
        field.equals("accountId") ? value : r.accountId(),
        r.seq(),
        field.equals("at") ? r.at().plusMillis(1) : r.at(),
        r.actorKind(),
        field.equals("actorId") ? value : r.actorId(),
        field.equals("action") ? value : r.action(),
        r.keyProvider(),
        field.equals("keyId") ? value : r.keyId(),
        field.equals("kekId") ? value : r.kekId(),
        field.equals("protection") ? value : r.protection(),
        r.asset(),
        field.equals("objectId") ? value : r.objectId(),
        field.equals("user") ? value : r.user(),
        field.equals("requestId") ? value : r.requestId(),
        field.equals("result") ? value : r.result(),
        details,
        field.equals("prevHash") ? value : r.prevHash(),
        r.hash());
  }
}
