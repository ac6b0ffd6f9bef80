package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of key trouble and key work reaches a real HTTP receiver as a signed webhook with a
 * stable type: a key that fails validation ({@code key.validation_failed}), writes going to the
 * backup key and coming back ({@code key.writes_fallback}, {@code key.writes_fallback_ended}), the
 * drop-calls policy ending live sessions ({@code key.calls_dropped}), and recovery, backfill and
 * rotation jobs starting and finishing with their counts ({@code key.job_started}, {@code
 * key.job_finished}).
 */
class WebhookEventsIT {
  @TempDir static Path dir;
  static HttpServer receiver;
  static final List<WebhooksIT.Received> got = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(Executors.newFixedThreadPool(2));
    receiver.createContext(
        "/events",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          got.add(
              new WebhooksIT.Received(
                  ex.getRequestHeaders().getFirst("CMK-Event-Id"),
                  ex.getRequestHeaders().getFirst("CMK-Event-Type"),
                  ex.getRequestHeaders().getFirst("CMK-Signature"),
                  body,
                  200));
          ex.sendResponseHeaders(200, -1);
          ex.close();
        });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
  }

  static CmkConfig config() {
    CmkConfig e = CmkConfig.embeddedIn(dir, 4096);
    return new CmkConfig(
            "cmk-test",
            e.server(),
            e.storage(),
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
                true, Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(2)));
  }

  /** The bodies received so far of this type (and matching {@code which}), in arrival order. */
  static List<JsonNode> received(String type, Predicate<JsonNode> which) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (WebhooksIT.Received r : got) {
      JsonNode b = TestNode.JSON.readTree(r.body());
      if (r.type().equals(type) && which.test(b)) {
        out.add(b);
      }
    }
    return out;
  }

  static JsonNode awaitEvent(String type, Predicate<JsonNode> which) throws Exception {
    WebhooksIT.await(
        type,
        () -> {
          try {
            return !received(type, which).isEmpty();
          } catch (Exception e) {
            return false;
          }
        });
    return received(type, which).get(0);
  }

  @Test
  void keyTroubleAndKeyWorkArriveSignedWithStableTypes() throws Exception {
    try (TestNode n = new TestNode(config(), Clock.systemUTC())) {
      var local = n.node.localProvider().orElseThrow();
      String account = n.createAccount("Events");
      String p = "/v1/accounts/" + account;
      String admin = n.adminToken(account);
      String service = n.serviceToken(account, List.of("mail", "phone"));
      String hookUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/events";
      TestNode.Res created =
          n.send(admin, "POST", p + "/webhooks", "{\"url\":\"" + hookUrl + "\"}");
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      String secret = created.json().get("secret").asText();

      // bob writes before the account has a key: under the platform key, for the backfill later
      assertThat(put(n, service, p, "m0", "bob").status()).isIn(200, 201);

      // a key that fails validation: refused, and the admin hears of it
      local.createKey("ev-bad");
      local.setEnabled("ev-bad", false);
      TestNode.Res bad =
          n.send(admin, "PUT", p + "/key", "{\"provider\":\"local\",\"keyId\":\"ev-bad\"}");
      assertThat(bad.code()).isEqualTo("key_validation_failed");
      JsonNode failed = awaitEvent("key.validation_failed", b -> true);
      assertThat(failed.get("reason").asText()).isEqualTo("registration");
      assertThat(failed.get("detail").asText()).contains("ev-bad");

      local.createKey("ev-1");
      assertThat(
              n.send(admin, "PUT", p + "/key", "{\"provider\":\"local\",\"keyId\":\"ev-1\"}")
                  .status())
          .isEqualTo(201);
      WebhooksIT.awaitState(n, p, "AVAILABLE");
      n.send(admin, "PUT", p + "/users/alice/license", "{\"cmkLicensed\":true}");
      assertThat(n.send(admin, "PUT", p + "/fallback", "{\"enabled\":true}").status())
          .isEqualTo(200);
      assertThat(n.send(n.operator, "PUT", p + "/drop-calls", "{\"enabled\":true}").status())
          .isEqualTo(200);
      TestNode.Res call = n.send(service, "POST", p + "/sessions", "{\"userId\":\"alice\"}");
      assertThat(call.status()).as(call.body()).isEqualTo(201);

      // outage: writes go to the backup key, the live call is ended
      local.setReachable("ev-1", false);
      WebhooksIT.awaitState(n, p, "UNAVAILABLE");
      n.node.keks.purgeAccount(account);
      TestNode.Res during = put(n, service, p, "m1", "alice");
      assertThat(during.status()).as(during.body()).isIn(200, 201);
      assertThat(during.json().get("protection").asText()).isEqualTo("FALLBACK");
      awaitEvent("key.writes_fallback", b -> true);
      JsonNode dropped = awaitEvent("key.calls_dropped", b -> true);
      assertThat(dropped.get("detail").asText()).contains("ended 1 live session(s)");
      assertThat(dropped.get("reason").asText()).isEqualTo("key_unavailable");

      // back: fallback ends, recovery moves the fallback write under the customer's key
      local.setReachable("ev-1", true);
      WebhooksIT.awaitState(n, p, "AVAILABLE");
      awaitEvent("key.writes_fallback_ended", b -> true);
      awaitEvent("key.job_started", b -> b.get("reason").asText().equals("recovery"));
      JsonNode recovered =
          awaitEvent("key.job_finished", b -> b.get("detail").asText().contains("RECOVERY"));
      assertThat(recovered.get("reason").asText()).isEqualTo("succeeded");
      assertThat(recovered.get("detail").asText()).contains("1 done, 0 failed");

      // backfill of bob's earlier write, then a rotation: each started and finished, with counts
      n.send(admin, "PUT", p + "/users/bob/license", "{\"cmkLicensed\":true}");
      TestNode.Res backfill = n.send(admin, "POST", p + "/backfill", "{\"userId\":\"bob\"}");
      assertThat(backfill.status()).as(backfill.body()).isEqualTo(202);
      JsonNode bfStarted =
          awaitEvent("key.job_started", b -> b.get("reason").asText().equals("backfill"));
      assertThat(bfStarted.get("detail").asText()).contains("1 item(s)");
      awaitEvent("key.job_finished", b -> b.get("detail").asText().contains("BACKFILL"));
      local.createKey("ev-2");
      TestNode.Res rotate =
          n.send(admin, "POST", p + "/rotate", "{\"provider\":\"local\",\"keyId\":\"ev-2\"}");
      assertThat(rotate.status()).as(rotate.body()).isEqualTo(202);
      awaitEvent("key.job_started", b -> b.get("reason").asText().equals("rotation"));
      JsonNode rotated =
          awaitEvent("key.job_finished", b -> b.get("detail").asText().contains("ROTATION"));
      assertThat(rotated.get("detail").asText()).containsPattern("\\d+ done, 0 failed");

      // every delivery: signature verified, header type = body type, in seq order
      long last = 0;
      System.out.println("webhook events received:");
      for (WebhooksIT.Received r : got) {
        JsonNode b = TestNode.JSON.readTree(r.body());
        assertThat(WebhooksIT.verify(secret, r.signature(), r.body())).as(r.body()).isTrue();
        assertThat(b.get("type").asText()).isEqualTo(r.type());
        assertThat(b.get("id").asText()).isEqualTo(r.eventId());
        assertThat(b.get("seq").asLong()).as("order").isGreaterThan(last);
        last = b.get("seq").asLong();
        System.out.printf(
            "  seq=%d %s reason=%s signature=verified: %s%n",
            last, r.type(), b.get("reason").asText(), b.get("detail").asText());
      }
    }
  }

  static TestNode.Res put(TestNode n, String service, String p, String id, String user)
      throws Exception {
    return n.send(service, "PUT", p + "/content/mail/" + id, Map.of("X-CMK-User", user), id);
  }
}
