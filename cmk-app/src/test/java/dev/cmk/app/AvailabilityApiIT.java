package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6 through a real HTTP client against a full node (local provider, embedded H2, probe every
 * second): key status and events, revoke now, fallback switch, rotation jobs, live sessions.
 */
class AvailabilityApiIT {
  @TempDir static Path dir;
  static CmkNode node;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  static String base;

  @BeforeAll
  static void start() {
    CmkConfig e = CmkConfig.embeddedIn(dir, 4096);
    CmkConfig cfg =
        new CmkConfig(
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
            e.audit());
    node = new CmkNode(cfg, Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + node.port();
    operator =
        node.tokens()
            .create(new TokenService.Spec(Role.OPERATOR, Optional.empty(), Set.of(), "test"))
            .secret();
    service =
        node.tokens()
            .create(
                new TokenService.Spec(
                    Role.SERVICE, Optional.empty(), Set.of("mail", "phone"), "test"))
            .secret();
  }

  static String operator;
  static String service;

  /** Content and live calls are the services' routes; everything else here is administrative. */
  static String tokenFor(String path) {
    return path.contains("/content/") || path.contains("/sessions") ? service : operator;
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  record Res(int status, JsonNode json) {
    String code() {
      return json.path("error").path("code").asText();
    }
  }

  static Res send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    b.header("Authorization", "Bearer " + tokenFor(path));
    b.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body().isEmpty() ? null : JSON.readTree(r.body()));
  }

  /**
   * Polls a GET until the answer matches (the node probes every second); a liveness bound of 60 s.
   */
  static JsonNode await(String path, Predicate<JsonNode> done) {
    return Awaitility.await("GET " + path)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> send("GET", path, null).json(), done);
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
  void keyStatusEventsRevokeAndFallback() throws Exception {
    String a = account("av-1");
    String p = "/v1/accounts/" + a;
    JsonNode st = await(p + "/key-status", j -> j.get("state").asText().equals("AVAILABLE"));
    assertThat(st.get("revoked").asBoolean()).isFalse();
    String gauge = "cmk_key_state{account=\"" + a + "\"} 0.0";
    // the gauge is set right after the state is committed: allow for that instant
    Awaitility.await("the key-state gauge")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(base + "/v1/metrics"))
                                    .header("Authorization", "Bearer " + operator)
                                    .build(),
                                HttpResponse.BodyHandlers.ofString())
                            .body())
                    .contains(gauge));

    Res revoked = send("POST", p + "/revoke", null);
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.json().get("revoked").asBoolean()).isTrue();
    Res again = send("POST", p + "/revoke", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("already_revoked");

    assertThat(send("PUT", p + "/fallback", "{}").code()).isEqualTo("invalid_request");
    // fallback cannot end a revocation; only its own call lifts it
    Res refused = send("PUT", p + "/fallback", "{\"enabled\":true}");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.code()).isEqualTo("account_revoked");
    Res lifted = send("POST", p + "/revoke/lift", null);
    assertThat(lifted.status()).isEqualTo(200);
    assertThat(lifted.json().get("revoked").asBoolean()).isFalse();
    assertThat(send("POST", p + "/revoke/lift", null).code()).isEqualTo("not_revoked");
    Res on = send("PUT", p + "/fallback", "{\"enabled\":true}");
    assertThat(on.json().get("fallbackEnabled").asBoolean()).isTrue();
    assertThat(on.json().get("fallbackMode").asText()).isEqualTo("ANY_REASON");
    assertThat(send("PUT", p + "/fallback", "{\"enabled\":true,\"mode\":\"SOMETIMES\"}").code())
        .isEqualTo("invalid_request");
    assertThat(send("GET", p + "/key-status", null).json().get("revoked").asBoolean()).isFalse();
    JsonNode events = send("GET", p + "/key-events", null).json();
    assertThat(events.findValuesAsText("kind"))
        .contains("revoked", "revocation_lifted", "fallback_enabled");
    assertThat(send("GET", p + "/key-events?limit=x", null).code()).isEqualTo("invalid_request");
    assertThat(send("POST", "/v1/accounts/acct_nope/revoke", null).status()).isEqualTo(404);
  }

  @Test
  void rotationJobsAndTheirErrors() throws Exception {
    String a = account("rot-1");
    String p = "/v1/accounts/" + a;
    send("PUT", p + "/content/mail/m1", "hello"); // no user header → 400, harmless
    HttpRequest put =
        HttpRequest.newBuilder(URI.create(base + p + "/content/mail/m1"))
            .header("X-CMK-User", "alice")
            .header("Authorization", "Bearer " + service)
            .PUT(BodyPublishers.ofString("hello"))
            .build();
    assertThat(HTTP.send(put, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);

    assertThat(send("GET", p + "/jobs", null).json().size()).isZero();
    Res unknown = send("GET", p + "/jobs/job_nope", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("job_not_found");
    assertThat(send("POST", p + "/rotate", "{}").code()).isEqualTo("invalid_request");

    node.localProvider().orElseThrow().createKey("rot-bad");
    node.localProvider().orElseThrow().setEnabled("rot-bad", false);
    Res bad = send("POST", p + "/rotate", "{\"provider\":\"local\",\"keyId\":\"rot-bad\"}");
    assertThat(bad.status()).isEqualTo(409);
    assertThat(bad.code()).isEqualTo("key_validation_failed");
    assertThat(send("GET", p + "/jobs", null).json().size()).isZero();

    node.localProvider().orElseThrow().createKey("rot-2");
    Res started = send("POST", p + "/rotate", "{\"provider\":\"local\",\"keyId\":\"rot-2\"}");
    assertThat(started.status()).isEqualTo(202);
    String job = started.json().get("id").asText();
    assertThat(started.json().get("kind").asText()).isEqualTo("ROTATION");
    JsonNode end = await(p + "/jobs/" + job, j -> j.get("status").asText().equals("SUCCEEDED"));
    assertThat(end.get("done").asLong()).isEqualTo(end.get("total").asLong()).isEqualTo(1);

    assertThat(send("PUT", p + "/recovery-mode", "{\"mode\":\"DEEP\"}").status()).isEqualTo(400);
    assertThat(send("PUT", p + "/recovery-mode", "{\"mode\":\"DEK_REWRAP\"}").status())
        .isEqualTo(200);
    assertThat(send("GET", p + "/recovery-mode", null).json().get("mode").asText())
        .isEqualTo("DEK_REWRAP");
  }

  @Test
  void liveSessionsAreDroppedWhenTheKeyIsDisabled() throws Exception {
    String a = account("call-1");
    String p = "/v1/accounts/" + a;
    await(p + "/key-status", j -> j.get("state").asText().equals("AVAILABLE"));
    Res opened = send("POST", p + "/sessions", "{\"userId\":\"alice\"}");
    assertThat(opened.status()).isEqualTo(201);
    assertThat(opened.json().get("sessionKey").asText()).isNotBlank();
    String s = opened.json().get("id").asText();
    Res got = send("GET", p + "/sessions/" + s, null);
    assertThat(got.json().get("status").asText()).isEqualTo("ACTIVE");
    assertThat(got.json().has("sessionKey")).isFalse();
    assertThat(send("GET", p + "/sessions/sess_nope", null).code()).isEqualTo("session_not_found");

    assertThat(
            send("PUT", p + "/drop-calls", "{\"enabled\":true}")
                .json()
                .get("dropCallsOnKeyUnavailable")
                .asBoolean())
        .isTrue();
    node.localProvider().orElseThrow().setEnabled("call-1", false);
    JsonNode ended = await(p + "/sessions/" + s, j -> j.get("status").asText().equals("ENDED"));
    assertThat(ended.get("endReason").asText()).isEqualTo("key_unavailable: refused (disabled)");
  }
}
