package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.CreateKeyRequest;
import software.amazon.awssdk.services.kms.model.GrantListEntry;

/**
 * The search service's standing grant over HTTP on a full node with the AWS provider against
 * moto_server: made when the key is registered with search on, shown by GET key/search-grants and
 * present in KMS, not made twice by a retried PUT, revoked in KMS when search is turned off; both
 * changes reach the account's webhook, signed ({@code key.search_grant_created}, {@code
 * key.search_grant_revoked}).
 */
class SearchGrantAwsIT {
  static final String SEARCH = "arn:aws:iam::111122223333:role/cmk-search";

  @TempDir Path dir;

  @Test
  void theSearchPrincipalHoldsAStandingGrantWhileSearchIsOn() throws Exception {
    try (Moto moto = Moto.start();
        KmsClient kms = moto.kms("us-east-1");
        TestNode n =
            new TestNode(
                moto.nodeConfig(dir, 1 << 20)
                    .withWebhooks(
                        new CmkConfig.Webhooks(
                            true,
                            Duration.ofMillis(200),
                            Duration.ofSeconds(30),
                            Duration.ofSeconds(2))))) {
      List<WebhooksIT.Received> got = new CopyOnWriteArrayList<>();
      com.sun.net.httpserver.HttpServer receiver =
          com.sun.net.httpserver.HttpServer.create(
              new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      receiver.createContext(
          "/grants",
          ex -> {
            got.add(
                new WebhooksIT.Received(
                    ex.getRequestHeaders().getFirst("CMK-Event-Id"),
                    ex.getRequestHeaders().getFirst("CMK-Event-Type"),
                    ex.getRequestHeaders().getFirst("CMK-Signature"),
                    new String(
                        ex.getRequestBody().readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8),
                    200));
            ex.sendResponseHeaders(200, -1);
            ex.close();
          });
      receiver.start();
      String arn = kms.createKey(CreateKeyRequest.builder().build()).keyMetadata().arn();
      String acct =
          n.send(
                  n.operator,
                  "POST",
                  "/v1/accounts",
                  "{\"name\":\"Acme\",\"searchEncryption\":true}")
              .json()
              .get("id")
              .asText();
      String admin = n.adminToken(acct);
      String a = "/v1/accounts/" + acct;
      String body = "{\"provider\":\"aws\",\"keyId\":\"" + arn + "\"}";
      Res hook =
          n.send(
              admin,
              "POST",
              a + "/webhooks",
              "{\"url\":\"http://127.0.0.1:"
                  + receiver.getAddress().getPort()
                  + "/grants\",\"events\":[\"key.search_grant_created\","
                  + "\"key.search_grant_revoked\"]}");
      assertThat(hook.status()).as(hook.body()).isEqualTo(201);
      String secret = hook.json().get("secret").asText();

      Res reg = n.send(admin, "PUT", a + "/key", body);
      assertThat(reg.status()).as(reg.body()).isEqualTo(201);
      String customerKeyId = reg.json().get("key").get("id").asText();

      Res listed = n.send(admin, "GET", a + "/key/search-grants", null);
      assertThat(listed.status()).isEqualTo(200);
      assertThat(listed.json()).hasSize(1);
      JsonNode g = listed.json().get(0);
      String grantId = g.get("grantId").asText();
      String name = "cmk-search-" + acct + "-" + customerKeyId;
      assertThat(g.get("keyId").asText()).isEqualTo(arn);
      assertThat(g.get("region").asText()).isEqualTo("us-east-1");
      assertThat(g.get("replica").asBoolean()).isFalse();
      assertThat(g.get("grantName").asText()).isEqualTo(name);
      assertThat(g.get("status").asText()).isEqualTo("ACTIVE");
      assertThat(g.get("customerKeyId").asText()).isEqualTo(customerKeyId);
      assertThat(named(kms, arn, name))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.grantId()).isEqualTo(grantId);
                assertThat(e.granteePrincipal()).isEqualTo(SEARCH);
                assertThat(e.operationsAsStrings()).contains("Decrypt", "GenerateDataKey");
              });
      assertThat(n.send(admin, "GET", a + "/key-events", null).body())
          .contains("search_grant_created")
          .contains(grantId);

      // a retried PUT finds the grant; KMS still holds one
      assertThat(n.send(admin, "PUT", a + "/key", body).status()).isEqualTo(201);
      assertThat(
              n.send(admin, "GET", a + "/key/search-grants", null)
                  .json()
                  .get(0)
                  .get("grantId")
                  .asText())
          .isEqualTo(grantId);
      assertThat(named(kms, arn, name)).hasSize(1);

      Res off = n.send(admin, "PUT", a + "/search-encryption", "{\"enabled\":false}");
      assertThat(off.status()).as(off.body()).isEqualTo(200);
      assertThat(n.send(admin, "GET", a + "/key/search-grants", null).json()).isEmpty();
      assertThat(named(kms, arn, name)).isEmpty();
      assertThat(n.send(admin, "GET", a + "/key-events", null).body())
          .contains("search_grant_revoked");
      WebhooksIT.await("both grant events at the webhook", () -> got.size() >= 2);
      receiver.stop(0);
      assertThat(got.stream().map(WebhooksIT.Received::type).toList())
          .containsExactly("key.search_grant_created", "key.search_grant_revoked");
      for (WebhooksIT.Received r : got) {
        assertThat(WebhooksIT.verify(secret, r.signature(), r.body())).isTrue();
        assertThat(r.body()).contains(grantId);
      }

      assertThat(n.send(admin, "GET", "/v1/accounts/acct_nope/key/search-grants", null).status())
          .isEqualTo(403);
      assertThat(n.send(n.operator, "GET", "/v1/accounts/acct_nope/key/search-grants", null).code())
          .isEqualTo("account_not_found");
    }
  }

  private static List<GrantListEntry> named(KmsClient kms, String arn, String name) {
    return kms.listGrants(r -> r.keyId(arn)).grants().stream()
        .filter(e -> name.equals(e.name()))
        .toList();
  }
}
