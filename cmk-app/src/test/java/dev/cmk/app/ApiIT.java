package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.app.TestNode.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /v1 API through a real HTTP client against a full node on embedded defaults. */
class ApiIT {
  @TempDir static Path dir;
  static TestNode n;
  static String account;
  static String admin;
  static String mailer;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 4096);
    n.node.localProvider().orElseThrow().createKey("acme");
    account = n.createAccount("Acme");
    admin = n.adminToken(account);
    mailer = n.serviceToken(account, List.of("mail"));
    assertThat(
            n.send(
                    admin,
                    "PUT",
                    "/v1/accounts/" + account + "/key",
                    "{\"provider\":\"local\",\"keyId\":\"acme\"}")
                .status())
        .isEqualTo(201);
    assertThat(
            n.send(
                    admin,
                    "PUT",
                    "/v1/accounts/" + account + "/users/alice/license",
                    "{\"cmkLicensed\":true}")
                .status())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Res content(String method, String path, String user, String body) throws Exception {
    return n.send(mailer, method, path, user == null ? Map.of() : Map.of("X-CMK-User", user), body);
  }

  @Test
  void writeAndReadBackWithProtectionShown() throws Exception {
    Res w = content("PUT", "/v1/accounts/" + account + "/content/mail/m-1", "alice", "hello");
    assertThat(w.status()).isEqualTo(201);
    assertThat(w.json().get("protection").asText()).isEqualTo("CMK");
    Res r = content("GET", "/v1/accounts/" + account + "/content/mail/m-1", null, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.raw().headers().firstValue("Cache-Control"))
        .as("plaintext is never cached")
        .contains("no-store");
    assertThat(r.raw().headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    Res error = n.send(null, "GET", "/v1/accounts", null);
    assertThat(error.raw().headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    assertThat(
            n.send(admin, "GET", "/v1/accounts/" + account + "/objects/m-1", null)
                .json()
                .get("kekId")
                .asText())
        .startsWith("kek_");
  }

  @Test
  void healthCatalogAndMetrics() throws Exception {
    assertThat(n.send(null, "GET", "/v1/health", null).json().get("status").asText())
        .isEqualTo("ok");
    assertThat(n.send(admin, "GET", "/v1/catalog", null).body()).contains("\"serviceId\":\"0001\"");
    content("POST", "/v1/accounts/" + account + "/content/mail", "bob", "x");
    assertThat(n.send(null, "GET", "/metrics", null).body()).contains("cmk_provider_calls_total");
  }

  @Test
  void tokensAreRequiredAndChecked() throws Exception {
    Res none = n.send(null, "GET", "/v1/accounts", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.code()).isEqualTo("unauthenticated");
    assertThat(none.raw().headers().firstValue("WWW-Authenticate")).isPresent();
    assertThat(n.send("cmk_bogus", "GET", "/v1/catalog", null).status()).isEqualTo(401);
    Res asAdmin = n.send(admin, "GET", "/v1/accounts", null);
    assertThat(asAdmin.status()).isEqualTo(403);
    assertThat(asAdmin.code()).isEqualTo("forbidden");
    assertThat(n.send(admin, "POST", "/v1/accounts/" + account + "/content/mail", "x").status())
        .isEqualTo(403);
    String chat = n.serviceToken(account, List.of("chat"));
    assertThat(
            n.send(
                    chat,
                    "POST",
                    "/v1/accounts/" + account + "/content/mail",
                    Map.of("X-CMK-User", "alice"),
                    "x")
                .code())
        .isEqualTo("forbidden");
    String everyAccountMail = n.serviceToken(null, List.of("mail"));
    assertThat(
            n.send(
                    everyAccountMail,
                    "POST",
                    "/v1/accounts/" + account + "/content/mail",
                    Map.of("X-CMK-User", "alice"),
                    "x")
                .status())
        .isEqualTo(201);
    String revoked = n.adminToken(account);
    String id =
        n.send(n.operator, "GET", "/v1/tokens", null).json().findValues("id").stream()
            .map(j -> j.asText())
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(n.send(n.operator, "DELETE", "/v1/tokens/" + id, null).status()).isEqualTo(200);
    assertThat(n.send(revoked, "GET", "/v1/accounts/" + account, null).status()).isEqualTo(401);
    assertThat(n.send(n.operator, "GET", "/v1/tokens", null).body()).doesNotContain("cmk_");
  }

  @Test
  void clientMistakesGetStable4xxCodesAndNever5xx() throws Exception {
    String a = "/v1/accounts/" + account;
    String op = n.operator;
    assertThat(n.send(op, "POST", "/v1/accounts", "{not json").code()).isEqualTo("invalid_request");
    assertThat(n.send(op, "POST", "/v1/accounts", "").code()).isEqualTo("empty_body");
    assertThat(n.send(op, "POST", "/v1/accounts", "{\"name\":\"x\",\"bogus\":1}").status())
        .isEqualTo(400);
    assertThat(n.send(op, "GET", "/v1/accounts/acct_nope", null).code())
        .isEqualTo("account_not_found");
    assertThat(n.send(op, "GET", "/v1/accounts/bad%20id", null).code()).isEqualTo("invalid_id");
    assertThat(content("POST", a + "/content/nope", "alice", "x").code())
        .isEqualTo("asset_type_not_found");
    assertThat(content("POST", a + "/content/mail", null, "x").code()).isEqualTo("invalid_request");
    assertThat(content("POST", a + "/content/mail", "alice", "").code()).isEqualTo("empty_body");
    Res big = content("POST", a + "/content/mail", "alice", "x".repeat(5000));
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.code()).isEqualTo("content_too_large");
    assertThat(content("GET", a + "/content/mail/no-such", null, null).code())
        .isEqualTo("object_not_found");
    assertThat(
            n.send(admin, "PUT", a + "/key", "{\"provider\":\"local\",\"keyId\":\"arn:aws:x\"}")
                .code())
        .isEqualTo("invalid_key_id");
    assertThat(n.send(admin, "PUT", a + "/key", "{\"provider\":\"nope\",\"keyId\":\"k\"}").code())
        .isEqualTo("unknown_provider");
    // a second key while one is active is a rotation, refused before any provider call
    Res second =
        n.send(admin, "PUT", a + "/key", "{\"provider\":\"local\",\"keyId\":\"missing-key\"}");
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.code()).isEqualTo("rotation_required");
    assertThat(second.body()).contains("/rotate");
    String fresh = n.createAccount("Fresh");
    Res missing =
        n.send(
            n.adminToken(fresh),
            "PUT",
            "/v1/accounts/" + fresh + "/key",
            "{\"provider\":\"local\",\"keyId\":\"missing-key\"}");
    assertThat(missing.code()).isEqualTo("key_validation_failed");
    assertThat(missing.body()).contains("key_exists").contains("generate_data_key");
    assertThat(n.send(admin, "PUT", a + "/users/alice/license", "{}").code())
        .isEqualTo("invalid_request");
    assertThat(n.send(op, "POST", "/v1/tokens", "{\"role\":\"king\"}").code())
        .isEqualTo("invalid_request");
    assertThat(n.send(op, "POST", "/v1/tokens", "{\"role\":\"admin\"}").code())
        .isEqualTo("invalid_request");
    assertThat(
            n.send(op, "POST", "/v1/tokens", "{\"role\":\"service\",\"services\":[\"nope\"]}")
                .code())
        .isEqualTo("invalid_request");
    assertThat(n.send(op, "DELETE", "/v1/tokens/tok_nope", null).code())
        .isEqualTo("token_not_found");
    assertThat(n.send(op, "GET", "/v1/nothing-here", null).code()).isEqualTo("route_not_found");
  }

  @Test
  void alteredStoredBytesGiveDecryptionFailed() throws Exception {
    content("PUT", "/v1/accounts/" + account + "/content/mail/tamper-me", "alice", "original");
    Path blob = dir.resolve("blobs").resolve(account).resolve("tamper-me");
    byte[] b = Files.readAllBytes(blob);
    b[b.length - 1] ^= 1;
    Files.write(blob, b);
    Res r = content("GET", "/v1/accounts/" + account + "/content/mail/tamper-me", null, null);
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.code()).isEqualTo("decryption_failed");
    assertThat(r.body()).doesNotContain("original");
  }
}
