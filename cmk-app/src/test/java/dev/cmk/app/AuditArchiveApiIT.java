package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.CliIT.Run;
import dev.cmk.app.TestNode.Res;
import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.audit.AuditChain;
import dev.cmk.service.audit.AuditRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit retention over HTTP with a real client: a node with {@code audit.retention: P1D} on a clock
 * the test moves archives its old rows; the archive listing and segment download are for the
 * account's admins (operators for the platform log) and are recorded; segments plus the export
 * verify as one chain with the CLI, the export alone from the anchor, and a tampered segment is
 * found.
 */
class AuditArchiveApiIT {
  @TempDir static Path dir;
  static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
  static TestNode n;
  static String acct;
  static String admin;
  static String otherAdmin;

  @BeforeAll
  static void start() throws Exception {
    CmkConfig e = CmkConfig.embeddedIn(dir, 1 << 20);
    CmkConfig cfg = withAudit(e, new CmkConfig.Audit("P1D", Duration.ofHours(1), 10));
    n = new TestNode(cfg, CLOCK);
    acct = n.createAccount("Archived");
    admin = n.adminToken(acct);
    otherAdmin = n.adminToken(n.createAccount("Other"));
    for (int i = 0; i < 25; i++) {
      Res r =
          n.send(
              admin,
              "PUT",
              "/v1/accounts/" + acct + "/users/u" + i + "/license",
              "{\"cmkLicensed\":true}");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
    for (int i = 0; i < 3; i++) { // operator tokens: rows of the platform log
      n.token(java.util.Map.of("role", "operator"));
    }
    CLOCK.advance(Duration.ofDays(2));
    n.send(admin, "PUT", "/v1/accounts/" + acct + "/users/young/license", "{\"cmkLicensed\":true}");
    n.node.archiver.runOnce();
  }

  static CmkConfig withAudit(CmkConfig e, CmkConfig.Audit audit) {
    return new CmkConfig(
        e.platformName(),
        e.server(),
        e.storage(),
        e.keys(),
        e.local(),
        e.kekCache(),
        e.maxContentBytes(),
        e.providers(),
        e.principals(),
        e.availability(),
        e.crypto(),
        audit);
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Res get(String token, String path) throws Exception {
    return n.send(token, "GET", "/v1/accounts/" + acct + path, null);
  }

  static List<AuditRecord> parse(String jsonl) throws Exception {
    return AuditApiIT.parse(jsonl);
  }

  @Test
  void theListingShowsSegmentsAndTheAnchor_andTheExportContinuesFromIt() throws Exception {
    Res list = get(admin, "/audit/archive");
    assertThat(list.status()).as(list.body()).isEqualTo(200);
    JsonNode l = list.json();
    JsonNode segs = l.get("segments");
    assertThat(segs.size()).isGreaterThanOrEqualTo(3); // 25+ old rows, 10 per segment
    assertThat(segs.get(0).get("firstSeq").asLong()).isEqualTo(1);
    assertThat(segs.get(0).get("firstPrevHash").asText()).isEqualTo(AuditChain.GENESIS);
    assertThat(segs.get(0).get("rows").asLong()).isEqualTo(10);
    assertThat(segs.get(0).get("firstAt").asText()).startsWith("2026-03-01T");
    JsonNode last = segs.get(segs.size() - 1);
    JsonNode anchor = l.get("anchor");
    assertThat(anchor.get("seq").asLong()).isEqualTo(last.get("lastSeq").asLong());
    assertThat(anchor.get("hash").asText()).isEqualTo(last.get("lastHash").asText());

    List<AuditRecord> rest = parse(get(admin, "/audit").body());
    assertThat(rest.get(0).seq()).isEqualTo(anchor.get("seq").asLong() + 1);
    assertThat(rest.get(0).prevHash()).isEqualTo(anchor.get("hash").asText());
    assertThat(rest).anyMatch(r -> r.action().equals("audit.archive"));
  }

  @Test
  void segmentsAndTheExportVerifyAsOneChain_andATamperedSegmentIsFound() throws Exception {
    JsonNode l = get(admin, "/audit/archive").json();
    String headHash = get(admin, "/audit/head").json().get("hash").asText();
    List<String> files = new ArrayList<>(List.of("audit", "verify"));
    List<Path> segmentFiles = new ArrayList<>();
    for (JsonNode s : l.get("segments")) {
      Res seg = get(admin, "/audit/archive/" + s.get("firstSeq").asLong());
      assertThat(seg.status()).as(seg.body()).isEqualTo(200);
      assertThat(seg.raw().headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/x-ndjson");
      String sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(seg.body().getBytes(StandardCharsets.UTF_8)));
      assertThat(seg.raw().headers().firstValue("X-CMK-Segment-Sha256")).contains(sha);
      assertThat(sha).isEqualTo(s.get("sha256").asText());
      assertThat(parse(seg.body())).hasSize(s.get("rows").asInt());
      Path f = dir.resolve("seg-" + s.get("firstSeq").asLong() + ".jsonl");
      Files.writeString(f, seg.body());
      segmentFiles.add(f);
      files.add(f.toString());
    }
    Path export = dir.resolve("rest.jsonl");
    Run ex =
        CliIT.cmk(
            "audit",
            "export",
            "--account",
            acct,
            "--out",
            export.toString(),
            "--url",
            n.base,
            "--token",
            admin);
    assertThat(ex.exit()).as(ex.err()).isZero();
    files.add(export.toString());
    files.addAll(List.of("--head-hash", headHash));

    Run whole = CliIT.cmk(files.toArray(String[]::new));
    assertThat(whole.exit()).as(whole.out() + whole.err()).isZero();
    assertThat(whole.out()).startsWith("OK: ").contains("seq 1..").contains("reaches the head");

    JsonNode anchor = l.get("anchor");
    Run fromAnchor =
        CliIT.cmk(
            "audit",
            "verify",
            export.toString(),
            "--anchor-seq",
            anchor.get("seq").asText(),
            "--anchor-hash",
            anchor.get("hash").asText(),
            "--head-hash",
            headHash);
    assertThat(fromAnchor.exit()).as(fromAnchor.out() + fromAnchor.err()).isZero();
    assertThat(fromAnchor.out()).contains("continues from the anchor at seq " + anchor.get("seq"));
    Run wrongAnchor =
        CliIT.cmk(
            "audit",
            "verify",
            export.toString(),
            "--anchor-seq",
            anchor.get("seq").asText(),
            "--anchor-hash",
            AuditChain.GENESIS.replace('0', 'a'));
    assertThat(wrongAnchor.exit()).isEqualTo(1);
    assertThat(wrongAnchor.out()).contains("anchor");

    // one altered row in the second segment: found at its seq
    Path second = segmentFiles.get(1);
    List<String> lines = new ArrayList<>(Files.readAllLines(second));
    lines.set(2, lines.get(2).replaceFirst("\"user\":\"u", "\"user\":\"x"));
    Files.write(second, lines);
    Run broken = CliIT.cmk(files.toArray(String[]::new));
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.out()).startsWith("BROKEN at seq 13:");
    // a missing segment breaks the chain where it was
    List<String> withoutSecond = new ArrayList<>(files);
    withoutSecond.remove(second.toString());
    Run gap = CliIT.cmk(withoutSecond.toArray(String[]::new));
    assertThat(gap.exit()).isEqualTo(1);
    assertThat(gap.out()).startsWith("BROKEN at seq 11:");
  }

  @Test
  void readsOfTheArchiveAreRecorded_refusedOnesAreNot() throws Exception {
    get(admin, "/audit/archive");
    Res seg =
        n.send(
            admin,
            "GET",
            "/v1/accounts/" + acct + "/audit/archive/1",
            java.util.Map.of("X-Request-Id", "req-seg-1"),
            null);
    assertThat(seg.status()).isEqualTo(200);
    Res missing = get(admin, "/audit/archive/2");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.code()).isEqualTo("audit_segment_not_found");
    Res bad = get(admin, "/audit/archive/first");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.code()).isEqualTo("invalid_request");

    List<AuditRecord> rows = parse(get(admin, "/audit").body());
    AuditRecord read =
        rows.stream().filter(r -> r.requestId().equals("req-seg-1")).findFirst().orElseThrow();
    assertThat(read.action()).isEqualTo("audit.archive_read");
    assertThat(read.actorKind()).isEqualTo("admin");
    assertThat(read.details())
        .containsEntry("firstSeq", "1")
        .containsEntry("lastSeq", "10")
        .containsEntry("rows", "10");
    assertThat(rows).anyMatch(r -> r.action().equals("audit.archive_list"));
    assertThat(rows) // the 404 and the 400 left no row
        .filteredOn(r -> r.action().equals("audit.archive_read"))
        .noneMatch(r -> r.details().get("firstSeq").equals("2"));
  }

  @Test
  void otherAccountsAndThePlatformLogAreGuarded() throws Exception {
    assertThat(get(otherAdmin, "/audit/archive").status()).isEqualTo(403);
    assertThat(get(otherAdmin, "/audit/archive/1").status()).isEqualTo(403);
    assertThat(n.send(admin, "GET", "/v1/accounts/_platform/audit/archive", null).status())
        .isEqualTo(403);
    Res platform = n.send(n.operator, "GET", "/v1/accounts/_platform/audit/archive", null);
    assertThat(platform.status()).as(platform.body()).isEqualTo(200);
    assertThat(platform.json().get("segments").size()).isGreaterThanOrEqualTo(1);
    assertThat(n.send(n.operator, "GET", "/v1/accounts/acct_nope/audit/archive", null).code())
        .isEqualTo("account_not_found");
  }

  @Test
  void theCliListsAndDownloadsSegments_andMetricsCountThem() throws Exception {
    Run list = CliIT.cmk("audit", "archive", "--account", acct, "--url", n.base, "--token", admin);
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.json().get("segments").get(0).get("firstSeq").asLong()).isEqualTo(1);
    Path out = dir.resolve("cli-seg.jsonl");
    Run seg =
        CliIT.cmk(
            "audit",
            "segment",
            "--account",
            acct,
            "--first-seq",
            "1",
            "--out",
            out.toString(),
            "--url",
            n.base,
            "--token",
            admin);
    assertThat(seg.exit()).as(seg.err()).isZero();
    assertThat(parse(Files.readString(out))).hasSize(10);
    String metrics = n.send(null, "GET", "/metrics", null).body();
    assertThat(metrics)
        .containsPattern("cmk_audit_archive_rows_total [1-9]")
        .containsPattern("cmk_audit_archive_segments_total [1-9]")
        .contains("cmk_audit_archive_failures_total 0.0")
        .containsPattern("cmk_audit_archive_last_run_seconds [1-9]");
  }
}
