package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.CliIT.Run;
import dev.cmk.app.TestNode.Res;
import dev.cmk.http.Json;
import dev.cmk.service.audit.AuditChain;
import dev.cmk.service.audit.AuditRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit export, head and key-usage report over HTTP, and the CLI that verifies exports. */
class AuditApiIT {
  @TempDir static Path dir;
  static TestNode n;
  static String acct;
  static String other;
  static String admin;
  static String mailer;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    n.node.localProvider().orElseThrow().createKey("key-a");
    acct = n.createAccount("A");
    other = n.createAccount("B");
    admin = n.adminToken(acct);
    Res key =
        n.send(
            admin,
            "PUT",
            "/v1/accounts/" + acct + "/key",
            "{\"provider\":\"local\",\"keyId\":\"key-a\"}");
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    Res lic =
        n.send(
            admin,
            "PUT",
            "/v1/accounts/" + acct + "/users/alice/license",
            "{\"cmkLicensed\":true}");
    assertThat(lic.status()).as(lic.body()).isEqualTo(200);
    mailer = n.serviceToken(acct, List.of("mail"));
    Res w =
        n.send(
            mailer,
            "PUT",
            "/v1/accounts/" + acct + "/content/mail/m-1",
            Map.of("X-CMK-User", "alice", "X-Request-Id", "req-audit-write"),
            "hello");
    assertThat(w.status()).as(w.body()).isEqualTo(201);
    Res r =
        n.send(
            mailer,
            "GET",
            "/v1/accounts/" + acct + "/content/mail/m-1",
            Map.of("X-Request-Id", "req-audit-read"),
            null);
    assertThat(r.status()).isEqualTo(200);
    n.send(
        mailer,
        "PUT",
        "/v1/accounts/" + acct + "/content/mail/m-2",
        Map.of("X-CMK-User", "bob"),
        "unlicensed");
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Res get(String token, String path) throws Exception {
    return n.send(token, "GET", "/v1/accounts/" + acct + path, null);
  }

  static List<AuditRecord> parse(String jsonl) throws Exception {
    List<AuditRecord> rows = new ArrayList<>();
    for (String line : jsonl.split("\n")) {
      if (!line.isBlank()) {
        rows.add(Json.MAPPER.readValue(line, AuditRecord.class));
      }
    }
    return rows;
  }

  @Test
  void theExportNamesWhoWhatWhichKeyAndRequest_andVerifiesAgainstTheHead() throws Exception {
    JsonNode head = get(admin, "/audit/head").json(); // first: the export's own event follows it
    Res export = get(admin, "/audit");
    assertThat(export.status()).as(export.body()).isEqualTo(200);
    assertThat(export.raw().headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/x-ndjson");
    List<AuditRecord> rows = parse(export.body());
    AuditRecord write =
        rows.stream().filter(x -> x.requestId().equals("req-audit-write")).findFirst().get();
    assertThat(write.action()).isEqualTo("content.write");
    assertThat(write.actorKind()).isEqualTo("service");
    assertThat(write.user()).isEqualTo("alice");
    assertThat(write.keyProvider() + ":" + write.keyId()).isEqualTo("local:key-a");
    assertThat(write.protection()).isEqualTo("CMK");
    assertThat(write.result()).isEqualTo("ok");
    AuditRecord read =
        rows.stream().filter(x -> x.requestId().equals("req-audit-read")).findFirst().get();
    assertThat(read.action()).isEqualTo("content.read");
    assertThat(read.kekId()).isEqualTo(write.kekId());
    assertThat(rows)
        .anyMatch(x -> x.action().equals("key.register") && x.actorKind().equals("admin"));
    assertThat(rows).anyMatch(x -> x.action().equals("license.grant") && x.user().equals("alice"));
    assertThat(export.body()).doesNotContain("hello").doesNotContain(mailer);

    assertThat(head.get("seq").asLong()).isEqualTo(rows.get(rows.size() - 1).seq());
    assertThat(AuditChain.verify(rows, Optional.of(head.get("hash").asText())).ok()).isTrue();
  }

  @Test
  void csvAndPagesCarryTheSameRows() throws Exception {
    List<AuditRecord> all = parse(get(admin, "/audit").body());
    Res csv = get(n.operator, "/audit?format=csv");
    assertThat(csv.status()).isEqualTo(200);
    String[] lines = csv.body().split("\r\n");
    assertThat(lines[0]).startsWith("seq,v,accountId,at,actorKind");
    assertThat(lines).hasSize(all.size() + 2); // the header, and the first export's event
    assertThat(lines[lines.length - 1]).contains(",audit.export,");
    List<AuditRecord> paged = new ArrayList<>(parse(get(admin, "/audit?limit=2").body()));
    assertThat(paged).hasSize(2);
    paged.addAll(parse(get(admin, "/audit?afterSeq=2").body()));
    // then the events of the three reads before this page
    assertThat(paged.subList(0, all.size())).isEqualTo(all);
    assertThat(paged.subList(all.size(), paged.size()))
        .extracting(AuditRecord::action)
        .containsExactly("audit.export", "audit.export", "audit.export");
  }

  @Test
  void readsOfTheLogAreRecordedInIt_andTheChainStillVerifies() throws Exception {
    String adminId = n.node.tokens().authenticate(admin).orElseThrow().id();
    JsonNode before = get(admin, "/audit/head").json();
    Res csv =
        n.send(
            admin,
            "GET",
            "/v1/accounts/"
                + acct
                + "/audit?format=csv&afterSeq=1&limit=3&from=2020-01-01T00:00:00Z",
            Map.of("X-Request-Id", "req-export-csv"),
            null);
    assertThat(csv.status()).as(csv.body()).isEqualTo(200);
    assertThat(csv.body().split("\r\n")).hasSize(4);
    Res usage =
        n.send(
            admin,
            "GET",
            "/v1/accounts/" + acct + "/key-usage?user=alice&operation=content.read",
            Map.of("X-Request-Id", "req-usage"),
            null);
    assertThat(usage.status()).as(usage.body()).isEqualTo(200);
    // polling the head is not recorded
    JsonNode polled = get(admin, "/audit/head").json();
    assertThat(get(admin, "/audit/head").json()).isEqualTo(polled);
    assertThat(polled.get("seq").asLong()).isEqualTo(before.get("seq").asLong() + 2);

    Res export = get(n.operator, "/audit?afterSeq=" + before.get("seq").asLong());
    List<AuditRecord> reads = parse(export.body());
    assertThat(reads).hasSize(2); // the export's own event comes after it
    AuditRecord e = reads.get(0);
    assertThat(e.action()).isEqualTo("audit.export");
    assertThat(e.actorKind()).isEqualTo("admin");
    assertThat(e.actorId()).isEqualTo(adminId);
    assertThat(e.requestId()).isEqualTo("req-export-csv");
    assertThat(e.result()).isEqualTo("ok");
    assertThat(e.details())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "format", "csv",
                "afterSeq", "1",
                "limit", "3",
                "from", "2020-01-01T00:00:00Z",
                "rows", "3",
                "firstSeq", "2",
                "lastSeq", "4"));
    AuditRecord u = reads.get(1);
    assertThat(u.action()).isEqualTo("audit.key_usage");
    assertThat(u.actorId()).isEqualTo(adminId);
    assertThat(u.requestId()).isEqualTo("req-usage");
    assertThat(u.details())
        .containsEntry("format", "jsonl")
        .containsEntry("filter.user", "alice")
        .containsEntry("filter.operation", "content.read")
        .containsEntry("rows", "1")
        .doesNotContainKey("filter.asset");
    assertThat(export.body()).doesNotContain(admin);

    List<AuditRecord> all = parse(get(admin, "/audit").body());
    assertThat(AuditChain.verify(all, Optional.of(polled.get("hash").asText())).ok()).isTrue();
    Path file = dir.resolve("with-reads.jsonl");
    Files.writeString(file, get(admin, "/audit").body());
    Run ok =
        CliIT.cmk("audit", "verify", file.toString(), "--head-hash", polled.get("hash").asText());
    assertThat(ok.exit()).as(ok.out() + ok.err()).isZero();
  }

  @Test
  void badRequestsAreNotRecorded() throws Exception {
    long seq = get(admin, "/audit/head").json().get("seq").asLong();
    assertThat(get(admin, "/audit?format=xml").status()).isEqualTo(400);
    assertThat(get(mailer, "/audit").status()).isEqualTo(403);
    assertThat(get(admin, "/audit/head").json().get("seq").asLong()).isEqualTo(seq);
  }

  @Test
  void theKeyUsageReportFilters() throws Exception {
    Res alice = get(admin, "/key-usage?user=alice&operation=content.read");
    assertThat(alice.status()).as(alice.body()).isEqualTo(200);
    List<JsonNode> rows = new ArrayList<>();
    for (String l : alice.body().split("\n")) {
      rows.add(TestNode.JSON.readTree(l));
    }
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("objectId").asText()).isEqualTo("m-1");
    assertThat(rows.get(0).get("keyId").asText()).isEqualTo("key-a");
    assertThat(rows.get(0).get("requestId").asText()).isEqualTo("req-audit-read");
    Res csv = get(admin, "/key-usage?format=csv&asset=mail&operation=content.write");
    assertThat(csv.body().split("\r\n")).hasSize(3); // header, alice's m-1 and bob's m-2
    assertThat(csv.body()).contains(",bob,mail,content.write,m-2,PLATFORM,local,platform,");
  }

  @Test
  void badParametersAre400AndOtherAccountsAre403() throws Exception {
    for (String q :
        List.of(
            "/audit?from=yesterday",
            "/audit?limit=0",
            "/audit?limit=100001",
            "/audit?afterSeq=-1",
            "/audit?format=xml",
            "/audit?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z",
            "/key-usage?operation=key.delete",
            "/key-usage?to=noon")) {
      Res r = get(admin, q);
      assertThat(r.status()).as(q + " " + r.body()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("invalid_request");
    }
    for (String p : List.of("/audit", "/audit/head", "/key-usage")) {
      assertThat(get(n.adminToken(other), p).status()).isEqualTo(403);
      assertThat(get(mailer, p).status()).isEqualTo(403);
      assertThat(get(null, p).status()).isEqualTo(401);
    }
    Res unknown = n.send(n.operator, "GET", "/v1/accounts/acct_nope/audit", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("account_not_found");
  }

  @Test
  void tokenIssuesWithoutAnAccountGoToThePlatformLog() throws Exception {
    n.serviceToken(null, List.of("chat"));
    Res platform = n.send(n.operator, "GET", "/v1/accounts/_platform/audit", null);
    assertThat(platform.status()).as(platform.body()).isEqualTo(200);
    assertThat(parse(platform.body()))
        .anyMatch(r -> r.action().equals("token.issue") && r.actorKind().equals("operator"));
    assertThat(n.send(admin, "GET", "/v1/accounts/_platform/audit", null).status()).isEqualTo(403);
  }

  @Test
  void theCliExportsAndVerifies_andFindsTheTamperedSeq() throws Exception {
    String headHash = get(admin, "/audit/head").json().get("hash").asText();
    Path export = dir.resolve("export.jsonl");
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
    Run ok = CliIT.cmk("audit", "verify", export.toString(), "--head-hash", headHash);
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).startsWith("OK: ").contains("reaches the head");

    List<String> lines = new ArrayList<>(Files.readAllLines(export));
    int k = 3; // seq 3
    lines.set(k - 1, lines.get(k - 1).replaceFirst("\"result\":\"ok\"", "\"result\":\"refused\""));
    Path tampered = dir.resolve("tampered.jsonl");
    Files.write(tampered, lines);
    Run broken = CliIT.cmk("audit", "verify", tampered.toString());
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.out()).startsWith("BROKEN at seq 3:");

    Path csv = dir.resolve("export.csv");
    Run exCsv =
        CliIT.cmk(
            "audit",
            "export",
            "--account",
            acct,
            "--format",
            "csv",
            "--out",
            csv.toString(),
            "--url",
            n.base,
            "--token",
            admin);
    assertThat(exCsv.exit()).as(exCsv.err()).isZero();
    Run okCsv = CliIT.cmk("audit", "verify", csv.toString(), "--head-hash", headHash);
    assertThat(okCsv.exit()).as(okCsv.out() + okCsv.err()).isZero();
    List<String> csvLines = new ArrayList<>(Files.readAllLines(csv));
    csvLines.set(
        4, csvLines.get(4).replaceFirst(",ok,", ",refused,")); // seq 4 (line 0 is the header)
    Path csvTampered = dir.resolve("tampered.csv");
    Files.write(csvTampered, csvLines);
    Run brokenCsv = CliIT.cmk("audit", "verify", csvTampered.toString());
    assertThat(brokenCsv.exit()).isEqualTo(1);
    assertThat(brokenCsv.out()).startsWith("BROKEN at seq 4:");

    List<String> cut = new ArrayList<>(Files.readAllLines(export));
    cut.remove(cut.size() - 1);
    Path truncated = dir.resolve("truncated.jsonl");
    Files.write(truncated, cut);
    Run shortRun = CliIT.cmk("audit", "verify", truncated.toString(), "--head-hash", headHash);
    assertThat(shortRun.exit()).isEqualTo(1);
    assertThat(shortRun.out()).contains("BROKEN at seq " + lines.size());
  }
}
