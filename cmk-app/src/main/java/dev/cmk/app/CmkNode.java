package dev.cmk.app;

import dev.cmk.http.HttpServer;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.AuditArchiver;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.events.WebhookService;
import dev.cmk.service.kek.CountingKeyProvider;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.policy.PlatformPrincipals;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.GroupCommit;
import dev.cmk.service.wiring.Services;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The composition root: names the concrete providers, blob store and database, hands them to the
 * service wiring ({@link Services}, which tests build the same way) and keeps what is the app's
 * own: the HTTP server, the metrics registry, the background threads and the start and stop order.
 * A write goes HttpServer → ContentService → KekService → KeyProvider, then ContentEnvelope →
 * BlobStore and ObjectStore.
 */
public final class CmkNode implements AutoCloseable {
  private final Database db;
  private final HttpServer http;
  private final PrometheusMeterRegistry metrics;
  private final BlobStore blobs;
  private final Optional<LocalKeyProvider> local;
  final Services services;
  final KeyProviders registry;
  final AccountService accounts;
  final KeyService keys;
  final KekService keks;
  final ContentService content;
  final TokenService tokens;
  final AvailabilityService availability;
  final JobService jobs;
  final AuditArchiver archiver;
  private final ScheduledExecutorService archiveThread = daemon("cmk-audit-archive");
  private final String aesGcm;
  private final Duration orphanSweepInterval;
  private final ScheduledExecutorService sweepThread = daemon("cmk-orphan-sweep");
  // issue 20: signed webhooks, delivered on their own thread so a slow receiver delays nothing else
  private final ScheduledExecutorService webhookThread = daemon("cmk-webhooks");
  private final ScheduledExecutorService sequencerThread = daemon("cmk-audit-sequencer");
  private final ScheduledExecutorService background = daemon("cmk-availability");

  public CmkNode(CmkConfig cfg, Clock clock) {
    // First: the crypto core's AES-GCM provider is fixed once, before anything is sealed.
    aesGcm = CryptoWiring.install(cfg.crypto().aesGcmProvider());
    SecureRandom random = new SecureRandom();
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder("cmk.crypto.aes.gcm.provider", () -> 1)
        .description("The JCA provider that computes content AES-GCM (value always 1)")
        .tag("provider", aesGcm)
        .register(metrics);
    // Before anything that holds resources: an unusable bucket stops the start right here.
    blobs = BlobWiring.blobStore(cfg.storage(), clock, metrics);
    local = cfg.local().enabled() ? Optional.of(localProvider(cfg, random)) : Optional.empty();
    PlatformPrincipals principals = principals(cfg.principals());
    var templates = new PolicyTemplates(principals, cfg.platformName());
    db = Database.open(databaseConfig(cfg));
    try {
      services =
          new Services(
              settings(cfg, principals, templates, committers(db)),
              new Services.Inputs(
                  db,
                  blobs,
                  served -> providers(cfg, clock, random, served),
                  local.map(CmkNode::devKeys),
                  clock,
                  random,
                  metrics));
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    registry = services.providers;
    accounts = services.accounts;
    keys = services.keys;
    keks = services.keks;
    content = services.content;
    tokens = services.tokens;
    availability = services.availability;
    jobs = services.jobs;
    archiver = services.archiver;
    orphanSweepInterval = cfg.storage().blobs().orphanSweep().interval();
    http = new HttpServer(httpConfig(cfg), httpServices(templates));
    FunctionCounter.builder("cmk.http.client.aborts", http, HttpServer::clientAborts)
        .description("Requests that ended because the client closed the connection (mid-upload)")
        .register(metrics);
  }

  private static ScheduledExecutorService daemon(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /** The local provider (counted) and the configured cloud ones, reporting which copy served. */
  private List<KeyProvider> providers(
      CmkConfig cfg, Clock clock, SecureRandom random, KeyServingListener served) {
    List<KeyProvider> providers = new ArrayList<>();
    local.ifPresent(p -> providers.add(new CountingKeyProvider(p, metrics)));
    providers.addAll(
        ProviderWiring.cloudProviders(
            cfg.providers(), cfg.principals(), clock, random, metrics, served));
    return providers;
  }

  private static Services.Settings settings(
      CmkConfig cfg, PlatformPrincipals p, PolicyTemplates templates, int committers) {
    var platform =
        new Services.Platform(
            cfg.platformName(),
            new ContentService.ContentConfig(
                keyRef(cfg.keys().platformKey()),
                keyRef(cfg.keys().backupKey()),
                cfg.maxContentBytes()),
            new KeyService.Principals(p.platformPrincipals(), p.searchPrincipals()),
            Optional.of(templates));
    var cache = cfg.kekCache();
    var av = cfg.availability();
    var sweep = cfg.storage().blobs().orphanSweep();
    var w = cfg.webhooks();
    return new Services.Settings(
        platform,
        new KekCacheConfig(cache.maxEntries(), cache.ttl(), cache.maxUses()),
        new Services.Schedule(av.probeInterval(), av.jobLease(), av.jobBatchSize()),
        new Services.Retention(
            new AuditArchiver.Config(
                cfg.audit().parsedRetention(), cfg.audit().archiveSegmentRows()),
            cfg.audit().archiveInterval(),
            sweep.interval(),
            sweep.grace()),
        new WebhookService.Settings(
            w.allowHttpLoopback(),
            w.retryBase(),
            w.retryFor(),
            w.timeout(),
            Duration.ofSeconds(30)),
        // concurrent content writes and audited reads share transactions (group commit, issue 15)
        Optional.of(
            new Services.GroupCommits(
                committers, GROUP_COMMIT_MAX, Duration.ofNanos(GROUP_WINDOW_NS))));
  }

  private static HttpServer.Config httpConfig(CmkConfig cfg) {
    var server = cfg.server();
    return new HttpServer.Config(
        server.host(),
        server.port(),
        cfg.maxContentBytes() + 65_536,
        new HttpServer.Limits(
            server.idleTimeout(),
            server.minRequestDataRate(),
            server.maxUploads(),
            server.maxUploadsPerToken(),
            server.uploadTimeout()));
  }

  private HttpServer.Services httpServices(PolicyTemplates templates) {
    Services s = services;
    return new HttpServer.Services(
        s.accounts,
        s.keys,
        s.content,
        s.catalog,
        s.catalogAdmin,
        s.tokens,
        s.idempotency,
        templates,
        metrics::scrape,
        new HttpServer.Availability(s.revocation, s.jobs, s.sessions, s.coverage),
        s.search,
        s.auditService,
        s.auditArchiveService,
        s.webhooks);
  }

  /** Development keys on the node's own local keystore (which it holds, so never the CLI). */
  private static dev.cmk.service.key.DevKeys devKeys(LocalKeyProvider l) {
    return new dev.cmk.service.key.DevKeys() {
      @Override
      public void create(String name) {
        l.createKey(name);
      }

      @Override
      public void setEnabled(String name, boolean enabled) {
        l.setEnabled(name, enabled);
      }

      @Override
      public boolean exists(String name) {
        try {
          l.describe(KeyRef.of(LocalKeyProvider.KIND, name));
          return true;
        } catch (dev.cmk.provider.KeyRefusedException e) {
          return false;
        }
      }
    };
  }

  private static LocalKeyProvider localProvider(CmkConfig cfg, SecureRandom random) {
    LocalKeyProvider p =
        new LocalKeyProvider(
            cfg.local().keystore(), cfg.local().keystorePassword().toCharArray(), random);
    for (String k : List.of(cfg.keys().platformKey(), cfg.keys().backupKey())) {
      KeyRef ref = keyRef(k);
      if (ref.provider().equals(LocalKeyProvider.KIND)) {
        p.createKey(ref.keyId());
      }
    }
    return p;
  }

  private static PlatformPrincipals principals(CmkConfig.Principals p) {
    return new PlatformPrincipals(
        p.awsPlatformPrincipalArn(),
        p.awsSearchPrincipalArn(),
        p.azureTenantId(),
        p.azurePlatformPrincipalId(),
        p.azureSearchPrincipalId(),
        p.ociPlatformTenancyOcid(),
        p.ociPlatformGroupOcid(),
        p.ociSearchGroupOcid());
  }

  static Database.Config databaseConfig(CmkConfig cfg) {
    var s = cfg.storage();
    if (s.databaseUrl() == null || s.databaseUrl().isEmpty()) {
      return Database.embedded(s.dataDir());
    }
    return new Database.Config(s.databaseUrl(), s.databaseUser(), s.databasePassword(), 20);
  }

  static KeyRef keyRef(String providerColonId) {
    int i = providerColonId.indexOf(':');
    return KeyRef.of(providerColonId.substring(0, i), providerColonId.substring(i + 1));
  }

  public CmkNode start() {
    http.start();
    background.scheduleWithFixedDelay(this::backgroundTick, 0, 1, TimeUnit.SECONDS);
    archiveThread.scheduleWithFixedDelay(services.archiveScheduler::tick, 5, 5, TimeUnit.SECONDS);
    webhookThread.scheduleWithFixedDelay(this::deliverWebhooks, 1, 500, TimeUnit.MILLISECONDS);
    long sweepMillis = orphanSweepInterval.toMillis();
    sweepThread.scheduleWithFixedDelay(
        this::sweepOrphans, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    sequencerThread.scheduleWithFixedDelay(
        this::sequence, SEQUENCE_EVERY_MS, SEQUENCE_EVERY_MS, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Probes when due (by the node's clock) and works re-protection jobs for up to ten seconds. Runs
   * every second on one background thread.
   */
  private void backgroundTick() {
    try {
      services.scheduler.tick();
      services.unhealthyProbes.tick();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (jobs.runOnce() > 0 && System.nanoTime() < until) {
        services.scheduler.tick();
        services.unhealthyProbes.tick();
      }
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).error("background round failed", e);
    }
  }

  private void deliverWebhooks() {
    try {
      services.webhooks.runOnce();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).warn("webhook round failed; next round retries", e);
    }
  }

  /** The account webhooks (issue 20). */
  public WebhookService webhooks() {
    return services.webhooks;
  }

  private void sweepOrphans() {
    try {
      services.orphanSweeper.runOnce();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class)
          .warn("orphan blob sweep failed; next round retries", e);
    }
  }

  /** How often pending audit rows are chained: with the batch time, the bound in AUDIT.md. */
  static final long SEQUENCE_EVERY_MS = 100;

  /**
   * Group-commit threads: two transactions overlap (one gathers while the other waits for its
   * fsync), on PostgreSQL and on H2 alike. One committer on H2 was measured at 0.62x the writes of
   * two with fifty accounts (BENCHMARKS.md, "HTTP load", round 4).
   */
  static int committers(Database db) {
    return 2;
  }

  static final int GROUP_COMMIT_MAX = 128;
  static final long GROUP_WINDOW_NS = 500_000;

  private void sequence() {
    try {
      services.audit.sequencer().runOnce();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).error("audit sequencing round failed", e);
    }
  }

  public int port() {
    return http.port();
  }

  /** The local development provider, when enabled (demos use it to create and disable keys). */
  public Optional<LocalKeyProvider> localProvider() {
    return local;
  }

  /** Tokens of this node's database (the demo and the bootstrap create the first ones). */
  public TokenService tokens() {
    return tokens;
  }

  /** Every route the HTTP server serves. */
  public List<HttpServer.Route> routes() {
    return http.routes();
  }

  /** The JCA provider content AES-GCM runs on, e.g. {@code AmazonCorrettoCryptoProvider 2.5.0}. */
  public String aesGcmProvider() {
    return aesGcm;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  @Override
  public void close() {
    webhookThread.shutdownNow();
    try {
      webhookThread.awaitTermination(15, TimeUnit.SECONDS);
      services.webhooks.releaseLeases();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).warn("could not release the webhook leases", e);
    }
    background.shutdownNow();
    archiveThread.shutdownNow(); // a segment cut off here rolls back and is redone later
    sweepThread.shutdownNow();
    try {
      background.awaitTermination(10, TimeUnit.SECONDS);
      archiveThread.awaitTermination(10, TimeUnit.SECONDS);
      sweepThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.close();
    availability.releaseLeases(); // after the last round: other nodes take over at once
    services.commits.ifPresent(GroupCommit::close);
    sequencerThread.shutdownNow();
    try {
      sequencerThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sequence(); // what the last requests recorded is chained before the pool closes
    db.close();
    if (blobs instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LoggerFactory.getLogger(CmkNode.class).warn("closing the blob store failed", e);
      }
    }
  }
}
