package dev.cmk.provider.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Operator configuration of the AWS KMS provider.
 *
 * @param endpointOverride a fixed KMS endpoint for every region (a VPC endpoint, or an emulator in
 *     tests); empty to use each region's public endpoint
 * @param defaultRegion the region for calls that name none, and the default data residency
 * @param credentials how the platform principal authenticates
 * @param connectTimeout TCP connect timeout of the HTTP client
 * @param callTimeout limit for one KMS call (the SDK's API-call timeout); the resilience layer adds
 *     its own deadline and retries, so the SDK itself does not retry
 * @param platformPrincipalArn the IAM principal CMK calls KMS as; printed into the key-policy
 *     template
 * @param searchPrincipalArn the IAM principal of the search service, the grantee of search grants
 * @param primaryRetryAfter after the primary region of a multi-region key failed, how long replicas
 *     serve before the primary is tried again (only when this provider is used without {@code
 *     ResilientKeyProvider}, which fails over per (key, region) itself)
 * @param regionEndpoints a KMS endpoint per region (VPC endpoints, or a fault proxy in drills);
 *     regions not named use {@code endpointOverride} or the public endpoint
 */
public record AwsKmsConfig(
    Optional<URI> endpointOverride,
    String defaultRegion,
    AwsCredentials credentials,
    Duration connectTimeout,
    Duration callTimeout,
    String platformPrincipalArn,
    Optional<String> searchPrincipalArn,
    Duration primaryRetryAfter,
    Map<String, URI> regionEndpoints) {

  public static final String DEFAULT_REGION = "us-east-1";

  /** Without per-region endpoints. */
  public AwsKmsConfig(
      Optional<URI> endpointOverride,
      String defaultRegion,
      AwsCredentials credentials,
      Duration connectTimeout,
      Duration callTimeout,
      String platformPrincipalArn,
      Optional<String> searchPrincipalArn,
      Duration primaryRetryAfter) {
    this(
        endpointOverride,
        defaultRegion,
        credentials,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        searchPrincipalArn,
        primaryRetryAfter,
        Map.of());
  }

  /** The endpoint calls to {@code region} go to, if not the region's public one. */
  public Optional<URI> endpointFor(String region) {
    URI r = regionEndpoints.get(region);
    return r != null ? Optional.of(r) : endpointOverride;
  }

  public AwsKmsConfig withRegionEndpoints(Map<String, URI> endpoints) {
    return new AwsKmsConfig(
        endpointOverride,
        defaultRegion,
        credentials,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        searchPrincipalArn,
        primaryRetryAfter,
        endpoints);
  }

  public AwsKmsConfig {
    regionEndpoints = Map.copyOf(regionEndpoints);
    if (defaultRegion.isBlank()) {
      throw new IllegalArgumentException("aws.defaultRegion must not be blank");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("aws.connectTimeout must be positive");
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("aws.callTimeout must be positive");
    }
    if (primaryRetryAfter.isNegative()) {
      throw new IllegalArgumentException("aws.primaryRetryAfter must not be negative");
    }
  }

  /**
   * Defaults for production: public endpoints in us-east-1, the default credentials chain, 2 s
   * connect, 5 s per call, primary retried 30 s after it failed.
   */
  public static AwsKmsConfig defaults(String platformPrincipalArn) {
    return new AwsKmsConfig(
        Optional.empty(),
        DEFAULT_REGION,
        AwsCredentials.defaultChain(),
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        platformPrincipalArn,
        Optional.empty(),
        Duration.ofSeconds(30));
  }

  public AwsKmsConfig withEndpoint(URI endpoint) {
    return new AwsKmsConfig(
        Optional.of(endpoint),
        defaultRegion,
        credentials,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        searchPrincipalArn,
        primaryRetryAfter,
        regionEndpoints);
  }

  public AwsKmsConfig withCredentials(AwsCredentials creds) {
    return new AwsKmsConfig(
        endpointOverride,
        defaultRegion,
        creds,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        searchPrincipalArn,
        primaryRetryAfter,
        regionEndpoints);
  }

  public AwsKmsConfig withSearchPrincipal(String arn) {
    return new AwsKmsConfig(
        endpointOverride,
        defaultRegion,
        credentials,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        Optional.of(arn),
        primaryRetryAfter,
        regionEndpoints);
  }

  public AwsKmsConfig withTimeouts(Duration connect, Duration call) {
    return new AwsKmsConfig(
        endpointOverride,
        defaultRegion,
        credentials,
        connect,
        call,
        platformPrincipalArn,
        searchPrincipalArn,
        primaryRetryAfter,
        regionEndpoints);
  }

  public AwsKmsConfig withPrimaryRetryAfter(Duration d) {
    return new AwsKmsConfig(
        endpointOverride,
        defaultRegion,
        credentials,
        connectTimeout,
        callTimeout,
        platformPrincipalArn,
        searchPrincipalArn,
        d,
        regionEndpoints);
  }
}
