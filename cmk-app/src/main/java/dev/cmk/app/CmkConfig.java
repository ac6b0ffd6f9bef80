package dev.cmk.app;

import dev.cmk.service.audit.AuditRetention;
import dev.cmk.service.blob.BlobResilience;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * The one typed configuration of a CMK node. Loaded by {@link ConfigLoader} from defaults, an
 * optional YAML file and {@code CMK_*} environment variables, and validated here at start-up with
 * messages that name the bad key.
 *
 * @param platformName the platform's name in every KMS encryption context
 */
@NullMarked
public record CmkConfig(
    String platformName,
    Server server,
    Storage storage,
    Keys keys,
    Local local,
    KekCache kekCache,
    long maxContentBytes,
    Providers providers,
    Principals principals,
    Availability availability,
    Crypto crypto,
    Audit audit,
    Webhooks webhooks) {

  public CmkConfig {
    require(webhooks != null, "webhooks is required");
    require(availability != null, "availability is required");
    require(crypto != null, "crypto is required");
    require(audit != null, "audit is required");
    require(
        platformName != null && platformName.matches("[a-z0-9-]{1,32}"),
        "platformName must be 1-32 of a-z 0-9 -");
    require(
        maxContentBytes > 0 && maxContentBytes <= (1L << 31),
        "maxContentBytes must be between 1 and 2147483648");
  }

  /** Where the API listens. */
  /**
   * Where to listen, and what one client can hold (see README "Slow and many uploads"): a
   * connection silent for {@code idleTimeout} is closed, a body slower on average than {@code
   * minRequestDataRate} bytes/s is refused (408), at most {@code maxUploads} content uploads run at
   * once (503) and {@code maxUploadsPerToken} per token (429).
   */
  public record Server(
      String host,
      int port,
      java.time.Duration idleTimeout,
      long minRequestDataRate,
      int maxUploads,
      int maxUploadsPerToken,
      java.time.Duration uploadTimeout) {
    public Server {
      require(host != null && !host.isBlank(), "server.host is required");
      require(port >= 0 && port <= 65535, "server.port must be 0..65535");
      require(
          idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
          "server.idleTimeout must be a positive duration, e.g. PT30S");
      require(minRequestDataRate >= 0, "server.minRequestDataRate must be >= 0 (bytes/s)");
      require(maxUploads >= 1, "server.maxUploads must be >= 1");
      require(maxUploadsPerToken >= 1, "server.maxUploadsPerToken must be >= 1");
      require(
          uploadTimeout != null && !uploadTimeout.isNegative() && !uploadTimeout.isZero(),
          "server.uploadTimeout must be a positive duration, e.g. PT10M");
    }

    public Server(String host, int port) {
      this(
          host,
          port,
          java.time.Duration.ofSeconds(30),
          0,
          128, // of Jetty's 250 request threads: reads, health and admin keep the rest
          32, // one service's token carries many users' uploads at once (20 x 60 MiB: issue 15)
          java.time.Duration.ofMinutes(10));
    }
  }

  /**
   * Metadata and blobs. An empty {@code databaseUrl} means the embedded H2 database in {@code
   * dataDir}; {@code blobs} says where content envelopes go.
   */
  public record Storage(
      Path dataDir, String databaseUrl, String databaseUser, String databasePassword, Blobs blobs) {
    public Storage {
      require(dataDir != null, "storage.dataDir is required");
      require(
          databaseUrl == null || databaseUrl.isEmpty() || databaseUrl.startsWith("jdbc:"),
          "storage.databaseUrl must be a jdbc: URL or empty for the embedded database");
      require(blobs != null, "storage.blobs is required");
    }

    @Override
    public String toString() {
      return "Storage[dataDir="
          + dataDir
          + ", databaseUrl="
          + databaseUrl
          + ", user="
          + databaseUser
          + ", password=redacted, blobs="
          + blobs
          + "]";
    }
  }

  /**
   * Where content envelopes (ciphertext only) are kept.
   *
   * @param store {@code directory} ({@code dataDir/blobs}, the default) or {@code s3}
   * @param s3 the bucket, used when {@code store} is {@code s3}
   * @param resilience the circuit breaker and bulkhead around either store
   */
  public record Blobs(String store, S3 s3, BlobsResilience resilience, OrphanSweep orphanSweep) {
    /** Without {@code orphanSweep}: its defaults (keeps older callers compiling). */
    public Blobs(String store, S3 s3, BlobsResilience resilience) {
      this(store, s3, resilience, OrphanSweep.defaults());
    }

    public Blobs {
      if (orphanSweep == null) {
        orphanSweep = OrphanSweep.defaults();
      }
      require(
          "directory".equals(store) || "s3".equals(store),
          "storage.blobs.store must be directory or s3");
      require(s3 != null, "storage.blobs.s3 is required");
      require(resilience != null, "storage.blobs.resilience is required");
      require(
          !"s3".equals(store) || !s3.bucket().isEmpty(),
          "storage.blobs.s3.bucket is required when storage.blobs.store is s3");
    }

    public static Blobs defaults() {
      return new Blobs(
          "directory",
          new S3("", "", "us-east-1", "", "", "", "", "none", "", Duration.ofSeconds(30), 3),
          BlobsResilience.defaults());
    }
  }

  /**
   * The sweeper that removes content blobs without an object row: what a node killed between the
   * blob write and the row's commit leaves behind (the blob is written first, so a 2xx never points
   * at a missing blob). One node sweeps at a time (a lease in the database).
   *
   * @param interval how often the lease holder lists the blob store
   * @param grace only blobs older than this are removed: longer than any write takes from its blob
   *     to its row's commit, so a write in flight is never swept
   */
  public record OrphanSweep(Duration interval, Duration grace) {
    public OrphanSweep {
      require(
          interval != null && !interval.isNegative() && !interval.isZero(),
          "storage.blobs.orphanSweep.interval must be positive");
      require(
          grace != null && grace.compareTo(Duration.ofSeconds(5)) >= 0,
          "storage.blobs.orphanSweep.grace must be at least PT5S");
    }

    public static OrphanSweep defaults() {
      return new OrphanSweep(Duration.ofMinutes(15), Duration.ofHours(1));
    }
  }

  /**
   * The guard around the blob store ({@link BlobResilience}): a circuit breaker that opens on a run
   * of unavailable failures and then fails calls at once, and a bound on blob calls in flight.
   *
   * @param breakerWindow recent calls the breaker looks at
   * @param breakerMinimumCalls calls in the window before it may open (at most {@code
   *     breakerWindow})
   * @param breakerFailureRatePercent share of unavailable failures that opens it (1..100)
   * @param breakerOpenFor how long it stays open before trial calls
   * @param breakerHalfOpenCalls trial calls that decide whether it closes
   * @param maxConcurrentCalls blob calls in flight on this node; more fail at once with 503
   */
  public record BlobsResilience(
      int breakerWindow,
      int breakerMinimumCalls,
      int breakerFailureRatePercent,
      Duration breakerOpenFor,
      int breakerHalfOpenCalls,
      int maxConcurrentCalls) {
    public BlobsResilience {
      toPolicy(
          breakerWindow,
          breakerMinimumCalls,
          breakerFailureRatePercent,
          breakerOpenFor,
          breakerHalfOpenCalls,
          maxConcurrentCalls);
    }

    public static BlobsResilience defaults() {
      BlobResilience d = BlobResilience.defaults();
      return new BlobsResilience(
          d.breakerWindow(),
          d.breakerMinimumCalls(),
          d.breakerFailureRatePercent(),
          d.breakerOpenFor(),
          d.breakerHalfOpenCalls(),
          d.maxConcurrentCalls());
    }

    /** The service's policy; validated once, here, with the configuration key named. */
    public BlobResilience toPolicy() {
      return toPolicy(
          breakerWindow,
          breakerMinimumCalls,
          breakerFailureRatePercent,
          breakerOpenFor,
          breakerHalfOpenCalls,
          maxConcurrentCalls);
    }

    private static BlobResilience toPolicy(
        int window, int minimum, int percent, Duration openFor, int halfOpen, int concurrent) {
      try {
        return new BlobResilience(window, minimum, percent, openFor, halfOpen, concurrent);
      } catch (IllegalArgumentException e) {
        // No cause: the loader reports the innermost message, and this one names the key.
        throw new IllegalArgumentException(
            "invalid configuration: storage.blobs.resilience." + e.getMessage());
      }
    }
  }

  /**
   * An S3 bucket for content envelopes. Credentials: a named profile, static keys (emulators only),
   * or the SDK's default chain (instance role, IRSA, environment) when both are empty.
   *
   * @param bucket an existing bucket; the node checks it (HeadBucket) before it starts
   * @param prefix key prefix, e.g. {@code cmk/prod}; empty for none
   * @param region the bucket's region
   * @param endpoint empty for AWS; a VPC endpoint or an S3-compatible server (path-style)
   * @param serverSideEncryption {@code none}, {@code AES256} or {@code aws:kms}, requested on every
   *     put (content is CMK-encrypted already; this is defence in depth)
   * @param sseKmsKeyId with {@code aws:kms}: the KMS key; empty for the bucket's default
   * @param callTimeout one whole call including retries
   * @param maxAttempts attempts per call, with jittered backoff in between (1..10)
   */
  public record S3(
      String bucket,
      String prefix,
      String region,
      String endpoint,
      String profile,
      String accessKeyId,
      String secretAccessKey,
      String serverSideEncryption,
      String sseKmsKeyId,
      Duration callTimeout,
      int maxAttempts) {
    public S3 {
      require(bucket != null, "storage.blobs.s3.bucket must be a bucket name or empty");
      require(
          bucket.isEmpty() || bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
          "storage.blobs.s3.bucket must be an S3 bucket name (3-63 of a-z 0-9 . -)");
      require(
          prefix != null && prefix.matches("[A-Za-z0-9._/-]*") && !prefix.contains(".."),
          "storage.blobs.s3.prefix must be empty or segments of A-Z a-z 0-9 . _ - joined by /");
      require(
          region != null && region.matches("[a-z0-9-]{2,32}"),
          "storage.blobs.s3.region must be an AWS region, e.g. us-east-1");
      require(
          endpoint != null
              && (endpoint.isEmpty()
                  || endpoint.startsWith("https://")
                  || endpoint.startsWith("http://")),
          "storage.blobs.s3.endpoint must be empty or an http(s) URL");
      require(
          "none".equals(serverSideEncryption)
              || "AES256".equals(serverSideEncryption)
              || "aws:kms".equals(serverSideEncryption),
          "storage.blobs.s3.serverSideEncryption must be none, AES256 or aws:kms");
      require(
          sseKmsKeyId != null && (sseKmsKeyId.isEmpty() || "aws:kms".equals(serverSideEncryption)),
          "storage.blobs.s3.sseKmsKeyId needs storage.blobs.s3.serverSideEncryption aws:kms");
      require(
          callTimeout != null && !callTimeout.isNegative() && !callTimeout.isZero(),
          "storage.blobs.s3.callTimeout must be positive");
      require(maxAttempts >= 1 && maxAttempts <= 10, "storage.blobs.s3.maxAttempts must be 1..10");
    }

    @Override
    public String toString() {
      return "S3[bucket="
          + bucket
          + ", prefix="
          + prefix
          + ", region="
          + region
          + ", endpoint="
          + endpoint
          + ", profile="
          + profile
          + ", accessKeyId="
          + accessKeyId
          + ", secretAccessKey=redacted, serverSideEncryption="
          + serverSideEncryption
          + "]";
    }
  }

  /** The platform's own root keys, as {@code provider:keyId}. */
  public record Keys(String platformKey, String backupKey) {
    public Keys {
      require(
          platformKey != null && platformKey.contains(":"),
          "keys.platformKey must be provider:keyId, e.g. local:platform");
      require(
          backupKey != null && backupKey.contains(":"),
          "keys.backupKey must be provider:keyId, e.g. local:backup");
    }
  }

  /** The development-only local provider. */
  public record Local(boolean enabled, Path keystore, String keystorePassword) {
    @Override
    public String toString() {
      return "Local[enabled=" + enabled + ", keystore=" + keystore + ", password=redacted]";
    }
  }

  /** Bounds of the plaintext KEK cache. */
  public record KekCache(long maxEntries, Duration ttl, long maxUses) {
    public KekCache {
      require(maxEntries > 0, "kekCache.maxEntries must be positive");
      require(ttl != null && !ttl.isNegative() && !ttl.isZero(), "kekCache.ttl must be positive");
      require(maxUses > 0, "kekCache.maxUses must be positive");
    }
  }

  /**
   * Cloud and HSM providers. Each is off unless enabled; every call to an enabled one goes through
   * the resilience policy (timeout, retries with jitter for unavailability only, a circuit breaker
   * and a bulkhead per key). {@code allowLoopbackEndpoints} lets Azure and OCI key ids name this
   * machine (the protocol stubs of tests only; off in production).
   */
  public record Providers(
      Resilience resilience,
      Aws aws,
      Azure azure,
      Oci oci,
      Pkcs11 pkcs11,
      boolean allowLoopbackEndpoints) {
    /** Without loopback endpoints (the production form). */
    public Providers(Resilience resilience, Aws aws, Azure azure, Oci oci, Pkcs11 pkcs11) {
      this(resilience, aws, azure, oci, pkcs11, false);
    }

    public static Providers defaults() {
      return new Providers(
          new Resilience(Duration.ofSeconds(10), 3, 8),
          new Aws(false, "", "us-east-1", "", "", "", Duration.ofSeconds(5)),
          new Azure(false, "", "", "", ""),
          new Oci(false, "", "", "", null),
          new Pkcs11(false, null, "", "", ""));
    }
  }

  /** Resilience around every cloud/HSM provider call. */
  public record Resilience(Duration callTimeout, int maxAttempts, int maxConcurrentPerKey) {
    public Resilience {
      require(
          callTimeout != null && !callTimeout.isNegative() && !callTimeout.isZero(),
          "providers.resilience.callTimeout must be positive");
      require(
          maxAttempts >= 1 && maxAttempts <= 10, "providers.resilience.maxAttempts must be 1..10");
      require(
          maxConcurrentPerKey >= 1, "providers.resilience.maxConcurrentPerKey must be positive");
    }
  }

  /**
   * AWS KMS. Credentials: a named profile, static keys (emulators only), or the SDK's default chain
   * when both are empty.
   */
  public record Aws(
      boolean enabled,
      String endpointOverride,
      String defaultRegion,
      String profile,
      String accessKeyId,
      String secretAccessKey,
      Duration callTimeout,
      String regionEndpoints) {
    public Aws {
      regionEndpoints = regionEndpoints == null ? "" : regionEndpoints;
      parseRegionEndpoints(regionEndpoints); // a bad value stops the start, naming the key
    }

    /**
     * Without per-region endpoints.
     *
     * @see #regionEndpoints()
     */
    public Aws(
        boolean enabled,
        String endpointOverride,
        String defaultRegion,
        String profile,
        String accessKeyId,
        String secretAccessKey,
        Duration callTimeout) {
      this(
          enabled,
          endpointOverride,
          defaultRegion,
          profile,
          accessKeyId,
          secretAccessKey,
          callTimeout,
          "");
    }

    /**
     * Endpoint per region, {@code us-east-1=https://…,us-west-2=https://…} (VPC endpoints, or a
     * fault proxy in drills); regions not named use {@code endpointOverride} or the public one.
     */
    public Map<String, URI> regionEndpointMap() {
      return parseRegionEndpoints(regionEndpoints);
    }

    private static Map<String, URI> parseRegionEndpoints(String value) {
      Map<String, URI> out = new LinkedHashMap<>();
      for (String part : value.split(",")) {
        if (part.isBlank()) {
          continue;
        }
        int eq = part.indexOf('=');
        require(
            eq > 0 && eq < part.length() - 1,
            "providers.aws.regionEndpoints must be region=url[,region=url…], got: " + part.trim());
        try {
          out.put(part.substring(0, eq).trim(), new URI(part.substring(eq + 1).trim()));
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException(
              "providers.aws.regionEndpoints: bad URL for " + part.substring(0, eq).trim(), e);
        }
      }
      return out;
    }

    @Override
    public String toString() {
      return "Aws[enabled="
          + enabled
          + ", endpointOverride="
          + endpointOverride
          + ", region="
          + defaultRegion
          + ", profile="
          + profile
          + ", accessKeyId="
          + accessKeyId
          + ", secretAccessKey=redacted, regionEndpoints="
          + regionEndpoints
          + "]";
    }
  }

  /** Azure Key Vault: an Entra application with a client secret read from a file or env. */
  public record Azure(
      boolean enabled,
      String tenantId,
      String clientId,
      String clientSecretFile,
      String clientSecretEnv) {}

  /** OCI Vault: API-key authentication of the platform's user. */
  public record Oci(
      boolean enabled,
      String tenancyOcid,
      String userOcid,
      String fingerprint,
      @Nullable Path privateKeyPem) {}

  /**
   * An external HSM through PKCS#11; the PIN is read from a file or env, never configured inline.
   */
  public record Pkcs11(
      boolean enabled, @Nullable Path library, String tokenLabel, String pinFile, String pinEnv) {}

  /**
   * The platform's own identities at each provider, printed into the key-policy templates an
   * account admin pastes into their key's policy. The defaults are documentation examples; set the
   * real ones per deployment.
   *
   * @param awsPlatformPrincipalArn the IAM role the CMK nodes call AWS KMS as
   * @param awsSearchPrincipalArn the IAM role of the search service (needs its own grant)
   * @param azureTenantId the platform's Entra ID tenant
   * @param azurePlatformPrincipalId object id of the platform's service principal
   * @param azureSearchPrincipalId object id of the search service's principal
   * @param ociPlatformTenancyOcid the platform's OCI tenancy
   * @param ociPlatformGroupOcid the OCI group (or dynamic group) the CMK nodes run as
   * @param ociSearchGroupOcid the OCI group of the search service
   */
  public record Principals(
      String awsPlatformPrincipalArn,
      String awsSearchPrincipalArn,
      String azureTenantId,
      String azurePlatformPrincipalId,
      String azureSearchPrincipalId,
      String ociPlatformTenancyOcid,
      String ociPlatformGroupOcid,
      String ociSearchGroupOcid) {
    public Principals {
      require(
          awsPlatformPrincipalArn != null && awsPlatformPrincipalArn.startsWith("arn:"),
          "principals.awsPlatformPrincipalArn must be an IAM ARN (arn:aws:iam::…)");
      require(
          awsSearchPrincipalArn != null && awsSearchPrincipalArn.startsWith("arn:"),
          "principals.awsSearchPrincipalArn must be an IAM ARN (arn:aws:iam::…)");
      require(
          notBlank(azureTenantId, azurePlatformPrincipalId, azureSearchPrincipalId),
          "principals.azure* must not be blank");
      require(
          ociPlatformTenancyOcid != null && ociPlatformTenancyOcid.startsWith("ocid1.tenancy."),
          "principals.ociPlatformTenancyOcid must be a tenancy OCID (ocid1.tenancy.…)");
      require(
          ociPlatformGroupOcid != null && ociPlatformGroupOcid.startsWith("ocid1."),
          "principals.ociPlatformGroupOcid must be an OCID (ocid1.group.… or ocid1.dynamicgroup.…)");
      require(
          ociSearchGroupOcid != null && ociSearchGroupOcid.startsWith("ocid1."),
          "principals.ociSearchGroupOcid must be an OCID (ocid1.group.… or ocid1.dynamicgroup.…)");
    }

    /** Documentation examples; a deployment sets its own. */
    public static Principals examples() {
      return new Principals(
          "arn:aws:iam::111122223333:role/cmk-platform",
          "arn:aws:iam::111122223333:role/cmk-search",
          "00000000-0000-0000-0000-000000000000",
          "11111111-1111-1111-1111-111111111111",
          "22222222-2222-2222-2222-222222222222",
          "ocid1.tenancy.oc1..aaaaaaaacmkplatform",
          "ocid1.group.oc1..aaaaaaaacmkplatform",
          "ocid1.group.oc1..aaaaaaaacmksearch");
    }
  }

  private static boolean notBlank(String... values) {
    for (String v : values) {
      if (v == null || v.isBlank()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Key availability and re-protection jobs.
   *
   * @param probeInterval how often every active customer key is probed (default 30 s)
   * @param jobLease how long a node holds a claimed batch of job work before another may take it
   * @param jobBatchSize items (KEKs or objects) claimed and committed together
   */
  public record Availability(Duration probeInterval, Duration jobLease, int jobBatchSize) {
    public Availability {
      require(
          probeInterval != null && !probeInterval.isNegative() && !probeInterval.isZero(),
          "availability.probeInterval must be positive");
      require(
          jobLease != null && jobLease.compareTo(Duration.ofSeconds(5)) >= 0,
          "availability.jobLease must be at least PT5S");
      require(
          jobBatchSize > 0 && jobBatchSize <= 10_000, "availability.jobBatchSize must be 1..10000");
    }

    public static Availability defaults() {
      return new Availability(Duration.ofSeconds(30), Duration.ofMinutes(2), 100);
    }
  }

  /**
   * The crypto core's engine.
   *
   * @param aesGcmProvider {@code auto} (AWS-LC when it loads, else the JDK), {@code accp} (AWS-LC
   *     through Amazon Corretto Crypto Provider or no start) or {@code jdk}
   */
  public record Crypto(String aesGcmProvider) {
    public Crypto {
      require(
          "auto".equals(aesGcmProvider)
              || "accp".equals(aesGcmProvider)
              || "jdk".equals(aesGcmProvider),
          "crypto.aesGcmProvider must be auto, accp or jdk");
    }

    public static Crypto defaults() {
      return new Crypto("auto");
    }
  }

  /**
   * Audit retention (AUDIT.md, "Retention and archive segments").
   *
   * @param retention {@code off} (keep every row in the database, the default) or how long rows
   *     stay there before they move into archive segments in the blob store: an ISO-8601 duration
   *     or period, e.g. {@code P365D}, {@code P1Y}, {@code P6M}
   * @param archiveInterval how often a node looks for rows to archive (default one hour)
   * @param archiveSegmentRows at most this many rows per archive segment
   */
  public record Audit(String retention, Duration archiveInterval, int archiveSegmentRows) {
    public Audit {
      if ("false".equals(retention)) {
        retention = "off"; // YAML 1.1 reads an unquoted off as the boolean false
      }
      try {
        AuditRetention.parse(retention == null ? "" : retention);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "invalid configuration: audit.retention " + e.getMessage());
      }
      require(
          archiveInterval != null && archiveInterval.compareTo(Duration.ofSeconds(10)) >= 0,
          "audit.archiveInterval must be at least PT10S");
      require(
          archiveSegmentRows >= 10 && archiveSegmentRows <= 100_000,
          "audit.archiveSegmentRows must be 10..100000");
    }

    /** The retention; empty when off. */
    public Optional<AuditRetention> parsedRetention() {
      return AuditRetention.parse(retention);
    }

    public static Audit defaults() {
      return new Audit("off", Duration.ofHours(1), 10_000);
    }
  }

  /** A configuration with the default {@link Webhooks} section. */
  public CmkConfig(
      String platformName,
      Server server,
      Storage storage,
      Keys keys,
      Local local,
      KekCache kekCache,
      long maxContentBytes,
      Providers providers,
      Principals principals,
      Availability availability,
      Crypto crypto,
      Audit audit) {
    this(
        platformName,
        server,
        storage,
        keys,
        local,
        kekCache,
        maxContentBytes,
        providers,
        principals,
        availability,
        crypto,
        audit,
        Webhooks.defaults());
  }

  /** This configuration with another webhooks section. */
  public CmkConfig withWebhooks(Webhooks w) {
    return new CmkConfig(
        platformName,
        server,
        storage,
        keys,
        local,
        kekCache,
        maxContentBytes,
        providers,
        principals,
        availability,
        crypto,
        audit,
        w);
  }

  /**
   * Webhook delivery (README "Webhooks"; env {@code CMK_WEBHOOKS_RETRY_BASE} etc.).
   *
   * @param allowHttpLoopback admits {@code http://} URLs whose host is a loopback address (tests
   *     only; never in production: targets are https and public)
   * @param retryBase the first retry's delay; each next one doubles (full jitter, capped at 1 h)
   * @param retryFor how long after its event a delivery is retried before it is dead-lettered
   * @param timeout connect and answer timeout of one delivery attempt
   */
  public record Webhooks(
      boolean allowHttpLoopback, Duration retryBase, Duration retryFor, Duration timeout) {
    public Webhooks {
      require(
          retryBase != null && retryBase.compareTo(Duration.ofMillis(100)) >= 0,
          "webhooks.retryBase must be at least PT0.1S");
      require(
          retryFor != null && retryFor.compareTo(retryBase) >= 0,
          "webhooks.retryFor must be at least webhooks.retryBase");
      require(
          timeout != null
              && timeout.compareTo(Duration.ofMillis(100)) >= 0
              && timeout.compareTo(Duration.ofMinutes(5)) <= 0,
          "webhooks.timeout must be between PT0.1S and PT5M");
    }

    public static Webhooks defaults() {
      return new Webhooks(
          false, Duration.ofSeconds(10), Duration.ofDays(1), Duration.ofSeconds(10));
    }
  }

  /** The configuration a fresh checkout runs with: everything embedded below {@code ./data}. */
  public static CmkConfig defaults() {
    return new CmkConfig(
        "cmk",
        new Server("127.0.0.1", 8080),
        new Storage(Path.of("data"), "", "cmk", "", Blobs.defaults()),
        new Keys("local:platform", "local:backup"),
        new Local(true, Path.of("data/local-keys.p12"), "cmk-dev-only"),
        new KekCache(10_000, Duration.ofMinutes(5), 1_000_000),
        64L << 20,
        Providers.defaults(),
        Principals.examples(),
        Availability.defaults(),
        Crypto.defaults(),
        Audit.defaults());
  }

  /**
   * Everything embedded below {@code dir}, listening on a free loopback port: what demos and tests
   * run on.
   */
  public static CmkConfig embeddedIn(Path dir, long maxContentBytes) {
    CmkConfig d = defaults();
    return new CmkConfig(
        d.platformName(),
        new Server("127.0.0.1", 0),
        new Storage(dir, "", "cmk", "", Blobs.defaults()),
        d.keys(),
        new Local(true, dir.resolve("local-keys.p12"), "dev-only"),
        d.kekCache(),
        maxContentBytes,
        d.providers(),
        d.principals(),
        d.availability(),
        d.crypto(),
        d.audit());
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("invalid configuration: " + message);
    }
  }
}
