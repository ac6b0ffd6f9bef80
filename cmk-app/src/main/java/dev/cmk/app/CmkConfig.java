package dev.cmk.app;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The one typed configuration of a CMK node. Loaded by {@link ConfigLoader} from defaults, an
 * optional YAML file and {@code CMK_*} environment variables, and validated here at start-up with
 * messages that name the bad key.
 *
 * @param platformName the platform's name in every KMS encryption context
 */
public record CmkConfig(
    String platformName,
    Server server,
    Storage storage,
    Keys keys,
    Local local,
    KekCache kekCache,
    long maxContentBytes,
    Availability availability) {

  /** The configuration without the issue-6 section (its defaults apply). */
  public CmkConfig(
      String platformName,
      Server server,
      Storage storage,
      Keys keys,
      Local local,
      KekCache kekCache,
      long maxContentBytes) {
    this(
        platformName,
        server,
        storage,
        keys,
        local,
        kekCache,
        maxContentBytes,
        Availability.defaults());
  }

  public CmkConfig {
    require(availability != null, "availability is required");
    require(
        platformName != null && platformName.matches("[a-z0-9-]{1,32}"),
        "platformName must be 1-32 of a-z 0-9 -");
    require(
        maxContentBytes > 0 && maxContentBytes <= (1L << 31),
        "maxContentBytes must be between 1 and 2147483648");
  }

  /** Where the API listens. */
  public record Server(String host, int port) {
    public Server {
      require(host != null && !host.isBlank(), "server.host is required");
      require(port >= 0 && port <= 65535, "server.port must be 0..65535");
    }
  }

  /**
   * Metadata and blobs. An empty {@code databaseUrl} means the embedded H2 database in {@code
   * dataDir}.
   */
  public record Storage(
      Path dataDir, String databaseUrl, String databaseUser, String databasePassword) {
    public Storage {
      require(dataDir != null, "storage.dataDir is required");
      require(
          databaseUrl == null || databaseUrl.isEmpty() || databaseUrl.startsWith("jdbc:"),
          "storage.databaseUrl must be a jdbc: URL or empty for the embedded database");
    }

    @Override
    public String toString() {
      return "Storage[dataDir="
          + dataDir
          + ", databaseUrl="
          + databaseUrl
          + ", user="
          + databaseUser
          + ", password=redacted]";
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

  /** The configuration a fresh checkout runs with: everything embedded below {@code ./data}. */
  public static CmkConfig defaults() {
    return new CmkConfig(
        "cmk",
        new Server("127.0.0.1", 8080),
        new Storage(Path.of("data"), "", "cmk", ""),
        new Keys("local:platform", "local:backup"),
        new Local(true, Path.of("data/local-keys.p12"), "cmk-dev-only"),
        new KekCache(10_000, Duration.ofMinutes(5), 1_000_000),
        64L << 20,
        Availability.defaults());
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("invalid configuration: " + message);
    }
  }
}
