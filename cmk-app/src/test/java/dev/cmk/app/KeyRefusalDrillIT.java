package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cmk.app.DrillClient.Res;
import dev.cmk.provider.testkit.kms.KmsFaultProxy;
import dev.cmk.provider.testkit.kms.KmsFaultProxy.KeyState;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The customer disables its key, against real processes: moto_server behind {@link KmsFaultProxy}
 * (which enforces the key state moto does not), a child-process {@code cmk serve} node over HTTP,
 * with drop-calls on. Content and new live sessions are 409 {@code key_refused}; drop-calls ends
 * the licensed user's call under the key and not the unlicensed user's call under the platform key;
 * when the key is enabled again, the time to the first served read is measured and printed.
 */
class KeyRefusalDrillIT {
  private static final String EAST = "us-east-1";
  private final DrillClient client = new DrillClient();
  @TempDir Path dir;

  @Test
  void disabledKeyIsRefusedForContentAndSessionsAndServesSoonAfterItIsEnabled() throws Exception {
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
          client.token("{\"role\":\"admin\",\"accountId\":\"" + a + "\",\"label\":\"drill\"}");
      String service =
          client.token(
              "{\"role\":\"service\",\"accountId\":\""
                  + a
                  + "\",\"services\":[\"chat\",\"phone\"],\"label\":\"drill\"}");
      Res reg =
          client.send(
              "PUT", p + "/key", admin, null, "{\"provider\":\"aws\",\"keyId\":\"" + arn + "\"}");
      assertThat(reg.status()).as(reg.body()).isEqualTo(201);
      client.send("PUT", p + "/users/alice/license", admin, null, "{\"cmkLicensed\":true}");
      assertThat(client.send("PUT", p + "/drop-calls", op, null, "{\"enabled\":true}").status())
          .isEqualTo(200);

      Res w = client.send("POST", p + "/content/chat-message", service, "alice", "hello");
      assertThat(w.status()).as(w.body()).isEqualTo(201);
      String objectId = w.json().path("objectId").asText();
      String aliceCall = open(service, p, "alice").json().path("id").asText();
      Res bob = open(service, p, "bob");
      assertThat(bob.json().path("protection").asText()).isEqualTo("PLATFORM");
      String bobCall = bob.json().path("id").asText();

      proxy.keyState(arn, KeyState.DISABLED);
      client.await(
          p + "/key-status",
          admin,
          j ->
              j.path("state").asText().equals("UNAVAILABLE")
                  && j.path("cause").asText().equals("REFUSED"));
      client.await(
          p + "/sessions/" + aliceCall, service, j -> j.path("status").asText().equals("ENDED"));
      assertThat(client.get(p + "/sessions/" + bobCall, service).json().path("status").asText())
          .isEqualTo("ACTIVE");
      Res refusedCall = open(service, p, "alice");
      assertThat(refusedCall.status()).as(refusedCall.body()).isEqualTo(409);
      assertThat(refusedCall.code()).isEqualTo("key_refused");
      Res refusedRead = client.get(p + "/content/chat-message/" + objectId, service);
      assertThat(refusedRead.status()).as(refusedRead.body()).isEqualTo(409);
      assertThat(refusedRead.code()).isEqualTo("key_refused");

      long back = System.nanoTime();
      proxy.keyState(arn, KeyState.ENABLED);
      await("a served read once the key is enabled")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> client.get(p + "/content/chat-message/" + objectId, service).status() == 200);
      long firstRead = System.nanoTime() - back;
      System.out.printf(
          "Key refusal drill: key enabled again → first served read after %d ms%n",
          firstRead / 1_000_000);
      assertThat(firstRead).as("the key serves again once enabled").isPositive();
      assertThat(open(service, p, "alice").status()).isEqualTo(201);

      // persistent throttling: retried with backoff and counted, then unavailable, not refused
      proxy.fault(EAST, KmsFaultProxy.Mode.THROTTLE);
      var st =
          client.await(
              p + "/key-status", admin, j -> j.path("state").asText().equals("UNAVAILABLE"));
      assertThat(st.path("cause").asText()).isEqualTo("UNREACHABLE");
      assertThat(st.path("reason").asText()).isEqualTo("throttled");
      assertThat(client.get("/metrics", op).body())
          .contains("cmk_provider_retries_total{provider=\"aws\",reason=\"throttled\"}");
      proxy.fault(EAST, KmsFaultProxy.Mode.NONE);
      client.await(p + "/key-status", admin, j -> j.path("state").asText().equals("AVAILABLE"));
    }
  }

  private Res open(String token, String p, String user) throws Exception {
    return client.send("POST", p + "/sessions", token, null, "{\"userId\":\"" + user + "\"}");
  }
}
