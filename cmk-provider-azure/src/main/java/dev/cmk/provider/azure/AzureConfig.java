package dev.cmk.provider.azure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the platform authenticates to Azure: a Microsoft Entra application (service principal) with a
 * client secret, the principal the customer grants "Key Vault Crypto Service Encryption User" (or
 * get/wrapKey/unwrapKey access-policy rights) on the key.
 *
 * <p><b>Security:</b> the record holds where the client secret comes from (a file or an environment
 * variable), never the secret itself, so it can be printed and logged.
 *
 * @param tenantId the platform's Entra tenant (GUID)
 * @param clientId the application (client) id (GUID)
 * @param clientSecret where the client secret is read from
 * @param connectTimeout TCP connect timeout of each call
 * @param readTimeout response timeout of each call
 * @param allowLoopbackEndpoints whether key ids and the sign-in host may be this machine (the
 *     protocol stubs of tests only)
 */
public record AzureConfig(
    String tenantId,
    String clientId,
    SecretSource clientSecret,
    Duration connectTimeout,
    Duration readTimeout,
    boolean allowLoopbackEndpoints) {
  private static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  public AzureConfig {
    if (tenantId == null || !GUID.matcher(tenantId).matches()) {
      throw new IllegalArgumentException("azure.tenantId must be a GUID");
    }
    if (clientId == null || !GUID.matcher(clientId).matches()) {
      throw new IllegalArgumentException("azure.clientId must be a GUID");
    }
    Objects.requireNonNull(clientSecret, "azure.clientSecret must be set (file or env)");
    positive(connectTimeout, "azure.connectTimeout");
    positive(readTimeout, "azure.readTimeout");
  }

  /** Without loopback endpoints (the production form). */
  public AzureConfig(
      String tenantId,
      String clientId,
      SecretSource clientSecret,
      Duration connectTimeout,
      Duration readTimeout) {
    this(tenantId, clientId, clientSecret, connectTimeout, readTimeout, false);
  }

  /** This configuration with endpoints on this machine allowed: only for tests' protocol stubs. */
  public AzureConfig withLoopbackEndpoints() {
    return new AzureConfig(tenantId, clientId, clientSecret, connectTimeout, readTimeout, true);
  }

  /** With 5 s connect and 10 s read timeouts. */
  public static AzureConfig of(String tenantId, String clientId, SecretSource clientSecret) {
    return new AzureConfig(
        tenantId, clientId, clientSecret, Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static void positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration");
    }
  }

  /** Where a secret comes from. */
  public sealed interface SecretSource {
    /** A file readable only by the service's user; trailing newlines ignored. */
    record FromFile(Path file) implements SecretSource {
      public FromFile {
        Objects.requireNonNull(file, "azure.clientSecretFile");
      }
    }

    /** An environment variable of the service's process. */
    record FromEnv(String variable) implements SecretSource {
      public FromEnv {
        if (variable.isBlank()) {
          throw new IllegalArgumentException("azure.clientSecretEnv must name a variable");
        }
      }
    }
  }
}
