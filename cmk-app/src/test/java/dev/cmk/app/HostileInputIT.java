package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import dev.cmk.http.ErrorMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What an attacker or a fuzzer sends (issue 17), against a real node over real sockets: bodies that
 * are not JSON objects, wrong media types, method overrides, undeclared methods, over-long names
 * and ids, requests Jetty refuses by itself, and clients that hang up mid-upload. Every answer is
 * the one error shape with a stable code, never a 5xx, never an internal class name.
 */
class HostileInputIT {
  @TempDir static Path dir;
  static TestNode n;
  static String a;
  static String admin;
  static String service;
  static JsonNode doc;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    a = n.createAccount("Hostile A");
    admin = n.adminToken(a);
    List<String> every =
        n.send(n.operator, "GET", "/v1/catalog", null).json().findValues("service").stream()
            .map(JsonNode::asText)
            .distinct()
            .toList();
    service = n.serviceToken(a, every);
    doc = n.send(null, "GET", "/v1/openapi.json", null).json();
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  /** Every documented operation that takes a JSON body, with a token its access rule admits. */
  static Map<String, String> jsonRoutes() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        if (op.getValue().at("/requestBody/content/application~1json").isMissingNode()) {
          continue;
        }
        String access = op.getValue().path("x-cmk-access").asText();
        String token = access.contains("operator") ? n.operator : service;
        out.put(op.getKey().toUpperCase(Locale.ROOT) + " " + fill(path.getKey()), token);
      }
    }
    return out;
  }

  static String fill(String template) {
    return template
        .replace("{accountId}", a)
        .replace("{userId}", "alice")
        .replace("{documentId}", "doc-1")
        .replaceAll("\\{([A-Za-z]+)}", "$1-x");
  }

  static Res send(String token, String route, String contentType, String body) throws Exception {
    String[] mp = route.split(" ", 2);
    return n.send(token, mp[0], mp[1], Map.of("Content-Type", contentType), body);
  }

  static void assertErrorShape(Res r, String what) throws Exception {
    JsonNode e = r.json().get("error");
    assertThat(e).as(what + ": " + r.body()).isNotNull();
    assertThat(e.get("code").asText()).as(what).isNotBlank();
    assertThat(e.get("requestId").asText()).as(what).isNotBlank();
    assertThat(r.body()).as(what).doesNotContain("dev.cmk").doesNotContain("class ");
    assertThat(r.raw().headers().firstValue("X-Request-Id")).as(what).isPresent();
    assertThat(r.raw().headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
  }

  /** Schemathesis: the audit export checks its window in follow mode too. */
  @Test
  void aFollowedAuditExportChecksItsWindow() throws Exception {
    String base = "/v1/accounts/" + a + "/audit?follow=true&maxSeconds=1&";
    for (String bad :
        List.of("from=%C3%A4", "to=x", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")) {
      Res r = n.send(admin, "GET", base + bad, null);
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
    }
  }

  /** Schemathesis: the key policy's awsAccountId is checked for every provider, not only aws. */
  @Test
  void aMalformedAwsAccountIdIs400WhateverTheProvider() throws Exception {
    String base = "/v1/accounts/" + a + "/key-policy?provider=oci&awsAccountId=";
    for (String bad : List.of("", "12345", "1234567890123", "abcdefghijkl")) {
      Res r = n.send(admin, "GET", base + bad, null);
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("invalid_request");
    }
    assertThat(n.send(admin, "GET", base + "123456789012", null).status()).isEqualTo(200);
  }

  /** Schemathesis at stop 14: four places where the server and its OpenAPI document disagreed. */
  @Test
  void whatTheFuzzerFoundAtStop14IsOneContract() throws Exception {
    // an empty region is no region (only an absent one means the default)
    Res r =
        send(
            n.operator,
            "POST /v1/accounts",
            "application/json",
            "{\"name\":\"x\",\"region\":\"\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("invalid_request");
    // the key policy's provider defaults to the active key's; with no key it is a 409
    String keyless = n.createAccount("Hostile keyless");
    Res policy = n.send(n.operator, "GET", "/v1/accounts/" + keyless + "/key-policy", null);
    assertThat(policy.status()).as(policy.body()).isEqualTo(409);
    assertThat(policy.code()).isEqualTo("no_active_key");
    assertThat(
            n.send(n.operator, "GET", "/v1/accounts/" + keyless + "/key-policy?provider=aws", null)
                .status())
        .isEqualTo(200);
    // a licence CSV whose only comma is in a comment has no userId,licensed line: 400, nothing set
    Res csv =
        send(
            n.operator,
            "POST /v1/accounts/" + a + "/licenses/bulk",
            "text/csv",
            "#,,,,comment only\n\u00a0\n");
    assertThat(csv.status()).as(csv.body()).isEqualTo(400);
    assertThat(csv.code()).isEqualTo("invalid_request");
    // the spec's pattern for that body says the same
    String pattern =
        doc.at(
                "/paths/~1v1~1accounts~1{accountId}~1licenses~1bulk/post/requestBody/content/text~1csv/schema/pattern")
            .asText();
    java.util.regex.Pattern p = java.util.regex.Pattern.compile(pattern);
    assertThat(p.matcher("#,,,,comment only\n").find()).isFalse();
    assertThat(p.matcher("userId,licensed\nalice,true\n").find()).isTrue();
    // every validation check name the server reports is in the spec's enum
    assertThat(
            doc.at(
                    "/components/schemas/ValidationReport/properties/checks/items/properties/name/enum")
                .toString())
        .contains("\"account_binding\"");
  }

  @Test
  void nullAndOtherNonObjectBodiesAre400OnEveryJsonRoute() throws Exception {
    Map<String, String> routes = jsonRoutes();
    assertThat(routes).hasSizeGreaterThanOrEqualTo(15);
    List<String> wrong = new ArrayList<>();
    for (var route : routes.entrySet()) {
      for (String body : List.of("null", "[]", "1", "\"x\"", "true", "{\"a\":")) {
        if (route.getKey().endsWith("/licenses/bulk") && body.equals("[]")) {
          continue; // a list is this route's shape; an empty one is checked below
        }
        Res r = send(route.getValue(), route.getKey(), "application/json", body);
        if (r.status() != 400) {
          wrong.add(route.getKey() + " " + body + " → " + r.status() + " " + r.body());
        } else {
          assertErrorShape(r, route.getKey() + " " + body);
        }
      }
    }
    assertThat(wrong).isEmpty();
    Res empty =
        send(n.operator, "POST /v1/accounts/" + a + "/licenses/bulk", "application/json", "[]");
    assertThat(empty.status()).isEqualTo(400);
  }

  @Test
  void jsonRoutesRefuseOtherMediaTypesWith415() throws Exception {
    List<String> wrong = new ArrayList<>();
    for (var route : jsonRoutes().entrySet()) {
      for (String type :
          List.of(
              "text/plain",
              "application/xml",
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=xyz")) {
        Res r = send(route.getValue(), route.getKey(), type, "{\"enabled\":true}");
        if (r.status() != 415 || !r.code().equals("unsupported_media_type")) {
          wrong.add(route.getKey() + " " + type + " → " + r.status() + " " + r.body());
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void booleansAreStrictAndNullMembersAreRefused() throws Exception {
    String fallback = "PUT /v1/accounts/" + a + "/fallback";
    for (String body : List.of("{\"enabled\":0}", "{\"enabled\":\"true\"}", "{\"enabled\":null}")) {
      Res r = send(admin, fallback, "application/json", body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.json().at("/error/message").asText()).as(body).contains("enabled");
    }
    Res region =
        send(n.operator, "PATCH /v1/accounts/" + a, "application/json", "{\"region\":null}");
    assertThat(region.status()).isEqualTo(400);
    Res label =
        send(
            n.operator,
            "POST /v1/tokens",
            "application/json",
            "{\"role\":\"admin\",\"accountId\":\"" + a + "\",\"label\":null}");
    assertThat(label.status()).isEqualTo(400);
    Res number = send(n.operator, "POST /v1/accounts", "application/json", "{\"name\":5}");
    assertThat(number.status()).isEqualTo(400);
    assertThat(send(admin, fallback, "application/json", "{\"enabled\":true}").status())
        .isEqualTo(200);
  }

  @Test
  void errorsNameTheFieldNotTheClassAndCutEchoesShort() throws Exception {
    Res unknown =
        send(
            admin,
            "PUT /v1/accounts/" + a + "/fallback",
            "application/json",
            "{\"enabled\":true,\"zzz\":1}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().at("/error/message").asText()).isEqualTo("unknown field \"zzz\"");
    assertErrorShape(unknown, "unknown field");

    String longId = "k".repeat(3000);
    Res path = n.send(admin, "POST", "/v1/accounts/" + a + "/keys/" + longId + "/validate", "");
    assertThat(path.status()).isEqualTo(400);
    assertThat(path.body()).doesNotContain(longId).contains("…").hasSizeLessThan(600);

    Res body =
        send(
            admin,
            "PUT /v1/accounts/" + a + "/key",
            "application/json",
            "{\"provider\":\"" + "p".repeat(3000) + "\",\"keyId\":\"x\"}");
    assertThat(body.status()).isEqualTo(400);
    assertThat(body.body()).doesNotContain("p".repeat(100)).hasSizeLessThan(600);
  }

  @Test
  void methodOverrideHeaderIsIgnored() throws Exception {
    String license = "/v1/accounts/" + a + "/users/olga/license";
    assertThat(n.send(admin, "PUT", license, "{\"cmkLicensed\":true}").status()).isEqualTo(200);
    Res r =
        n.send(
            admin,
            "POST",
            license,
            Map.of("X-HTTP-Method-Override", "DELETE", "Content-Type", "application/json"),
            "{}");
    assertThat(r.status()).isEqualTo(405);
    assertThat(n.send(admin, "GET", "/v1/accounts/" + a + "/licenses", null).body())
        .contains("olga");
    JsonNode rows = n.send(admin, "GET", "/v1/accounts/" + a + "/licenses", null).json();
    assertThat(rows.toString()).contains("\"olga\"");
  }

  @Test
  void undeclaredMethodsAre405WithAllow() throws Exception {
    for (String method : List.of("TRACE", "PATCH", "DELETE")) {
      Res r = n.send(n.operator, method, "/v1/accounts", null);
      assertThat(r.status()).as(method).isEqualTo(405);
      assertThat(r.code()).isEqualTo("method_not_allowed");
      assertThat(r.raw().headers().firstValue("Allow")).hasValue("GET, POST");
    }
    Res onTemplate = n.send(n.operator, "DELETE", "/v1/accounts/" + a + "/jobs", null);
    assertThat(onTemplate.status()).isEqualTo(405);
    assertThat(onTemplate.raw().headers().firstValue("Allow")).hasValue("GET");
    assertThat(n.send(n.operator, "GET", "/v1/nothing-here", null).status()).isEqualTo(404);
  }

  @Test
  void openMetricsCarryNoAccountLabelWhateverMetricAddsOne() throws Exception {
    // what another feature would add: a per-account series
    io.micrometer.core.instrument.Gauge.builder("cmk.test.per.account", () -> 1)
        .tag("account", a)
        .register(n.node.metrics());
    Res open = n.send(null, "GET", "/metrics", null);
    assertThat(open.status()).isEqualTo(200);
    List<String> leaks =
        open.body()
            .lines()
            .filter(l -> !l.startsWith("#"))
            .filter(l -> l.matches(".*[{,]\\s*account[A-Za-z_]*=\".*"))
            .toList();
    assertThat(leaks).isEmpty();
    assertThat(open.body()).doesNotContain(a).contains("cmk_http_client_aborts_total");
    Res full = n.send(n.operator, "GET", "/v1/metrics", null);
    assertThat(full.status()).isEqualTo(200);
    assertThat(full.body()).contains("cmk_test_per_account{account=\"" + a + "\"}");
    assertThat(n.send(null, "GET", "/v1/metrics", null).status()).isEqualTo(401);
    assertThat(n.send(admin, "GET", "/v1/metrics", null).status()).isEqualTo(403);
  }

  @Test
  void aRefusedReadWithAnOverlongAssetNameIsAudited() throws Exception {
    String asset = "a".repeat(65);
    Res r = n.send(service, "GET", "/v1/accounts/" + a + "/content/" + asset + "/obj-1", null);
    assertThat(r.status()).isBetween(400, 499);
    String log = n.send(admin, "GET", "/v1/accounts/" + a + "/audit?format=jsonl", null).body();
    assertThat(log)
        .contains("\"action\":\"content.read\"")
        .contains("\"asset\":\"" + "a".repeat(63) + "…\"");
  }

  @Test
  void errorsJettyAnswersItselfHaveTheShapeAndHeaders() throws Exception {
    for (String request :
        List.of(
            "GET /v1/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /v1/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "b".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n")) {
      String answer = raw(request);
      String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
      String what = answer.substring(0, Math.min(60, answer.length()));
      assertThat(answer).as(what).matches("(?s)HTTP/1.1 4\\d\\d .*");
      assertThat(head.toLowerCase(Locale.ROOT))
          .as(what)
          .contains("x-request-id:")
          .contains("x-content-type-options: nosniff")
          .contains("content-type: application/json");
      assertThat(answer).as(what).contains("{\"error\":{\"code\":\"").doesNotContain("<html");
    }
    Res console = n.send(null, "GET", "/console/nope.js", null);
    assertThat(console.status()).isEqualTo(404);
    assertErrorShape(console, "console 404");
    assertThat(console.raw().headers().firstValue("Content-Security-Policy")).isPresent();
  }

  @Test
  void aClientHangingUpMidUploadIsCountedNotLoggedAsAnError() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(ErrorMapper.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      double before = aborts();
      for (int i = 0; i < 3; i++) {
        try (Socket s = new Socket("127.0.0.1", n.node.port())) {
          OutputStream out = s.getOutputStream();
          out.write(
              ("PUT /v1/accounts/"
                      + a
                      + "/content/chat-message/hang-"
                      + i
                      + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + service
                      + "\r\nX-CMK-User: alice\r\nContent-Length: 100000\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(new byte[4096]);
          out.flush();
          Thread.sleep(200);
        } // closed mid-body
      }
      await("three aborted uploads counted")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(() -> assertThat(aborts()).isGreaterThanOrEqualTo(before + 3));
      assertThat(seen.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    } finally {
      logger.detachAppender(seen);
    }
  }

  static double aborts() {
    return n.node.metrics().get("cmk.http.client.aborts").functionCounter().count();
  }

  /** One raw HTTP exchange, for requests a well-behaved client library refuses to send. */
  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", n.node.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
