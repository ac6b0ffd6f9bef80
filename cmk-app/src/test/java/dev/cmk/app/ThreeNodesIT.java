package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Three nodes on one PostgreSQL and one S3 bucket (moto_server) behind HAProxy on loopback. Under
 * load one node is killed with SIGKILL while a backfill job runs: clients retrying with an {@code
 * Idempotency-Key} end with exactly one object per key, no acknowledged write is lost, and the job
 * finishes on the survivors. The same drill as {@code deploy/three-nodes/drill.sh}.
 */
class ThreeNodesIT {
  static final String OPERATOR = "cmk_three_nodes_operator_token_0123456789ab";
  static final int CLIENTS = 8;
  @TempDir Path dir;

  @Test
  void oneNodeKilledUnderLoadLosesNothingAndJobsFinishOnTheSurvivors() throws Exception {
    Database.Config db = TestPostgres.freshDatabase();
    List<NodeProcess> nodes = new ArrayList<>();
    Process haproxy = null;
    try (Moto moto = Moto.start()) {
      try (S3Client s3 =
          S3Client.builder()
              .endpointOverride(URI.create(moto.endpoint()))
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
              .httpClient(UrlConnectionHttpClient.create())
              .build()) {
        s3.createBucket(b -> b.bucket("cmk-drill"));
      }
      Path keystore = dir.resolve("local-keys.p12"); // one keystore: the nodes share local keys
      LocalKeyProvider keys =
          new LocalKeyProvider(keystore, "cmk-dev-only".toCharArray(), new SecureRandom());
      for (String k : List.of("platform", "backup", "drill-cmk")) {
        keys.createKey(k);
      }
      for (int i = 1; i <= 3; i++) {
        int port = NodeProcess.freePort();
        Path cfg = dir.resolve("node" + i + ".yaml");
        Files.writeString(
            cfg,
            String.join(
                "\n",
                "server: { host: 127.0.0.1, port: " + port + " }",
                "storage:",
                "  dataDir: " + dir.resolve("node" + i),
                "  databaseUrl: \"" + db.url() + "\"",
                "  databaseUser: \"" + db.user() + "\"",
                "  databasePassword: \"" + db.password() + "\"",
                "  blobs:",
                "    store: s3",
                "    s3: { bucket: cmk-drill, region: us-east-1, endpoint: \""
                    + moto.endpoint()
                    + "\", accessKeyId: test, secretAccessKey: test }",
                "local: { enabled: true, keystore: "
                    + keystore
                    + ", keystorePassword: cmk-dev-only }",
                "availability: { probeInterval: PT5S, jobLease: PT10S, jobBatchSize: 10 }",
                ""));
        nodes.add(
            NodeProcess.fromClasspath()
                .serveArgs("--config", cfg.toString())
                .port(port)
                .env("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR)
                .log(dir.resolve("node" + i + ".log"))
                .build());
      }
      for (NodeProcess n : nodes) {
        n.start(); // one after the other: the first creates the schema
      }
      int lbPort = NodeProcess.freePort();
      haproxy = startHaproxy(lbPort, nodes);
      String lb = "http://127.0.0.1:" + lbPort;
      HttpClient http = HttpClient.newHttpClient();
      awaitOk(http, lb + "/v1/health");

      String account =
          CrashHarnessIT.call(http, lb, OPERATOR, "POST", "/v1/accounts", Map.of("name", "LB"), 201)
              .get("id")
              .asText();
      String admin = token(http, lb, Map.of("role", "admin", "accountId", account));
      String service =
          token(
              http,
              lb,
              Map.of("role", "service", "accountId", account, "services", List.of("chat")));
      CrashHarnessIT.call(
          http,
          lb,
          admin,
          "PUT",
          "/v1/accounts/" + account + "/key",
          Map.of("provider", "local", "keyId", "drill-cmk"),
          201);
      license(http, lb, admin, account, "alice");
      // bob writes under the platform key before his license; the backfill then moves him
      int bobObjects = 200;
      for (int i = 0; i < bobObjects; i++) {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            lb + "/v1/accounts/" + account + "/content/chat-message/bob-" + i))
                    .header("Authorization", "Bearer " + service)
                    .header("X-CMK-User", "bob")
                    .PUT(HttpRequest.BodyPublishers.ofString("bob's message " + i))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      }
      license(http, lb, admin, account, "bob");

      WriteLedger ledger = new WriteLedger(account, service, admin, "alice", "chat-message");
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = ledger.startClients(CLIENTS, "lb", () -> lb, stop, true);
      Thread.sleep(3000);
      String job =
          CrashHarnessIT.call(
                  http,
                  lb,
                  admin,
                  "POST",
                  "/v1/accounts/" + account + "/backfill",
                  Map.of("userId", "bob"),
                  202)
              .get("id")
              .asText();
      Thread.sleep(2000);
      NodeProcess victim = nodes.get(1);
      long ackedAtKill = ledger.acked.size();
      int exit = victim.kill();
      assertThat(exit).as("SIGKILL").isEqualTo(137);
      System.out.printf(
          "three nodes: killed node 2 (-9) with %d writes acknowledged, backfill %s running%n",
          ackedAtKill, job);
      Thread.sleep(8000);
      stop.set(true);
      WriteLedger.join(clients);

      JsonNode finished = awaitJob(http, lb, admin, account, job);
      WriteLedger.Check c = ledger.verify(lb, dir);
      WriteLedger.Audit audit = ledger.exportAudit(lb, dir);
      long keyedObjects = audit.writtenOk().stream().filter(id -> id.startsWith("i-")).count();
      System.out.printf(
          "three nodes RESULT: write attempts %d, answers retried %d, keys acknowledged %d, objects"
              + " written under an Idempotency-Key %d, unresolved %d, lost %d, backfill %s"
              + " (%s done, %s failed), violations %d%n",
          ledger.attempts.get(),
          ledger.retries.get(),
          ledger.acked.size(),
          keyedObjects,
          c.present() + c.absent(),
          c.lost(),
          finished.get("status").asText(),
          finished.path("done").asText(),
          finished.path("failed").asText(),
          ledger.violations.size());
      System.out.println("  write answers retried, by answer: " + ledger.failures);
      ledger.violations.stream().limit(20).forEach(v -> System.out.println("  " + v));
      assertThat(ledger.violations).isEmpty();
      assertThat(c.lost()).isZero();
      assertThat(c.present() + c.absent()).as("writes still unresolved after retries").isZero();
      assertThat(keyedObjects).as("exactly one object per key").isEqualTo(ledger.acked.size());
      assertThat(finished.get("status").asText()).isEqualTo("SUCCEEDED");
      assertThat((long) ledger.acked.size()).isGreaterThan(ackedAtKill);
    } finally {
      if (haproxy != null) {
        haproxy.destroy();
        haproxy.waitFor(10, TimeUnit.SECONDS);
      }
      for (NodeProcess n : nodes) {
        n.close();
      }
    }
  }

  private Process startHaproxy(int port, List<NodeProcess> nodes) throws Exception {
    StringBuilder cfg =
        new StringBuilder(
            String.join(
                "\n",
                "global",
                "  maxconn 256",
                "defaults",
                "  mode http",
                "  timeout connect 2s",
                "  timeout client 90s",
                "  timeout server 90s",
                "  retries 2",
                "  option redispatch",
                "frontend cmk",
                "  bind 127.0.0.1:" + port,
                "  default_backend nodes",
                "backend nodes",
                "  balance roundrobin",
                "  option httpchk GET /v1/health",
                ""));
    for (int i = 0; i < nodes.size(); i++) {
      cfg.append("  server n")
          .append(i + 1)
          .append(" 127.0.0.1:")
          .append(nodes.get(i).port())
          .append(" check inter 500 fall 2 rise 2\n");
    }
    Path file = dir.resolve("haproxy.cfg");
    Files.writeString(file, cfg);
    // Debian's haproxy is in /usr/sbin, which a non-root PATH may lack
    String haproxy =
        Files.isExecutable(Path.of("/usr/sbin/haproxy")) ? "/usr/sbin/haproxy" : "haproxy";
    return new ProcessBuilder(haproxy, "-db", "-f", file.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("haproxy.log").toFile())
        .start();
  }

  private static void awaitOk(HttpClient http, String url) {
    await(url + " answers 200")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsInstanceOf(java.io.IOException.class) // HAProxy is starting
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(URI.create(url)).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  private static String token(HttpClient http, String lb, Map<String, Object> spec)
      throws Exception {
    return CrashHarnessIT.call(http, lb, OPERATOR, "POST", "/v1/tokens", spec, 201)
        .get("secret")
        .asText();
  }

  private static void license(HttpClient http, String lb, String admin, String account, String u)
      throws Exception {
    CrashHarnessIT.call(
        http,
        lb,
        admin,
        "PUT",
        "/v1/accounts/" + account + "/users/" + u + "/license",
        Map.of("cmkLicensed", true),
        200);
  }

  /** Polls the job through the balancer (the survivors) until it is no longer running. */
  private static JsonNode awaitJob(
      HttpClient http, String lb, String admin, String account, String job) {
    return await("backfill " + job + " ends")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              HttpResponse<String> r =
                  http.send(
                      HttpRequest.newBuilder(
                              URI.create(lb + "/v1/accounts/" + account + "/jobs/" + job))
                          .header("Authorization", "Bearer " + admin)
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              // a node the balancer still tries may be down: not an answer yet
              return r.statusCode() == 200 ? WriteLedger.JSON.readTree(r.body()) : null;
            },
            j -> j != null && !"RUNNING".equals(j.get("status").asText()));
  }
}
