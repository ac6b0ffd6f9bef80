package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks against a real HTTP receiver on 127.0.0.1 (short backoff and a five-second retry window
 * through the {@code webhooks} configuration section): a key-outage drill's events arrive in order
 * and signed, after 500s and a timeout; a delivery pending when the node stops is delivered by the
 * restarted node; a delivery failing for the whole window is dead-lettered and can be re-sent; bad
 * URLs are refused; the secret is shown once.
 */
class WebhooksIT {
  @TempDir static Path dir;
  static HttpServer receiver;
  static final List<Received> got = new java.util.concurrent.CopyOnWriteArrayList<>();
  static final ConcurrentLinkedDeque<String> script = new ConcurrentLinkedDeque<>();
  static volatile String otherwise = "200";

  record Received(String eventId, String type, String signature, String body, int answered) {}

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(Executors.newFixedThreadPool(4));
    receiver.createContext(
        "/hook",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String next = script.pollFirst();
          String answer = next != null ? next : otherwise;
          boolean slow = answer.equals("sleep");
          got.add(
              new Received(
                  ex.getRequestHeaders().getFirst("CMK-Event-Id"),
                  ex.getRequestHeaders().getFirst("CMK-Event-Type"),
                  ex.getRequestHeaders().getFirst("CMK-Signature"),
                  body,
                  slow ? -1 : Integer.parseInt(answer)));
          if (slow) {
            try {
              Thread.sleep(2500); // longer than the node's 1 s timeout
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          int status = slow ? 200 : Integer.parseInt(answer);
          try {
            ex.sendResponseHeaders(status, -1);
          } catch (java.io.IOException e) {
            // the node gave up waiting (the timeout case)
          }
          ex.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
  }

  static String pgUrl;

  /** On PostgreSQL when CMK_TEST_POSTGRES_URL is set (a fresh database), else embedded H2. */
  static CmkConfig.Storage storage(CmkConfig e) throws Exception {
    String base = System.getenv("CMK_TEST_POSTGRES_URL");
    if (base == null || base.isBlank()) {
      return e.storage();
    }
    String user = System.getenv().getOrDefault("CMK_TEST_POSTGRES_USER", "postgres");
    String pw = System.getenv().getOrDefault("CMK_TEST_POSTGRES_PASSWORD", "postgres");
    if (pgUrl == null) {
      String name = "webhooks_it_" + Long.toHexString(System.nanoTime());
      try (var c = java.sql.DriverManager.getConnection(base, user, pw);
          var st = c.createStatement()) {
        st.execute("create database " + name);
      }
      pgUrl = base.substring(0, base.lastIndexOf('/') + 1) + name;
    }
    var s = e.storage();
    return new CmkConfig.Storage(s.dataDir(), pgUrl, user, pw, s.blobs());
  }

  static CmkConfig config() throws Exception {
    CmkConfig e = CmkConfig.embeddedIn(dir, 4096);
    return new CmkConfig(
            "cmk-test",
            e.server(),
            storage(e),
            e.keys(),
            e.local(),
            e.kekCache(),
            4096,
            e.providers(),
            e.principals(),
            new CmkConfig.Availability(Duration.ofSeconds(1), Duration.ofMinutes(2), 100),
            e.crypto(),
            e.audit())
        .withWebhooks(
            new CmkConfig.Webhooks(
                true, Duration.ofMillis(200), Duration.ofSeconds(6), Duration.ofSeconds(1)));
  }

  static void await(String what, BooleanSupplier done) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(done::getAsBoolean);
  }

  /** The README's verifier, in Java: HMAC-SHA256 over t + "." + body, compared in constant time. */
  static boolean verify(String secret, String header, String body) throws Exception {
    String t = null;
    String v1 = null;
    for (String part : header.split(",")) {
      if (part.startsWith("t=")) {
        t = part.substring(2);
      } else if (part.startsWith("v1=")) {
        v1 = part.substring(3);
      }
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(
            Base64.getUrlDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
    byte[] expected = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
    return v1 != null && MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1));
  }

  static void awaitState(TestNode n, String p, String state) throws Exception {
    await(
        "key state " + state,
        () -> {
          try {
            return n.send(n.operator, "GET", p + "/key-status", null)
                .json()
                .path("state")
                .asText()
                .equals(state);
          } catch (Exception e) {
            return false;
          }
        });
  }

  static List<Received> delivered() {
    List<Received> out = new ArrayList<>();
    for (Received r : got) {
      if (r.answered() >= 200 && r.answered() < 300) {
        out.add(r);
      }
    }
    return out;
  }

  @Test
  void drillRetriesOrderRestartAndDeadLetter() throws Exception {
    String hookUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    String account;
    String hookId;
    String secret;
    AtomicInteger step = new AtomicInteger();
    try (TestNode n = new TestNode(config(), Clock.systemUTC())) {
      var local = n.node.localProvider().orElseThrow();
      local.createKey("wh-1");
      account = n.createAccount("Hooks");
      String p = "/v1/accounts/" + account;
      assertThat(
              n.send(n.operator, "PUT", p + "/key", "{\"provider\":\"local\",\"keyId\":\"wh-1\"}")
                  .status())
          .isEqualTo(201);
      // a webhook gets the events after its creation: the first probe is before
      await(
          "the key's first probe",
          () -> {
            try {
              return n.send(n.operator, "GET", p + "/key-status", null)
                  .json()
                  .path("state")
                  .asText()
                  .equals("AVAILABLE");
            } catch (Exception e) {
              return false;
            }
          });
      // bad URLs: private, link-local, not https; nothing stored
      for (String bad :
          List.of(
              "https://10.1.2.3/x",
              "https://169.254.169.254/latest",
              "ftp://127.0.0.1/x",
              "not a url",
              "https://user:pw@127.0.0.1/x")) {
        TestNode.Res r = n.send(n.operator, "POST", p + "/webhooks", "{\"url\":\"" + bad + "\"}");
        assertThat(r.status()).as(bad).isEqualTo(400);
        assertThat(r.code()).as(bad).isIn("invalid_webhook_url", "invalid_request");
      }
      TestNode.Res created =
          n.send(n.operator, "POST", p + "/webhooks", "{\"url\":\"" + hookUrl + "\"}");
      assertThat(created.status()).isEqualTo(201);
      secret = created.json().get("secret").asText();
      hookId = created.json().get("id").asText();
      assertThat(secret).startsWith("whsec_");
      String auditLog = n.send(n.operator, "GET", p + "/audit", null).body();
      assertThat(auditLog).contains("\"action\":\"webhook.create\"").doesNotContain(secret);
      TestNode.Res listed = n.send(n.operator, "GET", p + "/webhooks", null);
      assertThat(listed.body()).contains(hookId).doesNotContain(secret).doesNotContain("secret");
      assertThat(n.send(n.operator, "GET", p + "/webhooks/" + hookId, null).body())
          .doesNotContain(secret);

      // The drill: the first event is answered 500, 500, then too slowly, then 200.
      script.addAll(List.of("500", "500", "sleep"));
      local.setReachable("wh-1", false); // outage
      awaitState(n, p, "UNAVAILABLE");
      local.setReachable("wh-1", true);
      awaitState(n, p, "AVAILABLE");
      assertThat(n.send(n.operator, "POST", p + "/revoke", null).status()).isEqualTo(200);
      assertThat(n.send(n.operator, "POST", p + "/revoke/lift", null).status()).isEqualTo(200);
      await("outage, writes refused, recovery, revoke and lift", () -> delivered().size() >= 5);
      step.set(1);

      List<Received> ok = delivered();
      long lastSeq = 0;
      System.out.println("webhook log of the key-outage drill (receiver side):");
      for (Received r : got) {
        JsonNode b = TestNode.JSON.readTree(r.body());
        boolean sig = verify(secret, r.signature(), r.body());
        System.out.printf(
            "  seq=%d type=%s to=%s cause=%s answered=%s signature=%s%n",
            b.get("seq").asLong(),
            r.type(),
            b.get("toState").asText(),
            b.get("cause").asText(),
            r.answered() == -1 ? "timeout" : r.answered(),
            sig ? "verified" : "BAD");
        assertThat(sig).isTrue();
        assertThat(b.get("id").asText()).isEqualTo(r.eventId());
        assertThat(b.get("type").asText()).isEqualTo(r.type());
      }
      for (Received r : ok) {
        long seq = TestNode.JSON.readTree(r.body()).get("seq").asLong();
        assertThat(seq).as("order").isGreaterThan(lastSeq);
        lastSeq = seq;
      }
      // the first event was tried four times: 500, 500, timeout, 200; no later one came between
      String first = got.get(0).eventId();
      assertThat(got.subList(0, 4)).allMatch(r -> r.eventId().equals(first));
      assertThat(got.subList(0, 4).stream().map(Received::answered).toList())
          .containsExactly(500, 500, -1, 200);
      List<String> transitions = new ArrayList<>();
      for (Received r : ok) {
        if (r.type().equals("key.transition")) {
          transitions.add(TestNode.JSON.readTree(r.body()).get("toState").asText());
        }
      }
      assertThat(transitions).containsExactly("UNAVAILABLE", "AVAILABLE");
      assertThat(ok.stream().map(Received::type).toList())
          .containsSubsequence(
              "key.transition", "key.transition", "key.revoked", "key.revocation_lifted");
      JsonNode deliveries =
          n.send(n.operator, "GET", p + "/webhooks/" + hookId + "/deliveries", null).json();
      JsonNode oldest = deliveries.get("items").get(deliveries.get("items").size() - 1);
      assertThat(oldest.get("attempts").asInt()).isEqualTo(4);
      assertThat(oldest.get("status").asText()).isEqualTo("DELIVERED");

      // Restart mid-retry: the receiver fails until the node is gone.
      otherwise = "503";
      int before = got.size();
      assertThat(n.send(n.operator, "PUT", p + "/fallback", "{\"enabled\":true}").status())
          .isEqualTo(200);
      await("a failed attempt before the restart", () -> got.size() > before);
    }
    otherwise = "200";
    int beforeRestart = delivered().size();
    try (TestNode n = new TestNode(config(), Clock.systemUTC())) {
      String p = "/v1/accounts/" + account;
      await("delivery by the restarted node", () -> delivered().size() > beforeRestart);
      Received r = delivered().get(delivered().size() - 1);
      assertThat(r.type()).isEqualTo("key.fallback_enabled");
      assertThat(verify(secret, r.signature(), r.body())).isTrue();
      System.out.println(
          "restart mid-retry: "
              + r.type()
              + " delivered by the restarted node after "
              + got.stream().filter(x -> x.eventId().equals(r.eventId())).count()
              + " attempts");

      // Dead letter: the receiver fails for the whole (six-second) window.
      otherwise = "500";
      assertThat(n.send(n.operator, "PUT", p + "/fallback", "{\"enabled\":false}").status())
          .isEqualTo(200);
      String deliveriesPath = p + "/webhooks/" + hookId + "/deliveries";
      await(
          "a dead letter",
          () -> {
            try {
              return n.send(n.operator, "GET", deliveriesPath, null)
                  .body()
                  .contains("\"status\":\"DEAD\"");
            } catch (Exception e) {
              return false;
            }
          });
      JsonNode dead = n.send(n.operator, "GET", deliveriesPath, null).json().get("items").get(0);
      assertThat(dead.get("status").asText()).isEqualTo("DEAD");
      assertThat(dead.get("eventType").asText()).isEqualTo("key.fallback_disabled");
      assertThat(dead.get("lastStatus").asInt()).isEqualTo(500);
      System.out.println(
          "dead letter after " + dead.get("attempts").asInt() + " attempts: " + dead);
      otherwise = "200";
      TestNode.Res resent =
          n.send(
              n.operator, "POST", deliveriesPath + "/" + dead.get("id").asText() + "/resend", null);
      assertThat(resent.status()).isEqualTo(200);
      await(
          "the resent delivery",
          () -> {
            try {
              return n.send(n.operator, "GET", deliveriesPath, null)
                  .json()
                  .get("items")
                  .get(0)
                  .get("status")
                  .asText()
                  .equals("DELIVERED");
            } catch (Exception e) {
              return false;
            }
          });
      assertThat(n.send(n.operator, "POST", deliveriesPath + "/whd_nope/resend", null).code())
          .isEqualTo("delivery_not_found");
      assertThat(n.send(n.operator, "DELETE", p + "/webhooks/" + hookId, null).status())
          .isEqualTo(204);
      assertThat(n.send(n.operator, "GET", p + "/webhooks/" + hookId, null).code())
          .isEqualTo("webhook_not_found");
    }
  }
}
