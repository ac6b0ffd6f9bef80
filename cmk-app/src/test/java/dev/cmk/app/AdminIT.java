package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Account options, licenses, the catalog and idempotent retries through the real API. */
class AdminIT {
  @TempDir static Path dir;
  static TestNode n;
  static String account;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    account = n.createAccount("Acme");
    admin = n.adminToken(account);
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  @Test
  void operatorSetsOptionsAdminTogglesFallback() throws Exception {
    String a = "/v1/accounts/" + account;
    Res created =
        n.send(
            n.operator,
            "POST",
            "/v1/accounts",
            "{\"name\":\"Phones Inc\",\"region\":\"eu-west-1\",\"fallbackEnabled\":true}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("fallbackEnabled").asBoolean()).isTrue();
    assertThat(created.json().get("region").asText()).isEqualTo("eu-west-1");

    Res patched =
        n.send(
            n.operator,
            "PATCH",
            a,
            "{\"dropCallsOnKeyUnavailable\":true,\"region\":\"eu-central-1\"}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().get("dropCallsOnKeyUnavailable").asBoolean()).isTrue();
    assertThat(patched.json().get("region").asText()).isEqualTo("eu-central-1");
    assertThat(n.send(admin, "PATCH", a, "{\"dropCallsOnKeyUnavailable\":false}").code())
        .isEqualTo("forbidden");
    assertThat(n.send(n.operator, "PATCH", a, "{\"region\":\"moon\"}").code())
        .isEqualTo("invalid_request");

    assertThat(
            n.send(admin, "PUT", a + "/fallback", "{\"enabled\":true}")
                .json()
                .get("fallbackEnabled")
                .asBoolean())
        .isTrue();
    assertThat(
            n.send(admin, "PUT", a + "/fallback", "{\"enabled\":false}")
                .json()
                .get("fallbackEnabled")
                .asBoolean())
        .isFalse();
    assertThat(n.send(admin, "PUT", a + "/fallback", "{}").code()).isEqualTo("invalid_request");
    assertThat(n.send(admin, "GET", a, null).json().get("region").asText())
        .isEqualTo("eu-central-1");
  }

  @Test
  void licensesOneByOneAndInBulkWithPerRowResults() throws Exception {
    String a = "/v1/accounts/" + account;
    assertThat(n.send(admin, "PUT", a + "/users/u1/license", "{\"cmkLicensed\":true}").status())
        .isEqualTo(200);
    Res csv =
        n.send(
            admin,
            "POST",
            a + "/licenses/bulk",
            Map.of("Content-Type", "text/csv"),
            "userId,licensed\nu2,true\nu3,yes\nbad user,true\nu4,maybe\n\nu5,false\n");
    assertThat(csv.status()).isEqualTo(200);
    JsonNode rows = csv.json().get("rows");
    assertThat(csv.json().get("applied").asInt()).isEqualTo(3);
    assertThat(csv.json().get("failed").asInt()).isEqualTo(2);
    assertThat(rows.get(2).get("code").asText()).isEqualTo("invalid_id");
    assertThat(rows.get(2).get("row").asInt()).isEqualTo(4);
    assertThat(rows.get(3).get("message").asText()).contains("maybe");

    Res json =
        n.send(
            admin,
            "POST",
            a + "/licenses/bulk",
            Map.of("Content-Type", "application/json"),
            "[{\"userId\":\"u6\",\"cmkLicensed\":true},{\"userId\":\"u7\"}]");
    assertThat(json.json().get("applied").asInt()).isEqualTo(1);
    assertThat(json.json().get("rows").get(1).get("ok").asBoolean()).isFalse();
    assertThat(
            n.send(
                    admin,
                    "POST",
                    a + "/licenses/bulk",
                    Map.of("Content-Type", "application/json"),
                    "{")
                .code())
        .isEqualTo("invalid_request");

    assertThat(
            n.send(admin, "DELETE", a + "/users/u2/license", null)
                .json()
                .get("cmkLicensed")
                .asBoolean())
        .isFalse();
    JsonNode list = n.send(admin, "GET", a + "/licenses", null).json();
    assertThat(list.findValuesAsText("userId")).contains("u1", "u2", "u3", "u5", "u6");
    assertThat(list.toString())
        .contains("{\"accountId\":\"" + account + "\",\"userId\":\"u3\",\"cmkLicensed\":true}");
  }

  @Test
  void operatorExtendsTheCatalogOnce() throws Exception {
    String t =
        "{\"name\":\"video-note\",\"serviceId\":\"0100\",\"service\":\"video-notes\","
            + "\"description\":\"Video notes\"}";
    assertThat(n.send(admin, "POST", "/v1/catalog", t).code()).isEqualTo("forbidden");
    Res added = n.send(n.operator, "POST", "/v1/catalog", t);
    assertThat(added.status()).isEqualTo(201);
    assertThat(added.json().get("cmkEligible").asBoolean()).isTrue();
    assertThat(n.send(n.operator, "POST", "/v1/catalog", t).code()).isEqualTo("conflict");
    assertThat(
            n.send(
                    n.operator,
                    "POST",
                    "/v1/catalog",
                    t.replace("video-note\"", "other\"").replace("video-notes", "x"))
                .body())
        .contains("service id 0100");
    assertThat(n.send(n.operator, "POST", "/v1/catalog", t.replace("0100", "12")).code())
        .isEqualTo("invalid_request");
    JsonNode catalog = n.send(admin, "GET", "/v1/catalog", null).json();
    assertThat(catalog.toString()).contains("\"video-note\"");
    for (JsonNode e : catalog) {
      if (e.get("name").asText().equals("meeting-recording")) {
        assertThat(e.get("licenseHolder").asText()).isEqualTo("organizer");
      }
    }
    String svc = n.serviceToken(account, List.of("video-notes"));
    assertThat(
            n.send(
                    svc,
                    "POST",
                    "/v1/accounts/" + account + "/content/video-note",
                    Map.of("X-CMK-User", "u1"),
                    "hello")
                .status())
        .isEqualTo(201);
  }

  @Test
  void retriedAccountCreationWithAnIdempotencyKeyCreatesOneAccount() throws Exception {
    Map<String, String> key = Map.of("Idempotency-Key", "create-globex-1");
    Res first = n.send(n.operator, "POST", "/v1/accounts", key, "{\"name\":\"Globex\"}");
    Res retry = n.send(n.operator, "POST", "/v1/accounts", key, "{\"name\":\"Globex\"}");
    assertThat(first.status()).isEqualTo(201);
    assertThat(retry.status()).isEqualTo(201);
    assertThat(retry.json().get("id")).isEqualTo(first.json().get("id"));
    assertThat(retry.raw().headers().firstValue("Idempotent-Replayed")).contains("true");
    Res other = n.send(n.operator, "POST", "/v1/accounts", key, "{\"name\":\"Initech\"}");
    assertThat(other.code()).isEqualTo("idempotency_key_reused");
    long globex =
        n.send(n.operator, "GET", "/v1/accounts", null).json().findValuesAsText("name").stream()
            .filter("Globex"::equals)
            .count();
    assertThat(globex).isEqualTo(1);
    Res bad = n.send(n.operator, "POST", "/v1/accounts", Map.of("Idempotency-Key", "k2"), "{}");
    assertThat(bad.code()).isEqualTo("invalid_request");
    Res fixed =
        n.send(
            n.operator,
            "POST",
            "/v1/accounts",
            Map.of("Idempotency-Key", "k2"),
            "{\"name\":\"Fixed\"}");
    assertThat(fixed.status()).isEqualTo(201);
  }

  @Test
  void keyPolicyTemplateAndRevalidation() throws Exception {
    String acct = n.createAccount("Policy Co");
    String adm = n.adminToken(acct);
    String a = "/v1/accounts/" + acct;
    // no provider and no key to take it from: the account's state, not a malformed request
    Res keyless = n.send(adm, "GET", a + "/key-policy", null);
    assertThat(keyless.status()).isEqualTo(409);
    assertThat(keyless.code()).isEqualTo("no_active_key");
    assertThat(n.send(adm, "GET", a + "/key-policy?provider=gcp", null).code())
        .isEqualTo("invalid_request");
    Res aws =
        n.send(
            adm, "GET", a + "/key-policy?provider=aws&search=true&awsAccountId=444455556666", null);
    assertThat(aws.status()).isEqualTo(200);
    assertThat(aws.body())
        .contains("arn:aws:iam::444455556666:root")
        .contains("arn:aws:iam::111122223333:role/cmk-platform")
        .contains("\"kms:EncryptionContext:account\":\"" + acct + "\"")
        .contains("AllowCmkPlatformSearchGrantForThisAccountOnly");
    assertThat(n.send(adm, "GET", a + "/key-policy?provider=oci", null).json().get("statements"))
        .hasSize(3);
    assertThat(n.send(adm, "GET", a + "/key-policy?provider=aws&search=maybe", null).code())
        .isEqualTo("invalid_request");

    n.node.localProvider().orElseThrow().createKey("policy-co");
    String keyId =
        n.send(adm, "PUT", a + "/key", "{\"provider\":\"local\",\"keyId\":\"policy-co\"}")
            .json()
            .get("key")
            .get("id")
            .asText();
    Res again = n.send(adm, "POST", a + "/keys/" + keyId + "/validate", null);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().get("validation").get("checks").findValuesAsText("name"))
        .contains("key_exists", "generate_data_key", "decrypt", "encrypt", "search_grant");
    n.node.localProvider().orElseThrow().setEnabled("policy-co", false);
    Res failing = n.send(adm, "POST", a + "/keys/" + keyId + "/validate", null);
    assertThat(failing.status()).isEqualTo(200);
    assertThat(failing.body()).contains("\"outcome\":\"FAIL\"");
    assertThat(n.send(adm, "POST", a + "/keys/key_nope/validate", null).code())
        .isEqualTo("key_not_found");
  }

  @Test
  void searchGrantsAreReadOnlyAndEmptyForAKeyWithoutGrants() throws Exception {
    String acct =
        n.send(
                n.operator,
                "POST",
                "/v1/accounts",
                "{\"name\":\"Search Co\",\"searchEncryption\":true}")
            .json()
            .get("id")
            .asText();
    String adm = n.adminToken(acct);
    String a = "/v1/accounts/" + acct;
    Res none = n.send(adm, "GET", a + "/key/search-grants", null);
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json()).isEmpty();
    n.node.localProvider().orElseThrow().createKey("search-co");
    assertThat(
            n.send(adm, "PUT", a + "/key", "{\"provider\":\"local\",\"keyId\":\"search-co\"}")
                .status())
        .isEqualTo(201);
    // the local provider has no grants: search reaches the key through its policy
    assertThat(n.send(adm, "GET", a + "/key/search-grants", null).json()).isEmpty();
    assertThat(n.send(adm, "POST", a + "/key/search-grants", "{}").status()).isIn(404, 405);
    assertThat(n.send(n.operator, "GET", "/v1/accounts/%24bad/key/search-grants", null).code())
        .isEqualTo("invalid_id");
  }
}
