package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 through a real HTTP client against a full node (local provider, embedded H2): fallback
 * in both modes with a disabled key, revoke now with a healthy key, the coverage report in JSON and
 * CSV. Prints what an admin sees (the answers), for the record.
 */
class KeyLifecycleApiIT {
  @TempDir static Path dir;
  static CmkNode node;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  static String base;
  static String operator;
  static String service;

  @BeforeAll
  static void start() {
    node = new CmkNode(CmkConfig.embeddedIn(dir, 4096), Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + node.port();
    operator =
        node.tokens()
            .create(new TokenService.Spec(Role.OPERATOR, Optional.empty(), Set.of(), "test"))
            .secret();
    service =
        node.tokens()
            .create(
                new TokenService.Spec(
                    Role.SERVICE,
                    Optional.empty(),
                    Set.of("mail", "chat", "phone", "meetings"),
                    "test"))
            .secret();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  record Res(int status, String body) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }

    String code() throws Exception {
      return json().path("error").path("code").asText();
    }
  }

  static Res send(String method, String path, String body, String user) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    boolean serviceRoute = path.contains("/content/") || path.contains("/sessions");
    b.header("Authorization", "Bearer " + (serviceRoute ? service : operator));
    if (user != null) {
      b.header("X-CMK-User", user);
    }
    b.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body());
  }

  static Res send(String method, String path, String body) throws Exception {
    return send(method, path, body, null);
  }

  static void show(String what, Res r) throws Exception {
    String shown =
        r.body().startsWith("{") || r.body().startsWith("[")
            ? JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.json())
            : r.body();
    System.out.println("=== " + what + " → HTTP " + r.status() + "\n" + shown);
  }

  static String account(String keyAlias) throws Exception {
    node.localProvider().orElseThrow().createKey(keyAlias);
    String id = send("POST", "/v1/accounts", "{\"name\":\"Acme\"}").json().get("id").asText();
    assertThat(
            send(
                    "PUT",
                    "/v1/accounts/" + id + "/key",
                    "{\"provider\":\"local\",\"keyId\":\"" + keyAlias + "\"}")
                .status())
        .isEqualTo(201);
    send("PUT", "/v1/accounts/" + id + "/users/alice/license", "{\"cmkLicensed\":true}");
    return id;
  }

  @Test
  void fallbackInBothModesWithADisabledKey() throws Exception {
    String a = account("lc-fb");
    String p = "/v1/accounts/" + a;
    Res any = send("PUT", p + "/fallback", "{\"enabled\":true,\"mode\":\"ANY_REASON\"}");
    assertThat(any.json().get("fallbackMode").asText()).isEqualTo("ANY_REASON");
    node.localProvider().orElseThrow().setEnabled("lc-fb", false);

    Res w1 = send("PUT", p + "/content/mail/m1", "hello", "alice");
    show("ANY_REASON, key disabled: PUT content/mail/m1", w1);
    assertThat(w1.status()).isEqualTo(201);
    assertThat(w1.json().get("protection").asText()).isEqualTo("FALLBACK");
    assertThat(w1.json().get("fallback").get("cause").asText()).isEqualTo("REFUSED");
    assertThat(w1.json().get("fallback").get("reason").asText()).isEqualTo("disabled");
    assertThat(w1.json().get("fallback").get("mode").asText()).isEqualTo("ANY_REASON");
    Res view = send("GET", p + "/objects/m1", null);
    assertThat(view.json().get("fallback").get("cause").asText()).isEqualTo("REFUSED");

    Res strict = send("PUT", p + "/fallback", "{\"enabled\":true,\"mode\":\"OUTAGES_ONLY\"}");
    show("PUT fallback OUTAGES_ONLY", strict);
    assertThat(strict.json().get("fallbackMode").asText()).isEqualTo("OUTAGES_ONLY");
    Res w2 = send("PUT", p + "/content/mail/m2", "hello", "alice");
    show("OUTAGES_ONLY, key disabled: PUT content/mail/m2", w2);
    assertThat(w2.status()).isEqualTo(409);
    assertThat(w2.code()).isEqualTo("key_refused");
    assertThat(send("GET", p + "/objects/m2", null).status()).isEqualTo(404);

    // an outage still falls back in OUTAGES_ONLY
    node.localProvider().orElseThrow().setEnabled("lc-fb", true);
    node.localProvider().orElseThrow().setReachable("lc-fb", false);
    Res w3 = send("PUT", p + "/content/mail/m3", "hello", "alice");
    show("OUTAGES_ONLY, key unreachable: PUT content/mail/m3", w3);
    assertThat(w3.json().get("protection").asText()).isEqualTo("FALLBACK");
    assertThat(w3.json().get("fallback").get("cause").asText()).isEqualTo("UNREACHABLE");
    node.localProvider().orElseThrow().setReachable("lc-fb", true);

    // the old body (enabled only) keeps the mode
    Res old = send("PUT", p + "/fallback", "{\"enabled\":true}");
    assertThat(old.json().get("fallbackMode").asText()).isEqualTo("OUTAGES_ONLY");
    Res events = send("GET", p + "/key-events?limit=3", null);
    show("GET key-events (latest 3)", events);
    assertThat(events.json().findValuesAsText("detail")).anyMatch(d -> d.contains("OUTAGES_ONLY"));
  }

  @Test
  void revokeNowWithAHealthyKeyHoldsUntilLifted() throws Exception {
    String a = account("lc-rv");
    String p = "/v1/accounts/" + a;
    assertThat(send("PUT", p + "/content/mail/m1", "hello", "alice").status()).isEqualTo(201);
    assertThat(send("PUT", p + "/content/mail/p1", "platform", "bob").status()).isEqualTo(201);
    assertThat(send("GET", p + "/content/mail/m1", null).status()).isEqualTo(200);

    Res revoked = send("POST", p + "/revoke", null);
    show("POST revoke", revoked);
    for (int i = 0; i < 3; i++) { // the key is healthy, and stays refused
      Res read = send("GET", p + "/content/mail/m1", null);
      if (i == 0) {
        show("revoked, key healthy: GET content/mail/m1", read);
      }
      assertThat(read.status()).isEqualTo(409);
      assertThat(read.code()).isEqualTo("key_revoked");
    }
    Res write = send("PUT", p + "/content/mail/m2", "hello", "alice");
    assertThat(write.code()).isEqualTo("key_revoked");
    Res session = send("POST", p + "/sessions", "{\"userId\":\"alice\"}");
    assertThat(session.code()).isEqualTo("key_revoked");
    assertThat(send("GET", p + "/content/mail/p1", null).status())
        .as("platform-key content is not the customer's key's")
        .isEqualTo(200);
    Res status = send("GET", p + "/key-status", null);
    show("revoked: GET key-status", status);
    assertThat(status.json().get("revoked").asBoolean()).isTrue();
    assertThat(status.json().get("revokedBy").asText()).startsWith("operator:");
    assertThat(status.json().get("revokedAt").isNull()).isFalse();

    Res lifted = send("POST", p + "/revoke/lift", null);
    show("POST revoke/lift", lifted);
    assertThat(send("GET", p + "/content/mail/m1", null).status()).isEqualTo(200);
  }

  @Test
  void theCoverageReportAnswersInOneLook() throws Exception {
    String a = account("lc-cov");
    String p = "/v1/accounts/" + a;
    send("PUT", p + "/content/mail/m1", "12345", "alice");
    send("PUT", p + "/content/chat-message/c1", "123", "alice");
    send("PUT", p + "/content/mail/b1", "1234567", "bob"); // bob: no license yet
    assertThat(send("PUT", p + "/content/meeting-metadata/x1", "12", "alice").status())
        .as("an ineligible asset type")
        .isEqualTo(201);
    Res json = send("GET", p + "/coverage", null);
    show("GET coverage (bob unlicensed)", json);
    JsonNode r = json.json();
    assertThat(r.get("accountId").asText()).isEqualTo(a);
    assertThat(r.get("totals").get("CMK").get("objects").asLong()).isEqualTo(2);
    assertThat(r.get("totals").get("CMK").get("bytes").asLong()).isEqualTo(8);
    assertThat(r.get("totals").get("PLATFORM").get("objects").asLong()).isEqualTo(2);
    assertThat(r.get("totals").get("FALLBACK").get("objects").asLong()).isZero();
    assertThat(r.get("backfillable").get("objects").asLong()).isZero();
    assertThat(r.get("allEligibleUnderCmk").asBoolean()).isTrue();
    String keyId = send("GET", p + "/keys", null).json().get(0).path("id").asText();
    for (JsonNode row : r.get("rows")) {
      assertThat(row.has("keyId")).isTrue();
      if (row.get("protection").asText().equals("CMK")) {
        assertThat(row.get("keyId").asText()).startsWith("key_");
        if (!keyId.isEmpty()) {
          assertThat(row.get("keyId").asText()).isEqualTo(keyId);
        }
      } else {
        assertThat(row.get("keyId").isNull()).isTrue();
      }
    }

    // bob is licensed now: his earlier mail is eligible and not under the key until a backfill
    send("PUT", p + "/users/bob/license", "{\"cmkLicensed\":true}");
    JsonNode after = send("GET", p + "/coverage", null).json();
    assertThat(after.get("backfillable").get("objects").asLong()).isEqualTo(1);
    assertThat(after.get("backfillable").get("bytes").asLong()).isEqualTo(7);
    assertThat(after.get("allEligibleUnderCmk").asBoolean()).isFalse();
    Res csv = send("GET", p + "/coverage?format=csv", null);
    show("GET coverage?format=csv (bob licensed)", csv);
    assertThat(csv.body().lines().findFirst()).contains("protection,assetType,keyId,objects,bytes");
    assertThat(csv.body()).contains("PLATFORM,mail,,1,7");
    assertThat(send("GET", p + "/coverage?format=xml", null).code()).isEqualTo("invalid_request");

    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics).contains("cmk_coverage_objects{protection=\"CMK\"}");
    assertThat(metrics).doesNotContain("cmk_coverage_objects{account");
  }
}
