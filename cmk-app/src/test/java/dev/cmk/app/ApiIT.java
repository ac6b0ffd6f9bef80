package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /v1 API through a real HTTP client against a full node on embedded defaults. */
class ApiIT {
  @TempDir static Path dir;
  static CmkNode node;
  static HttpClient http = HttpClient.newHttpClient();
  static ObjectMapper json = new ObjectMapper();
  static String base;
  static String account;

  @BeforeAll
  static void start() throws Exception {
    CmkConfig cfg = CmkConfig.embeddedIn(dir, 4096);
    node = new CmkNode(cfg, Clock.systemUTC()).start();
    base = "http://127.0.0.1:" + node.port();
    node.localProvider().orElseThrow().createKey("acme");
    account = send("POST", "/v1/accounts", null, "{\"name\":\"Acme\"}").json().get("id").asText();
    assertThat(
            send(
                    "PUT",
                    "/v1/accounts/" + account + "/key",
                    null,
                    "{\"provider\":\"local\",\"keyId\":\"acme\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            send(
                    "PUT",
                    "/v1/accounts/" + account + "/users/alice/license",
                    null,
                    "{\"cmkLicensed\":true}")
                .status())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  record Res(int status, String body) {
    JsonNode json() throws Exception {
      return ApiIT.json.readTree(body);
    }

    String code() throws Exception {
      return json().get("error").get("code").asText();
    }
  }

  static Res send(String method, String path, String user, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (user != null) {
      b.header("X-CMK-User", user);
    }
    b.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body());
  }

  @Test
  void writeAndReadBackWithProtectionShown() throws Exception {
    Res w = send("PUT", "/v1/accounts/" + account + "/content/mail/m-1", "alice", "hello");
    assertThat(w.status()).isEqualTo(201);
    assertThat(w.json().get("protection").asText()).isEqualTo("CMK");
    Res r = send("GET", "/v1/accounts/" + account + "/content/mail/m-1", null, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
    assertThat(
            send("GET", "/v1/accounts/" + account + "/objects/m-1", null, null)
                .json()
                .get("kekId")
                .asText())
        .startsWith("kek_");
  }

  @Test
  void healthCatalogAndMetrics() throws Exception {
    assertThat(send("GET", "/v1/health", null, null).json().get("status").asText()).isEqualTo("ok");
    assertThat(send("GET", "/v1/catalog", null, null).body()).contains("\"serviceId\":\"0001\"");
    send("POST", "/v1/accounts/" + account + "/content/mail", "bob", "x");
    assertThat(send("GET", "/metrics", null, null).body()).contains("cmk_provider_calls_total");
  }

  @Test
  void clientMistakesGetStable4xxCodesAndNever5xx() throws Exception {
    String a = "/v1/accounts/" + account;
    assertThat(send("POST", "/v1/accounts", null, "{not json").code()).isEqualTo("invalid_request");
    assertThat(send("POST", "/v1/accounts", null, "").code()).isEqualTo("empty_body");
    assertThat(send("POST", "/v1/accounts", null, "{\"name\":\"x\",\"bogus\":1}").status())
        .isEqualTo(400);
    assertThat(send("GET", "/v1/accounts/acct_nope", null, null).code())
        .isEqualTo("account_not_found");
    assertThat(send("GET", "/v1/accounts/bad%20id", null, null).code()).isEqualTo("invalid_id");
    assertThat(send("POST", a + "/content/nope", "alice", "x").code())
        .isEqualTo("asset_type_not_found");
    assertThat(send("POST", a + "/content/mail", null, "x").code()).isEqualTo("invalid_request");
    assertThat(send("POST", a + "/content/mail", "alice", "").code()).isEqualTo("empty_body");
    Res big = send("POST", a + "/content/mail", "alice", "x".repeat(5000));
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.code()).isEqualTo("content_too_large");
    assertThat(send("GET", a + "/content/mail/no-such", null, null).code())
        .isEqualTo("object_not_found");
    assertThat(
            send("PUT", a + "/key", null, "{\"provider\":\"local\",\"keyId\":\"arn:aws:x\"}")
                .code())
        .isEqualTo("invalid_key_id");
    assertThat(send("PUT", a + "/key", null, "{\"provider\":\"nope\",\"keyId\":\"k\"}").code())
        .isEqualTo("unknown_provider");
    Res missing =
        send("PUT", a + "/key", null, "{\"provider\":\"local\",\"keyId\":\"missing-key\"}");
    assertThat(missing.code()).isEqualTo("key_validation_failed");
    assertThat(missing.body()).contains("round_trip");
    assertThat(send("PUT", a + "/users/alice/license", null, "{}").code())
        .isEqualTo("invalid_request");
    assertThat(send("GET", "/v1/nothing-here", null, null).code()).isEqualTo("route_not_found");
  }

  @Test
  void alteredStoredBytesGiveDecryptionFailed() throws Exception {
    send("PUT", "/v1/accounts/" + account + "/content/mail/tamper-me", "alice", "original");
    Path blob = dir.resolve("blobs").resolve(account).resolve("tamper-me");
    byte[] b = Files.readAllBytes(blob);
    b[b.length - 1] ^= 1;
    Files.write(blob, b);
    Res r = send("GET", "/v1/accounts/" + account + "/content/mail/tamper-me", null, null);
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.code()).isEqualTo("decryption_failed");
    assertThat(r.body()).doesNotContain("original");
  }
}
