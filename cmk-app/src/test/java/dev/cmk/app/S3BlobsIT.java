package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.app.TestNode.Res;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
    n.node.localProvider().orElseThrow().createKey("acme");
    account = n.createAccount("Acme");
    String admin = n.adminToken(account);
    mailer = n.serviceToken(account, List.of("mail"));
    String key = "{\"provider\":\"local\",\"keyId\":\"acme\"}";
    assertThat(n.send(admin, "PUT", "/v1/accounts/" + account + "/key", key).status())
        .isEqualTo(201);
    String license = "{\"cmkLicensed\":true}";
    assertThat(
            n.send(admin, "PUT", "/v1/accounts/" + account + "/users/alice/license", license)
                .status())
        .isEqualTo(200);
  }

  /** An embedded node whose blobs go to {@code bucket} at {@code endpoint}, set by environment. */
  static CmkConfig config(Path nodeDir, String endpoint, String bucket) {
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
    String path = "/v1/accounts/" + account + "/content/mail/" + objectId;
    return n.send(mailer, method, path, Map.of("X-CMK-User", "alice"), body);
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
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
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
