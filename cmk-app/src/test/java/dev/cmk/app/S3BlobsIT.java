package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.app.TestNode.Res;
import dev.cmk.provider.testkit.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A node with {@code storage.blobs.store: s3} on a real {@code moto_server}, configured the way an
 * operator would (environment variables), reached through a {@link TcpSwitch} so that S3 can go
 * away: content lands in the bucket as CMK envelopes, reads come back, and with S3 down a write is
 * a clear 503 {@code blob_store_unavailable} that stores nothing.
 */
class S3BlobsIT {
  @TempDir static Path dir;
  static Moto moto;
  static TcpSwitch s3Link;
  static S3Client s3;
  static String bucket;
  static TestNode n;
  static String account;
  static String mailer;

  @BeforeAll
  static void start() throws Exception {
    moto = Moto.start();
    s3 =
        S3Client.builder()
            .endpointOverride(URI.create(moto.endpoint()))
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
    bucket = "cmk-e2e-" + Long.toHexString(System.nanoTime());
    s3.createBucket(b -> b.bucket(bucket));
    s3Link = new TcpSwitch(moto.port);
    n = new TestNode(config(dir.resolve("node"), s3Link.endpoint(), bucket));
    String[] tenant = tenant(n);
    account = tenant[0];
    mailer = tenant[1];
  }

  /** An account on {@code node} with a local key and a licensed user: {account, mail token}. */
  static String[] tenant(TestNode node) throws Exception {
    node.node.localProvider().orElseThrow().createKey("acme");
    String acct = node.createAccount("Acme");
    String admin = node.adminToken(acct);
    String token = node.serviceToken(acct, List.of("mail"));
    String key = "{\"provider\":\"local\",\"keyId\":\"acme\"}";
    assertThat(node.send(admin, "PUT", "/v1/accounts/" + acct + "/key", key).status())
        .isEqualTo(201);
    String license = "{\"cmkLicensed\":true}";
    assertThat(
            node.send(admin, "PUT", "/v1/accounts/" + acct + "/users/alice/license", license)
                .status())
        .isEqualTo(200);
    return new String[] {acct, token};
  }

  /** An embedded node whose blobs go to {@code bucket} at {@code endpoint}, set by environment. */
  static CmkConfig config(Path nodeDir, String endpoint, String bucket) {
    return config(nodeDir, endpoint, bucket, Map.of());
  }

  /** The same, with {@code overrides} on top. */
  static CmkConfig config(
      Path nodeDir, String endpoint, String bucket, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("CMK_SERVER_PORT", "0");
    env.put("CMK_STORAGE_DATA_DIR", nodeDir.toString());
    env.put("CMK_LOCAL_KEYSTORE", nodeDir.resolve("local-keys.p12").toString());
    env.put("CMK_MAX_CONTENT_BYTES", "1048576");
    env.put("CMK_STORAGE_BLOBS_STORE", "s3");
    env.put("CMK_STORAGE_BLOBS_S3_BUCKET", bucket);
    env.put("CMK_STORAGE_BLOBS_S3_PREFIX", "e2e");
    env.put("CMK_STORAGE_BLOBS_S3_ENDPOINT", endpoint);
    env.put("CMK_STORAGE_BLOBS_S3_ACCESS_KEY_ID", "test");
    env.put("CMK_STORAGE_BLOBS_S3_SECRET_ACCESS_KEY", "test");
    env.put("CMK_STORAGE_BLOBS_S3_CALL_TIMEOUT", "PT5S");
    env.put("CMK_STORAGE_BLOBS_S3_MAX_ATTEMPTS", "2");
    env.putAll(overrides);
    return ConfigLoader.load(Optional.empty(), env);
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {n, s3Link, s3, moto}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static Res content(String method, String objectId, String body) throws Exception {
    return content(n, new String[] {account, mailer}, method, objectId, body);
  }

  static Res content(TestNode node, String[] tenant, String method, String objectId, String body)
      throws Exception {
    String path = "/v1/accounts/" + tenant[0] + "/content/mail/" + objectId;
    return node.send(tenant[1], method, path, Map.of("X-CMK-User", "alice"), body);
  }

  static List<String> objectKeys() {
    return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
  }

  @Test
  void contentLandsInTheBucketAsAnEnvelopeAndReadsBack() throws Exception {
    String secret = "the quarterly numbers are up 42 percent";
    assertThat(content("PUT", "m-1", secret).status()).isEqualTo(201);

    String objectKey = "e2e/" + account + "/m-1";
    assertThat(objectKeys()).contains(objectKey);
    byte[] stored = s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey)).asByteArray();
    assertThat(new String(stored, 0, 3, StandardCharsets.US_ASCII))
        .as("a CMK envelope (FORMAT.md magic)")
        .isEqualTo("CMK");
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("quarterly");

    Res read = content("GET", "m-1", null);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.body()).isEqualTo(secret);
  }

  @Test
  void withS3DownAWriteIsAClear503AndNothingIsStored() throws Exception {
    assertThat(content("PUT", "m-before", "written while S3 is up").status()).isEqualTo(201);
    s3Link.off();
    try {
      long t0 = System.nanoTime();
      Res w = content("PUT", "m-down", "written while S3 is down");
      // a measurement, not a bound (a busy machine stretches it): the answer is what is checked
      System.out.printf(
          "S3BlobsIT: write with S3 down answered in %d ms%n",
          Duration.ofNanos(System.nanoTime() - t0).toMillis());
      assertThat(w.status()).isEqualTo(503);
      assertThat(w.code()).isEqualTo("blob_store_unavailable");
      assertThat(w.json().get("error").get("message").asText()).contains("not stored");
      assertThat(w.raw().headers().firstValue("Retry-After")).isPresent();
      assertThat(w.body()).doesNotContain("software.amazon", "Exception", bucket, "test");

      Res r = content("GET", "m-before", null);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.code()).isEqualTo("blob_store_unavailable");
    } finally {
      s3Link.on();
    }
    assertThat(content("GET", "m-down", null).code()).isEqualTo("object_not_found");
    assertThat(objectKeys()).noneMatch(k -> k.endsWith("/m-down"));
    assertThat(content("GET", "m-before", null).body()).isEqualTo("written while S3 is up");
    assertThat(content("PUT", "m-down", "written when S3 is back").status()).isEqualTo(201);
  }

  /**
   * S3 stops answering (connections accepted, never served): each write waits for the SDK's call
   * timeout until a run of such failures opens the blob breaker; from then on a write is the same
   * 503 at once, reaches no S3 connection and stores nothing; once S3 is back and the breaker's
   * open time is over, a write goes through again.
   */
  @Test
  void afterARunOfTimeoutsTheBreakerFailsWritesFastAndClosesWhenS3IsBack() throws Exception {
    var clock = new MutableClock(Instant.now());
    try (TcpSwitch link = new TcpSwitch(moto.port)) {
      Map<String, String> env = new HashMap<>();
      env.put("CMK_STORAGE_BLOBS_S3_CALL_TIMEOUT", "PT2S");
      env.put("CMK_STORAGE_BLOBS_S3_MAX_ATTEMPTS", "1");
      env.put("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_WINDOW", "2");
      env.put("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_MINIMUM_CALLS", "2");
      env.put("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_FAILURE_RATE_PERCENT", "100");
      env.put("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_HALF_OPEN_CALLS", "1");
      env.put("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_OPEN_FOR", "PT1M");
      CmkConfig cfg = config(dir.resolve("breaker"), link.endpoint(), bucket, env);
      try (TestNode node = new TestNode(cfg, clock)) {
        String[] tenant = tenant(node);
        assertThat(content(node, tenant, "PUT", "b-up", "before").status()).isEqualTo(201);
        link.hang();
        for (int i = 0; i < 2; i++) {
          Res slow = content(node, tenant, "PUT", "b-slow-" + i, "while S3 hangs");
          assertThat(slow.code()).isEqualTo("blob_store_unavailable");
        }
        assertThat(metrics(node)).contains("cmk_blob_breaker_state 2.0");

        long t0 = System.nanoTime();
        Res fast = content(node, tenant, "PUT", "b-fast", "while the breaker is open");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(fast.status()).isEqualTo(503);
        assertThat(fast.code()).isEqualTo("blob_store_unavailable");
        assertThat(fast.raw().headers().firstValue("Retry-After")).isPresent();
        // the breaker's fast answer is shown by the metric below (rejected, no call made); the
        // time is printed, not bounded: a busy machine stretches it
        System.out.printf(
            "S3BlobsIT: write with the breaker open answered in %d ms (S3 timeout 2 s)%n",
            took.toMillis());
        assertThat(metrics(node))
            .containsPattern(
                "cmk_blob_calls_total\\{operation=\"put\",outcome=\"rejected_by_breaker\"\\} 1\\.0")
            .containsPattern(
                "cmk_blob_calls_total\\{operation=\"put\",outcome=\"unavailable\"\\} 2\\.0");

        link.on();
        clock.advance(Duration.ofMinutes(2));
        assertThat(content(node, tenant, "PUT", "b-back", "after").status()).isEqualTo(201);
        assertThat(metrics(node)).contains("cmk_blob_breaker_state 0.0");
      }
    }
    assertThat(objectKeys())
        .anyMatch(k -> k.endsWith("/b-back"))
        .noneMatch(k -> k.endsWith("/b-fast"));
  }

  static String metrics(TestNode node) throws Exception {
    return node.send(null, "GET", "/metrics", null).body();
  }

  @Test
  void aBucketThatIsNotThereStopsTheStartNamingTheKey() {
    CmkConfig cfg = config(dir.resolve("other"), moto.endpoint(), "no-such-cmk-bucket");
    assertThatThrownBy(() -> new CmkNode(cfg, Clock.systemUTC()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("storage.blobs.s3.bucket")
        .hasMessageContaining("no-such-cmk-bucket")
        .hasMessageContaining("404");
  }
}
