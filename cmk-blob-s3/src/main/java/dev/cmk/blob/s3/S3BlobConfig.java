package dev.cmk.blob.s3;

import dev.cmk.service.blob.BlobKeys;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how the S3 store keeps blobs.
 *
 * @param bucket the bucket (must exist; the node checks it at start-up)
 * @param prefix key prefix below which every blob lives, e.g. {@code cmk/prod}; empty for none
 * @param region the bucket's region
 * @param endpoint an endpoint override (a VPC endpoint, or moto in tests); turns on path-style
 *     addressing ({@code http://host/bucket/key}), which S3-compatible servers expect
 * @param credentials the node's identity
 * @param sse server-side encryption requested on every put (the content is already encrypted by
 *     CMK; this is defence in depth and lets a bucket policy insist on it)
 * @param sseKmsKeyId with {@link Sse#AWS_KMS}: the KMS key; empty for the bucket's default key
 * @param connectTimeout TCP connect timeout
 * @param callTimeout the whole call including retries
 * @param maxAttempts attempts per call (1 = no retry); the SDK backs off with jitter in between
 */
public record S3BlobConfig(
    String bucket,
    String prefix,
    String region,
    Optional<URI> endpoint,
    S3Credentials credentials,
    Sse sse,
    String sseKmsKeyId,
    Duration connectTimeout,
    Duration callTimeout,
    int maxAttempts) {
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

  /** Server-side encryption on put. */
  public enum Sse {
    NONE("none"),
    AES256("AES256"),
    AWS_KMS("aws:kms");

    private final String value;

    Sse(String value) {
      this.value = value;
    }

    /** As configured and as S3 names it: {@code none}, {@code AES256}, {@code aws:kms}. */
    public String value() {
      return value;
    }

    /** The setting for {@code value}, or an error listing the accepted ones. */
    public static Sse of(String value) {
      for (Sse s : values()) {
        if (s.value.equals(value)) {
          return s;
        }
      }
      throw new IllegalArgumentException("must be none, AES256 or aws:kms, not '" + value + "'");
    }
  }

  public S3BlobConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(sse, "sse");
    if (bucket == null || !BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException(
          "bucket must be an S3 bucket name (3-63 of a-z 0-9 . -), not '" + bucket + "'");
    }
    prefix = prefix == null ? "" : stripSlashes(prefix);
    if (!prefix.isEmpty()) {
      try {
        BlobKeys.require(prefix);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "prefix must be segments of A-Z a-z 0-9 . _ - joined by /, not '" + prefix + "'", e);
      }
    }
    if (region == null || !region.matches("[a-z0-9-]{2,32}")) {
      throw new IllegalArgumentException("region must be an AWS region, not '" + region + "'");
    }
    sseKmsKeyId = sseKmsKeyId == null ? "" : sseKmsKeyId;
    if (!sseKmsKeyId.isEmpty() && sse != Sse.AWS_KMS) {
      throw new IllegalArgumentException("a KMS key for SSE needs sse aws:kms");
    }
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(callTimeout, "callTimeout");
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("maxAttempts must be 1..10");
    }
  }

  /** Defaults for everything but the place: default credentials, no SSE, 5 s / 30 s, 3 tries. */
  public static S3BlobConfig of(String bucket, String prefix, String region) {
    return new S3BlobConfig(
        bucket,
        prefix,
        region,
        Optional.empty(),
        new S3Credentials.DefaultChain(),
        Sse.NONE,
        "",
        Duration.ofSeconds(5),
        Duration.ofSeconds(30),
        3);
  }

  /** This configuration with {@code endpoint} and static keys: for moto and other emulators. */
  public S3BlobConfig withEmulator(URI endpoint, String accessKeyId, String secretAccessKey) {
    return new S3BlobConfig(
        bucket,
        prefix,
        region,
        Optional.of(endpoint),
        new S3Credentials.StaticKeys(accessKeyId, secretAccessKey),
        sse,
        sseKmsKeyId,
        connectTimeout,
        callTimeout,
        maxAttempts);
  }

  /** The S3 key of blob {@code key}. */
  public String objectKey(String key) {
    return prefix.isEmpty() ? key : prefix + "/" + key;
  }

  /** {@code s3://bucket/prefix}, for messages. */
  String location() {
    return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  private static String stripSlashes(String p) {
    String s = p;
    while (s.startsWith("/")) {
      s = s.substring(1);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }
}
