package dev.cmk.provider.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Azure SDK clients, built on first use and kept: one {@link KeyClient} per vault, one {@link
 * CryptographyClient} per key identifier (name and version).
 *
 * <p>All share one JDK-HTTP-client-based pipeline transport (no Netty). The SDK's retries are off,
 * here and in the sign-in credential: CMK's resilience decorator retries, and an SDK retry honours
 * {@code Retry-After} (a throttled vault or identity platform would hold the caller for a minute or
 * more). A failed call therefore takes at most the connect plus the read timeout. Cryptography
 * clients are built with {@code disableKeyCaching()} so every wrap runs in the vault, never locally
 * with a cached public key: each use then shows in the customer's Key Vault logs, and disabling the
 * key stops wraps at once.
 */
final class AzureClients {
  static final RetryOptions NO_RETRIES =
      new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1)));

  /**
   * HTTP logging off regardless of {@code AZURE_HTTP_LOG_DETAIL_LEVEL}: at BODY level the SDK would
   * log wrapkey requests and unwrapkey responses, which carry key material, and token requests and
   * responses, which carry the client secret and access tokens.
   */
  static HttpLogOptions noHttpLogging() {
    return new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE);
  }

  private final TokenCredential credential;
  private final HttpClient http;
  private final ConcurrentMap<URI, KeyClient> keys = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, CryptographyClient> crypto = new ConcurrentHashMap<>();

  AzureClients(TokenCredential credential, HttpClient http) {
    this.credential = credential;
    this.http = http;
  }

  /** The transport: the JDK HTTP client with these timeouts, and this TLS context if given. */
  static HttpClient httpClient(Duration connect, Duration read, @Nullable SSLContext tls) {
    java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder();
    if (tls != null) {
      jdk.sslContext(tls);
    }
    return new JdkHttpClientBuilder(jdk)
        .connectionTimeout(connect)
        .responseTimeout(read)
        .readTimeout(read)
        .build();
  }

  KeyClient keys(AzureKeyId id) {
    return keys.computeIfAbsent(id.vault(), vault -> keyClient(id));
  }

  CryptographyClient crypto(AzureKeyId id, String identifier) {
    return crypto.computeIfAbsent(identifier, kid -> cryptoClient(id, kid));
  }

  private KeyClient keyClient(AzureKeyId id) {
    KeyClientBuilder b =
        new KeyClientBuilder()
            .vaultUrl(id.vault().toString())
            .credential(credential)
            .httpClient(http)
            .httpLogOptions(noHttpLogging())
            .retryOptions(NO_RETRIES);
    if (id.kind() == AzureKeyId.Kind.LOOPBACK) {
      b.disableChallengeResourceVerification();
    }
    return b.buildClient();
  }

  private CryptographyClient cryptoClient(AzureKeyId id, String identifier) {
    CryptographyClientBuilder b =
        new CryptographyClientBuilder()
            .keyIdentifier(identifier)
            .credential(credential)
            .httpClient(http)
            .httpLogOptions(noHttpLogging())
            .retryOptions(NO_RETRIES)
            .disableKeyCaching();
    if (id.kind() == AzureKeyId.Kind.LOOPBACK) {
      b.disableChallengeResourceVerification();
    }
    return b.buildClient();
  }
}
