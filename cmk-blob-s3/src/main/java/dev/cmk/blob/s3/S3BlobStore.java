package dev.cmk.blob.s3;

import dev.cmk.service.blob.BlobKeys;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.blob.BlobStoreException;
import dev.cmk.service.blob.BlobStoreException.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Blobs as objects in one S3 bucket below an optional key prefix: {@code put} is one PutObject (S3
 * replaces an object whole, so a reader never sees a partial blob), {@code get} one GetObject,
 * {@code delete} one DeleteObject.
 *
 * <p>Each call is bounded: connect timeout, a whole-call timeout, and the SDK's standard retries
 * (jittered backoff, throttling-aware) up to {@code maxAttempts}. Failures come out as {@link
 * dev.cmk.service.blob.BlobStoreUnavailableException} or {@link
 * dev.cmk.service.blob.BlobStoreAccessDeniedException}; no SDK type leaves this module.
 *
 * <p><b>Security:</b> the service encrypts before it puts, so S3 holds CMK envelopes only; SSE on
 * top is optional. Credentials come from the SDK's default chain unless configured otherwise.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  private final S3BlobConfig config;
  private final S3Client s3;

  /** A store on a real SDK client built from {@code config}. */
  public S3BlobStore(S3BlobConfig config) {
    this(config, client(config));
  }

  /** A store on {@code s3} (tests hand in a client of their own). */
  S3BlobStore(S3BlobConfig config, S3Client s3) {
    this.config = config;
    this.s3 = s3;
  }

  /**
   * Proves the bucket exists and this node may use it (HeadBucket).
   *
   * @throws BlobStoreException with a message that names the bucket and S3's answer
   */
  public void checkBucket() {
    try {
      s3.headBucket(b -> b.bucket(config.bucket()));
    } catch (SdkException e) {
      throw S3Errors.classify(
          Operation.CHECK,
          "bucket " + config.bucket() + " in " + config.region() + " is not usable",
          e);
    }
  }

  @Override
  public void put(String key, byte[] envelope) {
    String objectKey = config.objectKey(BlobKeys.require(key));
    PutObjectRequest.Builder req =
        PutObjectRequest.builder()
            .bucket(config.bucket())
            .key(objectKey)
            .contentType("application/octet-stream");
    switch (config.sse()) {
      case NONE -> {}
      case AES256 -> req.serverSideEncryption(ServerSideEncryption.AES256);
      case AWS_KMS -> {
        req.serverSideEncryption(ServerSideEncryption.AWS_KMS);
        if (!config.sseKmsKeyId().isEmpty()) {
          req.ssekmsKeyId(config.sseKmsKeyId());
        }
      }
    }
    try {
      s3.putObject(req.build(), RequestBody.fromBytes(envelope));
    } catch (SdkException e) {
      throw S3Errors.classify(Operation.PUT, "cannot write blob " + where(objectKey), e);
    }
  }

  /**
   * Streams the blob to S3 in 8 MiB parts of one multipart upload (one PutObject below a part), so
   * a node holds one part per upload in flight. S3 shows the object only when the upload completes;
   * a writer or S3 failure aborts the upload, leaving no object and no parts.
   */
  @Override
  public void put(String key, BlobWriter writer) {
    String objectKey = config.objectKey(BlobKeys.require(key));
    MultipartUpload upload =
        new MultipartUpload(
            s3,
            config.bucket(),
            objectKey,
            put ->
                sse(
                    put::serverSideEncryption,
                    id -> {
                      put.ssekmsKeyId(id);
                    }),
            create ->
                sse(
                    create::serverSideEncryption,
                    id -> {
                      create.ssekmsKeyId(id);
                    }));
    try {
      writer.writeTo(upload);
      upload.finish();
    } catch (IOException | RuntimeException e) {
      try {
        upload.abort();
      } catch (SdkException abort) {
        e.addSuppressed(abort);
      }
      if (e instanceof SdkException sdk) {
        throw S3Errors.classify(Operation.PUT, "cannot write blob " + where(objectKey), sdk);
      }
      if (e instanceof IOException io) {
        throw new dev.cmk.service.blob.BlobStoreUnavailableException(
            Operation.PUT, "cannot write blob " + where(objectKey) + ": " + io, io);
      }
      throw (RuntimeException) e;
    }
  }

  private void sse(
      java.util.function.Consumer<ServerSideEncryption> mode,
      java.util.function.Consumer<String> kmsKeyId) {
    switch (config.sse()) {
      case NONE -> {}
      case AES256 -> mode.accept(ServerSideEncryption.AES256);
      case AWS_KMS -> {
        mode.accept(ServerSideEncryption.AWS_KMS);
        if (!config.sseKmsKeyId().isEmpty()) {
          kmsKeyId.accept(config.sseKmsKeyId());
        }
      }
    }
  }

  /** One GetObject whose body is read as the caller reads; the caller closes it. */
  @Override
  public Optional<InputStream> open(String key) {
    String objectKey = config.objectKey(BlobKeys.require(key));
    try {
      return Optional.of(s3.getObject(b -> b.bucket(config.bucket()).key(objectKey)));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw S3Errors.classify(Operation.GET, "cannot read blob " + where(objectKey), e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    String objectKey = config.objectKey(BlobKeys.require(key));
    try {
      return Optional.of(
          s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(objectKey)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw S3Errors.classify(Operation.GET, "cannot read blob " + where(objectKey), e);
    }
  }

  @Override
  public void delete(String key) {
    String objectKey = config.objectKey(BlobKeys.require(key));
    try {
      s3.deleteObject(b -> b.bucket(config.bucket()).key(objectKey));
    } catch (SdkException e) {
      throw S3Errors.classify(Operation.DELETE, "cannot delete blob " + where(objectKey), e);
    }
  }

  /** ListObjectsV2 below the configured prefix; keys come back without it. */
  @Override
  public java.util.List<Listed> list(String prefix, String startAfter, int max) {
    String base = config.objectKey("x");
    base = base.substring(0, base.length() - 1); // "<prefix>/" or ""
    String from = base;
    try {
      var req =
          software.amazon.awssdk.services.s3.model.ListObjectsV2Request.builder()
              .bucket(config.bucket())
              .prefix(base + prefix)
              .maxKeys(Math.max(1, Math.min(max, 1000)));
      if (!startAfter.isEmpty()) {
        req.startAfter(base + startAfter);
      }
      return s3.listObjectsV2(req.build()).contents().stream()
          .map(o -> new Listed(o.key().substring(from.length()), o.lastModified()))
          .toList();
    } catch (SdkException e) {
      throw S3Errors.classify(Operation.GET, "cannot list blobs in " + config.location(), e);
    }
  }

  private String where(String objectKey) {
    return "s3://" + config.bucket() + "/" + objectKey;
  }

  /** {@code s3://bucket/prefix} in region. */
  @Override
  public String toString() {
    return "S3BlobStore[" + config.location() + " in " + config.region() + "]";
  }

  @Override
  public void close() {
    s3.close();
  }

  static S3Client client(S3BlobConfig config) {
    S3ClientBuilder b =
        S3Client.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials(config.credentials()))
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(config.connectTimeout())
                    .socketTimeout(config.callTimeout()))
            .overrideConfiguration(
                o ->
                    o.apiCallTimeout(config.callTimeout())
                        .retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.maxAttempts())
                                .build()));
    config
        .endpoint()
        .ifPresent(
            uri -> {
              b.endpointOverride(uri);
              b.forcePathStyle(true); // moto and S3-compatible servers: http://host/bucket/key
            });
    return b.build();
  }

  private static AwsCredentialsProvider credentials(S3Credentials c) {
    if (c instanceof S3Credentials.StaticKeys k) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(k.accessKeyId(), k.secretAccessKey()));
    }
    if (c instanceof S3Credentials.Profile p) {
      return ProfileCredentialsProvider.builder().profileName(p.name()).build();
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
