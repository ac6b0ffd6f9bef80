package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.DrillClient.Res;
import dev.cmk.provider.testkit.kms.KmsFaultProxy;
import dev.cmk.provider.testkit.kms.KmsFaultProxy.Mode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-region failover drill of issue 14, against real processes: moto_server behind {@link
 * KmsFaultProxy} (one port per region), a child-process {@code cmk serve} node driven over HTTP.
 *
 * <ol>
 *   <li>An MRK, primary us-east-1 + replica us-west-2, registered and validated; content written.
 *   <li>us-east-1 is cut (connection refused); the node is SIGKILLed and started again during the
 *       cut; then reads (of content written before) and writes with read-back run for the drill's
 *       length: every one must succeed (0 errors), served by the replica (key DEGRADED).
 *   <li>us-east-1 comes back: the key goes DEGRADED → AVAILABLE (measured).
 *   <li>Both regions cut, fallback on, the node restarted (no cached KEK): a write falls back; then
 *       both regions come back: the time to the first served read and to the recovery job's start
 *       are measured and printed; the job moves the fallback write under the customer's key.
 * </ol>
 *
 * Length: 20 s of traffic in {@code mvn verify}; {@code -Dcmk.drill.mrk.seconds=600} for the
 * 10-minute on-demand version.
 */
class MrkFailoverDrillIT {
  private static final String EAST = "us-east-1";
  private static final String WEST = "us-west-2";
  private final DrillClient client = new DrillClient();
  private final Random random = new Random(14);
  @TempDir Path dir;
  private String admin;
  private String service;

  @Test
  void replicaServesAcrossARestartDuringAPrimaryOutageAndTheKeyReturnsFast() throws Exception {
    long drillSeconds = Long.getLong("cmk.drill.mrk.seconds", 20);
    try (Moto moto = Moto.start();
        KmsFaultProxy proxy =
            KmsFaultProxy.start(URI.create(moto.endpoint()), List.of(EAST, WEST));
        var east = moto.kms(EAST)) {
      String primary =
          east.createKey(r -> r.multiRegion(true).description("acme mrk")).keyMetadata().arn();
      String replica =
          east.replicateKey(
                  r -> r.keyId(primary.substring(primary.indexOf("key/") + 4)).replicaRegion(WEST))
              .replicaKeyMetadata()
              .arn();
      Map<String, String> env = new LinkedHashMap<>();
      env.put("CMK_PROVIDERS_AWS_ENABLED", "true");
      env.put(
          "CMK_PROVIDERS_AWS_REGION_ENDPOINTS",
          EAST + "=" + proxy.endpoint(EAST) + "," + WEST + "=" + proxy.endpoint(WEST));
      env.put("CMK_PROVIDERS_AWS_ACCESS_KEY_ID", "test");
      env.put("CMK_PROVIDERS_AWS_SECRET_ACCESS_KEY", "test");
      env.put("CMK_AVAILABILITY_PROBE_INTERVAL", "PT10S");
      try (NodeProcess node = NodeProcess.shadedJarIn(dir, env).start()) {
        client.at(node);
        String a = setUpAccount(primary, replica);
        String p = "/v1/accounts/" + a;
        Map<String, String> written = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
          write(a, "before-" + i, written);
        }

        // 2. primary region cut, node killed and restarted during the cut
        proxy.fault(EAST, Mode.CUT);
        node.kill();
        node.start();
        client.at(node);
        int ok = 0;
        List<String> errors = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(drillSeconds).toNanos();
        int n = 0;
        while (System.nanoTime() < end) {
          n++;
          try {
            if (n % 2 == 0) {
              write(a, "during-" + n, written);
            } else {
              List<String> ids = new ArrayList<>(written.keySet());
              String id = ids.get(random.nextInt(ids.size()));
              Res r = get(p + "/content/chat-message/" + id, service);
              if (r.status() != 200 || !r.body().equals(written.get(id))) {
                throw new AssertionError("read " + id + " → " + r.status() + " " + r.body());
              }
            }
            ok++;
          } catch (AssertionError e) {
            errors.add(e.getMessage());
          }
        }
        JsonNode status = get(p + "/key-status", admin).json();
        System.out.printf(
            "MRK drill: us-east-1 cut, node SIGKILLed and restarted: %d calls in %d s, %d ok, %d"
                + " errors; key %s (%s); proxy calls %s%n",
            n,
            drillSeconds,
            ok,
            errors.size(),
            status.path("state").asText(),
            status.path("detail").asText(),
            proxy.calls());
        assertThat(errors).as("errors across the restart").isEmpty();
        assertThat(status.path("state").asText()).isEqualTo("DEGRADED");
        assertThat(proxy.calls(WEST, "Decrypt") + proxy.calls(WEST, "GenerateDataKey"))
            .isPositive();

        // 3. primary back: DEGRADED → AVAILABLE
        long back = System.nanoTime();
        proxy.fault(EAST, Mode.NONE);
        await(p + "/key-status", j -> j.path("state").asText().equals("AVAILABLE"));
        System.out.printf(
            "MRK drill: us-east-1 back → key AVAILABLE after %d ms (probe interval 10 s)%n",
            (System.nanoTime() - back) / 1_000_000);

        // 4. both regions out, fallback on, restart (no cached KEK): then both back
        assertThat(send("PUT", p + "/fallback", admin, null, "{\"enabled\":true}").status())
            .isEqualTo(200);
        proxy.fault(EAST, Mode.CUT);
        proxy.fault(WEST, Mode.CUT);
        node.kill();
        node.start();
        client.at(node);
        String oldId = written.keySet().iterator().next();
        Res during = get(p + "/content/chat-message/" + oldId, service);
        assertThat(during.status()).as(during.body()).isEqualTo(503);
        await(p + "/key-status", j -> j.path("state").asText().equals("UNAVAILABLE"));
        Res fallback = send("POST", p + "/content/chat-message", service, "alice", "under backup");
        assertThat(fallback.status()).as(fallback.body()).isEqualTo(201);
        assertThat(fallback.json().path("protection").asText()).isEqualTo("FALLBACK");

        long keyBack = System.nanoTime();
        proxy.fault(EAST, Mode.NONE);
        proxy.fault(WEST, Mode.NONE);
        long[] firstRead = {-1};
        long[] recovery = {-1};
        Awaitility.await("a served read and a recovery job once the key is back")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> {
                  if (firstRead[0] < 0
                      && get(p + "/content/chat-message/" + oldId, service).status() == 200) {
                    firstRead[0] = System.nanoTime() - keyBack;
                  }
                  if (recovery[0] < 0 && get(p + "/jobs", admin).json().size() > 0) {
                    recovery[0] = System.nanoTime() - keyBack;
                  }
                  return firstRead[0] >= 0 && recovery[0] >= 0;
                });
        System.out.printf(
            "Fast return: key back → first served read %d ms, → recovery job started %d ms%n",
            firstRead[0] / 1_000_000, recovery[0] / 1_000_000);
        assertThat(firstRead[0]).as("a read was served after the key came back").isPositive();
        assertThat(recovery[0]).as("recovery started after the key came back").isPositive();
        JsonNode job =
            await(p + "/jobs", j -> !j.path(0).path("status").asText().equals("RUNNING"));
        assertThat(job.path(0).path("kind").asText()).isEqualTo("RECOVERY");
        assertThat(job.path(0).path("status").asText()).isEqualTo("SUCCEEDED");
        String fbId = fallback.json().path("objectId").asText();
        assertThat(get(p + "/objects/" + fbId, admin).json().path("protection").asText())
            .isEqualTo("CMK");
        Res fbRead = get(p + "/content/chat-message/" + fbId, service);
        assertThat(fbRead.body()).isEqualTo("under backup");
      }
    }
  }

  private String setUpAccount(String primary, String replica) throws Exception {
    String op = NodeProcess.OPERATOR;
    String a =
        send("POST", "/v1/accounts", op, null, "{\"name\":\"Acme\"}").json().get("id").asText();
    admin = client.token("{\"role\":\"admin\",\"accountId\":\"" + a + "\",\"label\":\"drill\"}");
    service =
        client.token(
            "{\"role\":\"service\",\"accountId\":\""
                + a
                + "\",\"services\":[\"chat\"],\"label\":\"drill\"}");
    Res reg =
        send(
            "PUT",
            "/v1/accounts/" + a + "/key",
            admin,
            null,
            "{\"provider\":\"aws\",\"keyId\":\""
                + primary
                + "\",\"replicaKeyIds\":[\""
                + replica
                + "\"]}");
    assertThat(reg.status()).as(reg.body()).isEqualTo(201);
    Res lic =
        send(
            "PUT",
            "/v1/accounts/" + a + "/users/alice/license",
            admin,
            null,
            "{\"cmkLicensed\":true}");
    assertThat(lic.status()).as(lic.body()).isLessThan(300);
    return a;
  }

  private void write(String a, String text, Map<String, String> written) throws Exception {
    Res w = send("POST", "/v1/accounts/" + a + "/content/chat-message", service, "alice", text);
    if (w.status() != 201) {
      throw new AssertionError("write → " + w.status() + " " + w.body());
    }
    String id = w.json().path("objectId").asText();
    if (!w.json().path("protection").asText().equals("CMK")) {
      throw new AssertionError("write not under the CMK: " + w.body());
    }
    Res r = get("/v1/accounts/" + a + "/content/chat-message/" + id, service);
    if (r.status() != 200 || !r.body().equals(text)) {
      throw new AssertionError("read-back " + id + " → " + r.status() + " " + r.body());
    }
    written.put(id, text);
  }

  private Res get(String path, String token) throws Exception {
    return client.get(path, token);
  }

  private Res send(String method, String path, String token, String user, String body)
      throws Exception {
    return client.send(method, path, token, user, body);
  }

  private JsonNode await(String path, Predicate<JsonNode> done) throws Exception {
    return client.await(path, admin, done);
  }
}
