package dev.cmk.provider.aws;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;

/**
 * The customer's side in integration tests: creates keys, aliases, multi-region keys and replicas
 * in moto through the SDK, straight to moto (never through the fault proxy).
 */
final class MotoKms implements AutoCloseable {
  static final AwsCredentials CREDENTIALS = new AwsCredentials.StaticKeys("testing", "testing");
  static final String PLATFORM_PRINCIPAL = "arn:aws:iam::123456789012:role/cmk-platform";
  static final String SEARCH_PRINCIPAL = "arn:aws:iam::123456789012:role/cmk-search";

  private final URI endpoint;
  private final Map<String, KmsClient> clients = new ConcurrentHashMap<>();

  MotoKms(URI endpoint) {
    this.endpoint = endpoint;
  }

  KmsClient in(String region) {
    return clients.computeIfAbsent(
        region,
        r ->
            KmsClient.builder()
                .region(Region.of(r))
                .endpointOverride(endpoint)
                .credentialsProvider(
                    StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("testing", "testing")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build());
  }

  /** A symmetric encrypt/decrypt key; returns its ARN. */
  String createKey(String region, String description) {
    return in(region).createKey(r -> r.description(description)).keyMetadata().arn();
  }

  /** A multi-region primary in {@code region}; returns its ARN. */
  String createMultiRegionKey(String region) {
    KeyMetadata m = in(region).createKey(r -> r.multiRegion(true).description("mrk")).keyMetadata();
    return m.arn();
  }

  /** Replicates a multi-region key; returns the replica's ARN. (moto wants bare key ids here.) */
  String replicate(String primaryArn, String fromRegion, String toRegion) {
    return in(fromRegion)
        .replicateKey(r -> r.keyId(bareId(primaryArn)).replicaRegion(toRegion))
        .replicaKeyMetadata()
        .arn();
  }

  /** Points {@code alias/<name>} at the key; returns the alias ARN. */
  String alias(String region, String name, String keyArn) {
    in(region).createAlias(r -> r.aliasName("alias/" + name).targetKeyId(keyArn));
    return keyArn.substring(0, keyArn.indexOf(":key/")) + ":alias/" + name;
  }

  /** Disables the key (moto wants the bare key id). */
  void disable(String region, String keyArn) {
    in(region).disableKey(r -> r.keyId(bareId(keyArn)));
  }

  private static String bareId(String arn) {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  static AwsKmsConfig config(URI endpoint) {
    return AwsKmsConfig.defaults(PLATFORM_PRINCIPAL)
        .withEndpoint(endpoint)
        .withCredentials(CREDENTIALS)
        .withSearchPrincipal(SEARCH_PRINCIPAL);
  }

  @Override
  public void close() {
    clients.values().forEach(KmsClient::close);
  }
}
