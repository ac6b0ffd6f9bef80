package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backfill through a real HTTP client against a full node: an account's content written before
 * enrolment moves under its key, the refusals are 4xx with stable codes and create nothing, and the
 * moved content needs the customer's key afterwards.
 */
class BackfillApiIT {
  @TempDir static Path dir;
  static TestNode n;

  @BeforeAll
  static void start() {
    n = new TestNode(dir, 1 << 20);
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Res put(String service, String account, String type, String id, String user)
      throws Exception {
    return n.send(
        service,
        "PUT",
        "/v1/accounts/" + account + "/content/" + type + "/" + id,
        Map.of("X-CMK-User", user),
        "content of " + id);
  }

  static JsonNode awaitJob(String admin, String path) {
    return await("job " + path + " ends")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> n.send(admin, "GET", path, null).json(),
            j -> !j.get("status").asText().equals("RUNNING"));
  }

  @Test
  void anAdminBackfillsTheAccountsEarlierContentUnderItsKey() throws Exception {
    String a = n.createAccount("Backfill Co");
    String p = "/v1/accounts/" + a;
    String admin = n.adminToken(a);
    String service = n.serviceToken(a, List.of("mail", "meetings"));
    assertThat(put(service, a, "mail", "m1", "alice").status()).isEqualTo(201);
    assertThat(put(service, a, "meeting-recording", "rec1", "alice").status()).isEqualTo(201);
    assertThat(put(service, a, "mail", "m2", "bob").status()).isEqualTo(201);
    assertThat(n.send(admin, "POST", p + "/backfill", null).code()).isEqualTo("no_active_key");

    n.node.localProvider().orElseThrow().createKey("bf-key");
    Res reg = n.send(admin, "PUT", p + "/key", "{\"provider\":\"local\",\"keyId\":\"bf-key\"}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    n.send(admin, "PUT", p + "/users/alice/license", "{\"cmkLicensed\":true}");
    n.send(admin, "PUT", p + "/users/bob/license", "{\"cmkLicensed\":false}");

    List<String> refusals = new ArrayList<>();
    for (String body :
        List.of(
            "{\"mode\":\"KEK_REWRAP\"}",
            "{\"mode\":\"DEEP\"}",
            "{\"assetType\":\"meeting-metadata\"}",
            "{\"unknown\":1}",
            "{\"userId\":\"zed\"}",
            "{\"assetType\":\"fax\"}",
            "{\"userId\":\"bob\"}")) {
      Res r = n.send(admin, "POST", p + "/backfill", body);
      refusals.add(r.status() + " " + r.code());
    }
    assertThat(refusals)
        .containsExactly(
            "400 invalid_request",
            "400 invalid_request",
            "400 invalid_request",
            "400 invalid_request",
            "404 user_not_found",
            "404 asset_type_not_found",
            "409 nothing_to_backfill");
    assertThat(n.send(admin, "GET", p + "/jobs", null).json().size()).isZero();

    Res started = n.send(admin, "POST", p + "/backfill", "{\"userId\":\"alice\"}");
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    JsonNode job = started.json();
    assertThat(job.get("kind").asText()).isEqualTo("BACKFILL");
    assertThat(job.get("mode").asText()).isEqualTo("DEK_REWRAP");
    assertThat(job.get("userId").asText()).isEqualTo("alice");
    assertThat(job.has("assetType")).isFalse();
    assertThat(job.get("total").asLong()).isEqualTo(2);
    JsonNode end = awaitJob(admin, p + "/jobs/" + job.get("id").asText());
    assertThat(end.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(end.get("done").asLong()).isEqualTo(2);

    Res nothing = n.send(admin, "POST", p + "/backfill", "");
    assertThat(nothing.status()).isEqualTo(409);
    assertThat(nothing.code()).isEqualTo("nothing_to_backfill");
    assertThat(n.send(admin, "GET", p + "/objects/m1", null).json().get("protection").asText())
        .isEqualTo("CMK");
    assertThat(n.send(admin, "GET", p + "/objects/m2", null).json().get("protection").asText())
        .isEqualTo("PLATFORM");
    Res read = n.send(service, "GET", p + "/content/mail/m1", null);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.raw().headers().firstValue("X-CMK-Protection")).contains("CMK");
    assertThat(read.body()).isEqualTo("content of m1");

    String audit = n.send(admin, "GET", p + "/audit?format=jsonl", null).body();
    assertThat(audit.lines().filter(l -> l.contains("\"job.backfill\"")))
        .anyMatch(l -> l.contains("\"actorKind\":\"admin\"") && l.contains("\"result\":\"ok\""))
        .anyMatch(l -> l.contains("\"result\":\"nothing_to_backfill\""));

    // the customer disables the key and revokes: backfilled content is locked, the rest is not
    n.node.localProvider().orElseThrow().setEnabled("bf-key", false);
    assertThat(n.send(admin, "POST", p + "/revoke", null).status()).isEqualTo(200);
    Res locked = n.send(service, "GET", p + "/content/meeting-recording/rec1", null);
    assertThat(locked.status()).isEqualTo(409);
    // revoke now holds whatever the key answers (the kill switch): refused as revoked
    assertThat(locked.code()).isEqualTo("key_revoked");
    assertThat(n.send(service, "GET", p + "/content/mail/m2", null).status()).isEqualTo(200);
  }
}
