package dev.cmk.app;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.aws.AwsCredentials;
import dev.cmk.provider.aws.AwsKmsConfig;
import dev.cmk.provider.aws.AwsKmsProvider;
import dev.cmk.provider.azure.AzureConfig;
import dev.cmk.provider.azure.AzureKeyVaultProvider;
import dev.cmk.provider.oci.OciConfig;
import dev.cmk.provider.oci.OciKeyProvider;
import dev.cmk.provider.pkcs11.Pkcs11Config;
import dev.cmk.provider.pkcs11.Pkcs11KeyProvider;
import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.provider.resilience.Sleeper;
import dev.cmk.service.kek.CountingKeyProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;

/**
 * The provider half of the composition root: turns the configuration's provider sections into
 * {@link KeyProvider}s, each wrapped as resilience(counting(real provider)) so that the call metric
 * counts every attempt that reaches the KMS.
 */
@NullMarked
final class ProviderWiring {
  private ProviderWiring() {}

  static List<KeyProvider> cloudProviders(
      CmkConfig.Providers cfg,
      CmkConfig.Principals principals,
      Clock clock,
      SecureRandom random,
      MeterRegistry metrics,
      KeyServingListener listener) {
    List<KeyProvider> raw = new ArrayList<>();
    if (cfg.aws().enabled()) {
      // failover across a key's regions, and its serving report, live in ResilientKeyProvider
      raw.add(new AwsKmsProvider(aws(cfg.aws(), principals), KeyServingListener.none(), clock));
    }
    if (cfg.azure().enabled()) {
      AzureConfig azure = azure(cfg.azure());
      raw.add(
          AzureKeyVaultProvider.create(
              cfg.allowLoopbackEndpoints() ? azure.withLoopbackEndpoints() : azure, random));
    }
    if (cfg.oci().enabled()) {
      var o = cfg.oci();
      OciConfig oci =
          OciConfig.of(
              o.tenancyOcid(),
              o.userOcid(),
              o.fingerprint(),
              Objects.requireNonNull(o.privateKeyPem(), "oci.privateKeyPem must be set"));
      raw.add(new OciKeyProvider(cfg.allowLoopbackEndpoints() ? oci.withLoopbackEndpoints() : oci));
    }
    if (cfg.pkcs11().enabled()) {
      raw.add(new Pkcs11KeyProvider(pkcs11(cfg.pkcs11()), random));
    }
    var r = cfg.resilience();
    ResiliencePolicy d = ResiliencePolicy.defaults();
    ResiliencePolicy policy =
        new ResiliencePolicy(
            r.callTimeout(),
            r.maxAttempts(),
            d.baseBackoff(),
            d.maxBackoff(),
            d.breakerWindow(),
            d.breakerMinimumCalls(),
            d.breakerFailureRatePercent(),
            d.breakerOpenFor(),
            d.breakerHalfOpenCalls(),
            r.maxConcurrentPerKey());
    return raw.stream()
        .map(
            p ->
                (KeyProvider)
                    new ResilientKeyProvider(
                        new CountingKeyProvider(p, metrics),
                        policy,
                        clock,
                        Sleeper.system(),
                        random,
                        listener,
                        retryCounter(p.kind(), metrics)))
        .toList();
  }

  /**
   * Counts every retry of a provider call as {@code cmk.provider.retries{provider, reason}}:
   * throttling shows as {@code reason="throttled"}.
   */
  private static ResilientKeyProvider.RetryListener retryCounter(
      String kind, MeterRegistry metrics) {
    return (target, reason) ->
        Counter.builder("cmk.provider.retries")
            .description("Provider calls retried after an unavailable answer, by reason")
            .tag("provider", kind)
            .tag("reason", reason.name().toLowerCase(Locale.ROOT))
            .register(metrics)
            .increment();
  }

  private static AwsKmsConfig aws(CmkConfig.Aws a, CmkConfig.Principals principals) {
    AwsCredentials creds =
        !a.accessKeyId().isEmpty()
            ? new AwsCredentials.StaticKeys(a.accessKeyId(), a.secretAccessKey())
            : !a.profile().isEmpty()
                ? new AwsCredentials.Profile(a.profile())
                : new AwsCredentials.DefaultChain();
    AwsKmsConfig base =
        AwsKmsConfig.defaults(principals.awsPlatformPrincipalArn()).withCredentials(creds);
    AwsKmsConfig withEndpoint =
        a.endpointOverride().isEmpty() ? base : base.withEndpoint(URI.create(a.endpointOverride()));
    return new AwsKmsConfig(
        withEndpoint.endpointOverride(),
        a.defaultRegion(),
        creds,
        withEndpoint.connectTimeout(),
        a.callTimeout(),
        principals.awsPlatformPrincipalArn(),
        Optional.of(principals.awsSearchPrincipalArn()),
        withEndpoint.primaryRetryAfter(),
        a.regionEndpointMap());
  }

  private static AzureConfig azure(CmkConfig.Azure a) {
    AzureConfig.SecretSource secret =
        !a.clientSecretFile().isEmpty()
            ? new AzureConfig.SecretSource.FromFile(Path.of(a.clientSecretFile()))
            : new AzureConfig.SecretSource.FromEnv(
                a.clientSecretEnv().isEmpty() ? "CMK_AZURE_CLIENT_SECRET" : a.clientSecretEnv());
    return AzureConfig.of(a.tenantId(), a.clientId(), secret);
  }

  private static Pkcs11Config pkcs11(CmkConfig.Pkcs11 p) {
    Pkcs11Config.PinSource pin =
        !p.pinFile().isEmpty()
            ? new Pkcs11Config.PinSource.FromFile(Path.of(p.pinFile()))
            : new Pkcs11Config.PinSource.FromEnv(
                p.pinEnv().isEmpty() ? "CMK_PKCS11_PIN" : p.pinEnv());
    return new Pkcs11Config(
        Objects.requireNonNull(p.library(), "pkcs11.library must be set"),
        new Pkcs11Config.TokenSelector.ByLabel(p.tokenLabel()),
        pin);
  }
}
