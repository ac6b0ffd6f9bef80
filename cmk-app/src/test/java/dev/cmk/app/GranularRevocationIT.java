package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.app.DrillClient.Res;
import dev.cmk.provider.testkit.kms.KmsFaultProxy;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Granular revocation against real processes: moto_server behind {@link KmsFaultProxy}, which
 * refuses (AccessDeniedException) every KMS call whose encryption context names service {@code
 * 0014} (mail) — what a customer's key-policy Deny on {@code kms:EncryptionContext:service} does on
 * AWS — and a child-process {@code cmk serve} node over HTTP with a 1 s KEK cache. Exactly the mail
 * slice is refused; chat keeps working; the key stays AVAILABLE and its status names the slice;
 * once the rule is gone mail is served again.
 */
class GranularRevocationIT {
  private static final String EAST = "us-east-1";
  private final DrillClient client = new DrillClient();
  @TempDir Path dir;

  @Test
  void aDenyOnOneServiceIdRefusesOnlyThatService() throws Exception {
    try (Moto moto = Moto.start();
        KmsFaultProxy proxy = KmsFaultProxy.start(URI.create(moto.endpoint()), List.of(EAST));
        var kms = moto.kms(EAST);
        NodeProcess node =
            NodeProcess.shadedJarIn(
                    dir,
                    Map.of(
                        "CMK_PROVIDERS_AWS_ENABLED", "true",
                        "CMK_PROVIDERS_AWS_REGION_ENDPOINTS", EAST + "=" + proxy.endpoint(EAST),
                        "CMK_PROVIDERS_AWS_ACCESS_KEY_ID", "test",
                        "CMK_PROVIDERS_AWS_SECRET_ACCESS_KEY", "test",
                        "CMK_KEK_CACHE_TTL", "PT1S",
                        "CMK_AVAILABILITY_PROBE_INTERVAL", "PT5S"))
                .start()) {
      client.at(node);
      String arn = kms.createKey(r -> r.description("acme")).keyMetadata().arn();
      String op = NodeProcess.OPERATOR;
      String a =
          client
              .send("POST", "/v1/accounts", op, null, "{\"name\":\"Acme\"}")
              .json()
              .get("id")
              .asText();
      String p = "/v1/accounts/" + a;
      String admin =
          client.token("{\"role\":\"admin\",\"accountId\":\"" + a + "\",\"label\":\"granular\"}");
      String service =
          client.token(
              "{\"role\":\"service\",\"accountId\":\""
                  + a
                  + "\",\"services\":[\"chat\",\"mail\"],\"label\":\"granular\"}");
      Res reg =
          client.send(
              "PUT", p + "/key", admin, null, "{\"provider\":\"aws\",\"keyId\":\"" + arn + "\"}");
      assertThat(reg.status()).as(reg.body()).isEqualTo(201);
      client.send("PUT", p + "/users/alice/license", admin, null, "{\"cmkLicensed\":true}");
      Res mail = client.send("PUT", p + "/content/mail/m1", service, "alice", "mail one");
      assertThat(mail.status()).as(mail.body()).isEqualTo(201);
      Res chat = client.send("PUT", p + "/content/chat-message/c1", service, "alice", "chat one");
      assertThat(chat.json().path("protection").asText()).isEqualTo("CMK");

      proxy.denyContext(Map.of("service", "0014"));
      Thread.sleep(1500); // the node's cached KEKs expire: the next uses go to the KMS

      Res mailRead = client.get(p + "/content/mail/m1", service);
      System.out.println("=== service 0014 denied: GET content/mail/m1 → " + mailRead.body());
      assertThat(mailRead.status()).as(mailRead.body()).isEqualTo(409);
      assertThat(mailRead.code()).isEqualTo("key_refused");
      assertThat(client.get(p + "/content/chat-message/c1", service).status()).isEqualTo(200);
      Res chat2 = client.send("PUT", p + "/content/chat-message/c2", service, "alice", "chat two");
      assertThat(chat2.json().path("protection").asText()).isEqualTo("CMK");
      assertThat(client.send("PUT", p + "/content/mail/m2", service, "alice", "x").code())
          .isEqualTo("key_refused");

      Res status = client.get(p + "/key-status", admin);
      System.out.println("=== service 0014 denied: GET key-status → " + status.body());
      assertThat(status.json().path("state").asText()).isEqualTo("AVAILABLE");
      assertThat(status.json().path("refusedSlices").get(0).path("serviceId").asText())
          .isEqualTo("0014");

      proxy.clearDenyContext();
      client.await(p + "/key-status", admin, j -> j.path("refusedSlices").isEmpty());
      assertThat(client.get(p + "/content/mail/m1", service).status()).isEqualTo(200);
    }
  }
}
