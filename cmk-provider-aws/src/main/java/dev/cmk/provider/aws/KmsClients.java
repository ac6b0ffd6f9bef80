package dev.cmk.provider.aws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

/**
 * One SDK client per region, built on first use (a deployment may see keys in a handful of regions;
 * building a client costs time and memory, so only the regions in use get one).
 *
 * <p>The SDK does not retry: retries, backoff and the breaker live in the resilience layer, so that
 * one policy decides how often KMS is called.
 */
final class KmsClients implements AutoCloseable {
  private final AwsKmsConfig config;
  private final Function<String, KmsClient> factory;
  private final Map<String, KmsClient> byRegion = new ConcurrentHashMap<>();

  /** Real SDK clients. */
  KmsClients(AwsKmsConfig config) {
    this.config = config;
    AwsCredentialsProvider credentials = credentialsProvider(config.credentials());
    this.factory = region -> build(region, credentials);
  }

  /** Clients from {@code factory}: a fake of the SDK in unit tests. */
  KmsClients(AwsKmsConfig config, Function<String, KmsClient> factory) {
    this.config = config;
    this.factory = factory;
  }

  KmsClient forRegion(String region) {
    return byRegion.computeIfAbsent(region, factory);
  }

  private KmsClient build(String region, AwsCredentialsProvider credentials) {
    KmsClientBuilder b =
        KmsClient.builder()
            .region(Region.of(region))
            .credentialsProvider(credentials)
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(config.connectTimeout())
                    .socketTimeout(config.callTimeout()))
            .overrideConfiguration(
                o ->
                    o.apiCallTimeout(config.callTimeout())
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
    config.endpointFor(region).ifPresent(b::endpointOverride);
    return b.build();
  }

  private static AwsCredentialsProvider credentialsProvider(AwsCredentials c) {
    if (c instanceof AwsCredentials.StaticKeys k) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(k.accessKeyId(), k.secretAccessKey()));
    }
    if (c instanceof AwsCredentials.Profile p) {
      return ProfileCredentialsProvider.builder().profileName(p.name()).build();
    }
    return DefaultCredentialsProvider.builder().build();
  }

  @Override
  public void close() {
    byRegion.values().forEach(KmsClient::close);
    byRegion.clear();
  }
}
