package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.http.Json;
import dev.cmk.service.audit.AuditChain;
import dev.cmk.service.audit.AuditRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET …/audit?follow=true}: rows written while the stream is open arrive in seq order and
 * chain; after the node restarts, a stream resumed with {@code Last-Event-ID} (SSE) continues at
 * the next seq and the whole received log verifies; bad parameters are 400s.
 */
class AuditFollowIT {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void followAcrossWritesAndARestart() throws Exception {
    CmkConfig cfg = CmkConfig.embeddedIn(dir, 4096);
    List<AuditRecord> got = new ArrayList<>();
    String account;
    try (TestNode n = new TestNode(cfg)) {
      account = n.createAccount("Follow");
      String p = "/v1/accounts/" + account;
      assertThat(n.send(n.operator, "GET", p + "/audit?follow=maybe", null).status())
          .isEqualTo(400);
      assertThat(n.send(n.operator, "GET", p + "/audit?follow=true&afterSeq=x", null).status())
          .isEqualTo(400);
      assertThat(n.send(n.operator, "GET", p + "/audit?follow=true&layout=csv", null).status())
          .isEqualTo(400);
      assertThat(n.send(n.operator, "GET", p + "/audit?follow=true&maxSeconds=0", null).status())
          .isEqualTo(400);
      // JSON lines, open 6 s; writes happen while it is open.
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(n.base + p + "/audit?follow=true&maxSeconds=6"))
              .header("Authorization", "Bearer " + n.operator)
              .build();
      CompletableFuture<HttpResponse<Stream<String>>> open =
          http.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
      Thread.sleep(1000);
      for (int i = 0; i < 3; i++) {
        n.send(n.operator, "PUT", p + "/users/u" + i + "/license", "{\"cmkLicensed\":true}");
      }
      HttpResponse<Stream<String>> res = open.get(60, TimeUnit.SECONDS);
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.headers().firstValue("Content-Type")).contains("application/x-ndjson");
      res.body().filter(l -> !l.isBlank()).forEach(l -> got.add(read(l)));
      assertThat(got.stream().map(AuditRecord::action).toList())
          .as("rows written while the stream was open")
          .filteredOn(a -> a.contains("license"))
          .hasSize(3);
    }
    long last = got.get(got.size() - 1).seq();
    System.out.println("follow: " + got.size() + " rows before the restart, last seq " + last);
    // Restart on the same data; resume with SSE and Last-Event-ID.
    try (TestNode n = new TestNode(cfg)) {
      String p = "/v1/accounts/" + account;
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(n.base + p + "/audit?follow=true&maxSeconds=5"))
              .header("Authorization", "Bearer " + n.operator)
              .header("Accept", "text/event-stream")
              .header("Last-Event-ID", Long.toString(last))
              .build();
      CompletableFuture<HttpResponse<Stream<String>>> open =
          http.sendAsync(req, HttpResponse.BodyHandlers.ofLines());
      Thread.sleep(1000);
      n.send(n.operator, "PUT", p + "/users/after/license", "{\"cmkLicensed\":true}");
      HttpResponse<Stream<String>> res = open.get(60, TimeUnit.SECONDS);
      assertThat(res.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/event-stream");
      List<AuditRecord> resumed = new ArrayList<>();
      String id = null;
      for (Iterator<String> it = res.body().iterator(); it.hasNext(); ) {
        String l = it.next();
        if (l.startsWith("id: ")) {
          id = l.substring(4);
        } else if (l.startsWith("data: ")) {
          AuditRecord r = read(l.substring(6));
          assertThat(Long.toString(r.seq())).isEqualTo(id);
          resumed.add(r);
        }
      }
      assertThat(resumed).isNotEmpty();
      assertThat(resumed.get(0).seq()).isEqualTo(last + 1);
      assertThat(resumed.stream().map(AuditRecord::user)).contains("after");
      System.out.println(
          "follow: resumed after seq "
              + last
              + " on the restarted node: "
              + resumed.size()
              + " rows, seq "
              + resumed.get(0).seq()
              + ".."
              + resumed.get(resumed.size() - 1).seq());
      got.addAll(resumed);
      AuditChain.Verification v = AuditChain.verify(got, Optional.empty());
      assertThat(v.ok()).as(v.toString()).isTrue();
      assertThat(v.rows()).isEqualTo(got.size());
      // the Splunk HEC layout carries the row whole
      TestNode.Res hec =
          n.send(
              n.operator,
              "GET",
              p + "/audit?follow=true&maxSeconds=1&layout=hec&afterSeq=" + last,
              Map.of(),
              null);
      JsonNode first = Json.MAPPER.readTree(hec.body().lines().findFirst().orElseThrow());
      assertThat(first.get("sourcetype").asText()).isEqualTo("cmk:audit");
      assertThat(read(first.get("event").toString())).isEqualTo(resumed.get(0));
    }
  }

  private static AuditRecord read(String line) {
    try {
      return Json.MAPPER.readValue(line, AuditRecord.class);
    } catch (Exception e) {
      throw new AssertionError("not an audit row: " + line, e);
    }
  }
}
