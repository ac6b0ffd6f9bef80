package dev.cmk.blob.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.blob.BlobStoreContract;
import dev.cmk.service.blob.BlobStoreException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The blob contract against a real {@code moto_server}'s S3, one bucket per run, plus S3 specifics.
 */
class S3BlobStoreIT extends BlobStoreContract {
  private static MotoS3 moto;
  private static String bucket;
  private static S3BlobStore store;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoS3.start();
    bucket = moto.newBucket("cmk-blobs");
    store = new S3BlobStore(moto.config(bucket, "/it/run/"));
    store.checkBucket();
  }

  @AfterAll
  static void stopMoto() {
    if (store != null) {
      store.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Override
  protected BlobStore store() {
    return store;
  }

  @Override
  protected void assertNothingLeftBehind(String key) {
    // an aborted streamed put leaves no unfinished multipart upload (S3 would bill its parts)
    assertThat(
            moto.admin
                .listMultipartUploads(b -> b.bucket(bucket).prefix("it/run/" + key))
                .uploads())
        .isEmpty();
  }

  @Test
  void objectsLiveBelowThePrefix() {
    String key = freshKey("placed");
    store.put(key, new byte[] {1, 2, 3});
    assertThat(moto.admin.listObjectsV2(b -> b.bucket(bucket).prefix("it/run/")).contents())
        .extracting(S3Object::key)
        .contains("it/run/" + key);
    assertThat(moto.admin.listObjectsV2(b -> b.bucket(bucket)).contents())
        .extracting(S3Object::key)
        .allMatch(k -> k.startsWith("it/run/"));
  }

  @Test
  void serverSideEncryptionIsRequestedWhenConfigured() {
    S3BlobConfig c = moto.config(bucket, "sse");
    S3BlobConfig sse =
        new S3BlobConfig(
            c.bucket(),
            c.prefix(),
            c.region(),
            c.endpoint(),
            c.credentials(),
            S3BlobConfig.Sse.AES256,
            "",
            c.connectTimeout(),
            c.callTimeout(),
            c.maxAttempts());
    try (S3BlobStore s = new S3BlobStore(sse)) {
      String key = freshKey("sse");
      s.put(key, new byte[] {9});
      assertThat(
              moto.admin.headObject(b -> b.bucket(bucket).key("sse/" + key)).serverSideEncryption())
          .isEqualTo(ServerSideEncryption.AES256);
      assertThat(s.get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(9));
    }
  }

  @Test
  void aMissingBucketFailsTheCheckNamingIt() {
    try (S3BlobStore s = new S3BlobStore(moto.config("no-such-bucket-here", ""))) {
      assertThatThrownBy(s::checkBucket)
          .isInstanceOf(BlobStoreException.class)
          .hasMessageContaining("no-such-bucket-here")
          .hasMessageContaining("404");
      // a missing bucket is not a missing blob
      assertThatThrownBy(() -> s.get("acct/obj")).isInstanceOf(BlobStoreException.class);
    }
  }

  @Test
  void anUnreachableEndpointIsUnavailableQuickly() throws Exception {
    int closed = MotoS3.freePort();
    S3BlobConfig c = moto.config(bucket, "");
    S3BlobConfig down =
        new S3BlobConfig(
            c.bucket(),
            c.prefix(),
            c.region(),
            Optional.of(java.net.URI.create("http://127.0.0.1:" + closed)),
            c.credentials(),
            c.sse(),
            "",
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            3);
    try (S3BlobStore s = new S3BlobStore(down)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> s.put("acct/obj", new byte[] {1}))
          .isInstanceOf(dev.cmk.service.blob.BlobStoreUnavailableException.class)
          .hasMessageContaining("acct/obj");
      System.out.printf(
          "S3BlobStoreIT: put to a closed port failed after %d ms (connect timeout 1 s, 3 tries)%n",
          Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }
  }
}
