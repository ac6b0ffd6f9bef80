package dev.cmk.app;

import dev.cmk.blob.s3.S3BlobConfig;
import dev.cmk.blob.s3.S3BlobStore;
import dev.cmk.blob.s3.S3Credentials;
import dev.cmk.service.blob.BlobResilience;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.blob.BlobStoreException;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.blob.ResilientBlobStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;
import org.slf4j.LoggerFactory;

/**
 * The blob half of the composition root: {@code storage.blobs} to a {@link BlobStore}. An S3 store
 * proves its bucket usable before the node starts, so a wrong bucket, region or permission fails
 * start-up with the key to fix instead of the first write.
 */
@NullMarked
final class BlobWiring {
  private BlobWiring() {}

  /**
   * The configured store behind its circuit breaker and bulkhead ({@link ResilientBlobStore}), on
   * {@code clock}, reporting to {@code metrics}.
   */
  static BlobStore blobStore(CmkConfig.Storage storage, Clock clock, MeterRegistry metrics) {
    BlobResilience policy = storage.blobs().resilience().toPolicy();
    return new ResilientBlobStore(store(storage), policy, clock, metrics);
  }

  private static BlobStore store(CmkConfig.Storage storage) {
    var blobs = storage.blobs();
    if (!"s3".equals(blobs.store())) {
      var dir = storage.dataDir().resolve("blobs");
      LoggerFactory.getLogger(BlobWiring.class).info("content blobs in directory {}", dir);
      return new DirectoryBlobStore(dir);
    }
    S3BlobStore s3 = new S3BlobStore(s3Config(blobs.s3()));
    try {
      s3.checkBucket();
    } catch (BlobStoreException e) {
      s3.close();
      throw new IllegalStateException(
          "invalid configuration: storage.blobs.s3.bucket: "
              + e.getMessage()
              + "; check storage.blobs.s3.bucket, .region, .endpoint and that this node's"
              + " credentials may s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject"
              + " on it",
          e);
    }
    LoggerFactory.getLogger(BlobWiring.class).info("content blobs in {}", s3);
    return s3;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static S3BlobConfig s3Config(CmkConfig.S3 c) {
    S3Credentials credentials;
    if (!c.accessKeyId().isEmpty()) {
      credentials = new S3Credentials.StaticKeys(c.accessKeyId(), c.secretAccessKey());
    } else if (!c.profile().isEmpty()) {
      credentials = new S3Credentials.Profile(c.profile());
    } else {
      credentials = new S3Credentials.DefaultChain();
    }
    try {
      return new S3BlobConfig(
          c.bucket(),
          c.prefix(),
          c.region(),
          c.endpoint().isEmpty() ? Optional.empty() : Optional.of(URI.create(c.endpoint())),
          credentials,
          S3BlobConfig.Sse.of(c.serverSideEncryption()),
          c.sseKmsKeyId(),
          min(Duration.ofSeconds(5), c.callTimeout()), // connect: a down endpoint fails fast
          c.callTimeout(),
          c.maxAttempts());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid configuration: storage.blobs.s3: " + e.getMessage(), e);
    }
  }
}
