package dev.cmk.provider.oci;

import com.oracle.bmc.ClientConfiguration;
import com.oracle.bmc.auth.SimpleAuthenticationDetailsProvider;
import com.oracle.bmc.keymanagement.KmsCryptoClient;
import com.oracle.bmc.keymanagement.KmsManagementClient;
import com.oracle.bmc.retrier.RetryConfiguration;
import com.oracle.bmc.util.CircuitBreakerUtils;
import java.net.URI;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * OCI SDK clients, one per vault endpoint, built on first use (building the first OCI client takes
 * seconds) and closed with the provider.
 *
 * <p>Every client is built without the SDK's retries and without its circuit breaker: the SDK's
 * breaker is compiled against resilience4j 1.x and fails at run time next to the 2.x the service
 * uses, and CMK puts its own timeouts, retries and breaker around every provider call.
 */
final class OciClients implements AutoCloseable {
  private final OciConfig config;
  private final ConcurrentMap<URI, KmsCryptoClient> crypto = new ConcurrentHashMap<>();
  private final ConcurrentMap<URI, KmsManagementClient> management = new ConcurrentHashMap<>();
  private @Nullable SimpleAuthenticationDetailsProvider auth;

  OciClients(OciConfig config) {
    this.config = config;
  }

  KmsCryptoClient crypto(URI endpoint) {
    return crypto.computeIfAbsent(
        endpoint,
        e ->
            KmsCryptoClient.builder()
                .configuration(clientConfiguration())
                .endpoint(e.toString())
                .build(auth()));
  }

  KmsManagementClient management(URI endpoint) {
    return management.computeIfAbsent(
        endpoint,
        e ->
            KmsManagementClient.builder()
                .configuration(clientConfiguration())
                .endpoint(e.toString())
                .build(auth()));
  }

  private ClientConfiguration clientConfiguration() {
    return ClientConfiguration.builder()
        .connectionTimeoutMillis(Math.toIntExact(config.connectTimeout().toMillis()))
        .readTimeoutMillis(Math.toIntExact(config.readTimeout().toMillis()))
        .retryConfiguration(RetryConfiguration.NO_RETRY_CONFIGURATION)
        .circuitBreakerConfiguration(CircuitBreakerUtils.getNoCircuitBreakerConfiguration())
        .build();
  }

  private synchronized SimpleAuthenticationDetailsProvider auth() {
    if (auth == null) {
      ApiKeyFile.check(config.privateKeyPem());
      auth =
          SimpleAuthenticationDetailsProvider.builder()
              .tenantId(config.tenancyOcid())
              .userId(config.userOcid())
              .fingerprint(config.fingerprint())
              .privateKeySupplier(() -> ApiKeyFile.open(config.privateKeyPem()))
              .build();
    }
    return auth;
  }

  @Override
  public void close() {
    crypto.values().forEach(KmsCryptoClient::close);
    management.values().forEach(KmsManagementClient::close);
    crypto.clear();
    management.clear();
  }
}
