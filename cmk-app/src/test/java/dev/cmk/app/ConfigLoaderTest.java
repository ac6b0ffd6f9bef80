package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.blob.BlobResilience;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsNeedNoFileAndNoEnvironment() {
    CmkConfig c = ConfigLoader.load(Optional.empty(), Map.of());
    CmkConfig d = CmkConfig.defaults();
    assertThat(c.server()).isEqualTo(d.server());
    assertThat(c.keys()).isEqualTo(d.keys());
    assertThat(c.kekCache()).isEqualTo(d.kekCache());
    assertThat(c.storage().dataDir()).isEqualTo(d.storage().dataDir().toAbsolutePath());
    assertThat(c.maxContentBytes()).isEqualTo(d.maxContentBytes());
  }

  @Test
  void fileThenEnvironmentOverride() throws Exception {
    Path f = dir.resolve("cmk.yaml");
    Files.writeString(f, "server:\n  port: 9000\nkekCache:\n  ttl: PT10M\n");
    CmkConfig c =
        ConfigLoader.load(
            Optional.of(f), Map.of("CMK_SERVER_PORT", "9100", "CMK_KEK_CACHE_MAX_USES", "42"));
    assertThat(c.server().port()).isEqualTo(9100);
    assertThat(c.kekCache().ttl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.kekCache().maxUses()).isEqualTo(42);
  }

  @Test
  void aesGcmProviderIsAutoByDefaultAndNamedWhenBad() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).crypto().aesGcmProvider())
        .isEqualTo("auto");
    assertThat(
            ConfigLoader.load(Optional.empty(), Map.of("CMK_CRYPTO_AES_GCM_PROVIDER", "jdk"))
                .crypto()
                .aesGcmProvider())
        .isEqualTo("jdk");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_CRYPTO_AES_GCM_PROVIDER", "bouncycastle")))
        .hasMessageContaining("crypto.aesGcmProvider must be auto, accp or jdk");
  }

  @Test
  void auditRetentionIsOffByDefault_andBadValuesNameTheirKey() {
    CmkConfig d = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(d.audit().retention()).isEqualTo("off");
    assertThat(d.audit().parsedRetention()).isEmpty();
    assertThat(d.audit().archiveInterval()).isEqualTo(Duration.ofHours(1));
    CmkConfig c =
        ConfigLoader.load(
            Optional.empty(),
            Map.of("CMK_AUDIT_RETENTION", "P1Y", "CMK_AUDIT_ARCHIVE_INTERVAL", "PT15M"));
    assertThat(c.audit().parsedRetention().orElseThrow().spec()).isEqualTo("P1Y");
    assertThat(c.audit().archiveInterval()).isEqualTo(Duration.ofMinutes(15));
    Map<String, String> bad =
        Map.of(
            "CMK_AUDIT_RETENTION", "forever",
            "CMK_AUDIT_ARCHIVE_INTERVAL", "soon",
            "CMK_AUDIT_ARCHIVE_SEGMENT_ROWS", "0");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      String key =
          switch (e.getKey()) {
            case "CMK_AUDIT_RETENTION" -> "audit.retention";
            case "CMK_AUDIT_ARCHIVE_INTERVAL" -> "audit.archiveInterval";
            default -> "audit.archiveSegmentRows";
          };
      assertThatThrownBy(
              () -> ConfigLoader.load(Optional.empty(), Map.of(e.getKey(), e.getValue())))
          .as(e.getKey())
          .hasMessageContaining(key);
    }
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_AUDIT_RETENTION", "P0D")))
        .hasMessageContaining("audit.retention must be off or a positive ISO-8601");
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_AUDIT_ARCHIVE_INTERVAL", "PT1S")))
        .hasMessageContaining("audit.archiveInterval must be at least PT10S");
  }

  @Test
  void auditRetentionFromAFile_offUnquotedToo() throws Exception {
    Path f = dir.resolve("cmk.yaml");
    Files.writeString(f, "audit:\n  retention: off\n  archiveInterval: PT30M\n");
    CmkConfig c = ConfigLoader.load(Optional.of(f), Map.of());
    assertThat(c.audit().parsedRetention()).isEmpty();
    Files.writeString(f, "audit:\n  retention: P6M\n");
    assertThat(ConfigLoader.load(Optional.of(f), Map.of()).audit().parsedRetention())
        .map(r -> r.spec())
        .hasValue("P6M");
  }

  @Test
  void blobsAreADirectoryByDefaultAndS3ByEnvironment() {
    var d = ConfigLoader.load(Optional.empty(), Map.of()).storage().blobs();
    assertThat(d.store()).isEqualTo("directory");
    var s3 =
        ConfigLoader.load(
                Optional.empty(),
                Map.of(
                    "CMK_STORAGE_BLOBS_STORE", "s3",
                    "CMK_STORAGE_BLOBS_S3_BUCKET", "acme-cmk-blobs",
                    "CMK_STORAGE_BLOBS_S3_PREFIX", "prod",
                    "CMK_STORAGE_BLOBS_S3_SERVER_SIDE_ENCRYPTION", "aws:kms",
                    "CMK_STORAGE_BLOBS_S3_MAX_ATTEMPTS", "5",
                    "CMK_STORAGE_BLOBS_S3_SECRET_ACCESS_KEY", "s3cr3t"))
            .storage()
            .blobs();
    assertThat(s3.store()).isEqualTo("s3");
    assertThat(s3.s3().bucket()).isEqualTo("acme-cmk-blobs");
    assertThat(s3.s3().prefix()).isEqualTo("prod");
    assertThat(s3.s3().serverSideEncryption()).isEqualTo("aws:kms");
    assertThat(s3.s3().maxAttempts()).isEqualTo(5);
    assertThat(s3.toString()).doesNotContain("s3cr3t");
    assertThat(BlobWiring.s3Config(s3.s3()).objectKey("acct/obj")).isEqualTo("prod/acct/obj");
  }

  @Test
  void badBlobSettingsNameTheirKey() throws Exception {
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_STORAGE_BLOBS_STORE", "gcs")))
        .hasMessageContaining("storage.blobs.store must be directory or s3");
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_STORAGE_BLOBS_STORE", "s3")))
        .hasMessageContaining("storage.blobs.s3.bucket is required");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_STORAGE_BLOBS_S3_BUCKET", "Not_A_Bucket")))
        .hasMessageContaining("storage.blobs.s3.bucket");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_STORAGE_BLOBS_S3_SERVER_SIDE_ENCRYPTION", "kms")))
        .hasMessageContaining("storage.blobs.s3.serverSideEncryption");
    Path f = dir.resolve("cmk.yaml");
    Files.writeString(f, "storage:\n  blobs:\n    s3:\n      bukket: x\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(f), Map.of()))
        .hasMessageContaining("storage.blobs.s3.bukket");
  }

  @Test
  void theBlobBreakerHasDefaultsAndEnvironmentOverrides() throws Exception {
    var d = ConfigLoader.load(Optional.empty(), Map.of()).storage().blobs().resilience();
    assertThat(d.toPolicy()).isEqualTo(BlobResilience.defaults());
    var r =
        ConfigLoader.load(
                Optional.empty(),
                Map.of(
                    "CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_OPEN_FOR", "PT10S",
                    "CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_WINDOW", "6",
                    "CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_MINIMUM_CALLS", "3",
                    "CMK_STORAGE_BLOBS_RESILIENCE_MAX_CONCURRENT_CALLS", "16"))
            .storage()
            .blobs()
            .resilience();
    assertThat(r.breakerOpenFor()).isEqualTo(Duration.ofSeconds(10));
    assertThat(r.toPolicy().breakerWindow()).isEqualTo(6);
    assertThat(r.toPolicy().breakerMinimumCalls()).isEqualTo(3);
    assertThat(r.maxConcurrentCalls()).isEqualTo(16);
    Path f = dir.resolve("breaker.yaml");
    Files.writeString(f, "storage:\n  blobs:\n    resilience:\n      breakerHalfOpenCalls: 5\n");
    assertThat(ConfigLoader.load(Optional.of(f), Map.of()).storage().blobs().resilience())
        .extracting(CmkConfig.BlobsResilience::breakerHalfOpenCalls)
        .isEqualTo(5);
  }

  @Test
  void badBlobBreakerSettingsNameTheirKey() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_WINDOW", "0")))
        .hasMessageContaining("storage.blobs.resilience.breakerWindow");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_FAILURE_RATE_PERCENT", "101")))
        .hasMessageContaining("storage.blobs.resilience.breakerFailureRatePercent");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of("CMK_STORAGE_BLOBS_RESILIENCE_BREAKER_OPEN_FOR", "PT0S")))
        .hasMessageContaining("storage.blobs.resilience.breakerOpenFor");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of("CMK_STORAGE_BLOBS_RESILIENCE_MAX_CONCURRENT_CALLS", "-1")))
        .hasMessageContaining("storage.blobs.resilience.maxConcurrentCalls");
  }

  @Test
  void unknownKeyIsNamed() throws Exception {
    Path f = dir.resolve("cmk.yaml");
    Files.writeString(f, "server:\n  prot: 9000\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(f), Map.of()))
        .hasMessageContaining("server.prot");
  }

  @Test
  void badValueIsNamed() {
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_SERVER_PORT", "70000")))
        .hasMessageContaining("server.port");
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_KEYS_PLATFORM_KEY", "nocolon")))
        .hasMessageContaining("keys.platformKey");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_PRINCIPALS_AWS_PLATFORM_PRINCIPAL_ARN", "role")))
        .hasMessageContaining("principals.awsPlatformPrincipalArn");
  }

  @Test
  void principalsHaveExampleDefaultsAndEnvironmentNames() {
    CmkConfig c =
        ConfigLoader.load(
            Optional.empty(),
            Map.of("CMK_PRINCIPALS_AWS_SEARCH_PRINCIPAL_ARN", "arn:aws:iam::999999999999:role/s"));
    assertThat(c.principals().awsSearchPrincipalArn())
        .isEqualTo("arn:aws:iam::999999999999:role/s");
    assertThat(c.principals().awsPlatformPrincipalArn())
        .isEqualTo(CmkConfig.Principals.examples().awsPlatformPrincipalArn());
  }

  @Test
  void secretsAreNotPrinted() {
    CmkConfig c =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "CMK_STORAGE_DATABASE_PASSWORD",
                "hunter2",
                "CMK_LOCAL_KEYSTORE_PASSWORD",
                "s3cret"));
    assertThat(c.toString()).doesNotContain("hunter2").doesNotContain("s3cret");
  }

  @Test
  void awsRegionEndpointsAreEmptyByDefaultParsedFromTheEnvironmentAndNamedWhenBad() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).providers().aws().regionEndpointMap())
        .isEmpty();
    var aws =
        ConfigLoader.load(
                Optional.empty(),
                Map.of(
                    "CMK_PROVIDERS_AWS_REGION_ENDPOINTS",
                    "us-east-1=http://127.0.0.1:8101, us-west-2=http://127.0.0.1:8102"))
            .providers()
            .aws();
    assertThat(aws.regionEndpointMap())
        .containsEntry("us-east-1", java.net.URI.create("http://127.0.0.1:8101"))
        .containsEntry("us-west-2", java.net.URI.create("http://127.0.0.1:8102"));
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("CMK_PROVIDERS_AWS_REGION_ENDPOINTS", "us-east-1")))
        .hasMessageContaining("providers.aws.regionEndpoints");
  }

  @Test
  void webhooksHaveDefaultsAFileSectionEnvironmentOverridesAndNamedErrors() throws Exception {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).webhooks())
        .isEqualTo(CmkConfig.Webhooks.defaults());
    assertThat(CmkConfig.Webhooks.defaults().allowHttpLoopback()).isFalse();
    assertThat(CmkConfig.Webhooks.defaults().retryFor()).isEqualTo(Duration.ofDays(1));
    Path f = dir.resolve("cmk.yaml");
    Files.writeString(f, "webhooks:\n  retryBase: PT1S\n  timeout: PT3S\n");
    CmkConfig c =
        ConfigLoader.load(
            Optional.of(f),
            Map.of("CMK_WEBHOOKS_RETRY_FOR", "PT2H", "CMK_WEBHOOKS_ALLOW_HTTP_LOOPBACK", "true"));
    assertThat(c.webhooks())
        .isEqualTo(
            new CmkConfig.Webhooks(
                true, Duration.ofSeconds(1), Duration.ofHours(2), Duration.ofSeconds(3)));
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_WEBHOOKS_TIMEOUT", "PT0S")))
        .hasMessageContaining("webhooks.timeout");
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("CMK_WEBHOOKS_RETRY_BASE", "soon")))
        .hasMessageContaining("webhooks.retryBase");
    Files.writeString(f, "webhooks:\n  retries: 3\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(f), Map.of()))
        .hasMessageContaining("webhooks.retries");
  }
}
