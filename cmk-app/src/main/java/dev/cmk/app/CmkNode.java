package dev.cmk.app;

import dev.cmk.http.HttpServer;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.audit.AuditArchiveService;
import dev.cmk.service.audit.AuditArchiver;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditService;
import dev.cmk.service.audit.JdbcAuditArchive;
import dev.cmk.service.audit.JdbcAuditLog;
import dev.cmk.service.auth.JdbcTokenStore;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.JdbcAvailabilityStore;
import dev.cmk.service.availability.ProbeScheduler;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.catalog.CatalogService;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.JdbcFallbackWrites;
import dev.cmk.service.content.JdbcObjectStore;
import dev.cmk.service.coverage.CoverageService;
import dev.cmk.service.coverage.JdbcCoverageStore;
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.idempotency.JdbcIdempotencyStore;
import dev.cmk.service.kek.CountingKeyProvider;
import dev.cmk.service.kek.JdbcKekStore;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.key.JdbcCustomerKeyStore;
import dev.cmk.service.key.JdbcKeyDependencyStore;
import dev.cmk.service.key.JdbcSearchGrantStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.key.SearchGrantService;
import dev.cmk.service.policy.PlatformPrincipals;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.reprotect.JdbcJobStore;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.search.JdbcSearchIndexStore;
import dev.cmk.service.search.SearchIndexService;
import dev.cmk.service.session.JdbcSessionStore;
import dev.cmk.service.session.SessionService;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.GroupCommit;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the only place that names concrete providers and stores and wires them
 * together by constructor. A write goes HttpServer → ContentService → KekService → KeyProvider,
 * then ContentEnvelope → BlobStore and ObjectStore.
 */
public final class CmkNode implements AutoCloseable {
  private final Database db;
  private final HttpServer http;
  private final PrometheusMeterRegistry metrics;
  private final BlobStore blobs;
  private final Optional<LocalKeyProvider> local;
  final KeyProviders registry;
  final AccountService accounts;
  final KeyService keys;
  final KekService keks;
  final ContentService content;
  final TokenService tokens;
  final JdbcAvailabilityStore availabilityStore;
  final AvailabilityService availability;
  final RevocationService revocation;
  final ProbeScheduler scheduler;
  private static final java.time.Duration UNHEALTHY_PROBE_INTERVAL =
      java.time.Duration.ofSeconds(2);
  private final ProbeScheduler unhealthyProbes;
  final JobService jobs;
  final SessionService sessions;
  final SearchGrantService searchGrants;
  final JdbcObjectStore objects;
  final SearchIndexService search;
  final JdbcAuditLog audit;
  final AuditArchiver archiver;
  private final ProbeScheduler archiveScheduler;
  private final ScheduledExecutorService archiveThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-audit-archive");
            t.setDaemon(true);
            return t;
          });
  private final String aesGcm;
  // issue 14: removes blobs a killed write left without their row (one node at a time: a lease)
  private final dev.cmk.service.content.OrphanBlobSweeper orphanSweeper;
  private final java.time.Duration orphanSweepInterval;
  private final ScheduledExecutorService sweepThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-orphan-sweep");
            t.setDaemon(true);
            return t;
          });
  private final GroupCommit commits;
  // issue 20: signed webhooks, delivered on their own thread so a slow receiver delays nothing else
  private final dev.cmk.service.events.WebhookService webhooks;
  private final ScheduledExecutorService webhookThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-webhooks");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService sequencerThread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-audit-sequencer");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cmk-availability");
            t.setDaemon(true);
            return t;
          });

  public CmkNode(CmkConfig cfg, Clock clock) {
    // First: the crypto core's AES-GCM provider is fixed once, before anything is sealed.
    aesGcm = CryptoWiring.install(cfg.crypto().aesGcmProvider());
    SecureRandom random = new SecureRandom();
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    io.micrometer.core.instrument.Gauge.builder("cmk.crypto.aes.gcm.provider", () -> 1)
        .description("The JCA provider that computes content AES-GCM (value always 1)")
        .tag("provider", aesGcm)
        .register(metrics);
    // Before anything that holds resources: an unusable bucket stops the start right here.
    blobs = BlobWiring.blobStore(cfg.storage(), clock, metrics);
    local = cfg.local().enabled() ? Optional.of(localProvider(cfg, random)) : Optional.empty();
    // Providers report replica-served (degraded) calls; availability is built after the registry
    // it needs, so the report goes through this forwarder.
    var servedTo =
        new java.util.concurrent.atomic.AtomicReference<KeyServingListener>(
            KeyServingListener.none());
    KeyServingListener servingListener =
        (key, by, degraded) -> servedTo.get().served(key, by, degraded);
    List<KeyProvider> providers = new ArrayList<>();
    local.ifPresent(p -> providers.add(new CountingKeyProvider(p, metrics)));
    providers.addAll(
        ProviderWiring.cloudProviders(
            cfg.providers(), cfg.principals(), clock, random, metrics, servingListener));
    registry = new KeyProviders(providers);

    db = Database.open(databaseConfig(cfg));
    // every audited service appends to the node's one log, given by constructor
    // concurrent content writes and audited reads share transactions (group commit, issue 15)
    commits =
        new GroupCommit(
            db, committers(db), GROUP_COMMIT_MAX, java.time.Duration.ofNanos(GROUP_WINDOW_NS));
    audit = new JdbcAuditLog(db, clock, Optional.of(commits));
    io.micrometer.core.instrument.FunctionCounter.builder(
            "cmk.audit.chained.rows", audit.sequencer(), s -> s.chainedTotal())
        .description("Audit rows this node chained (seq and hash) from pending")
        .register(metrics);
    io.micrometer.core.instrument.Gauge.builder(
            "cmk.audit.pending.rows", audit.sequencer(), s -> s.pendingCount())
        .description("Audit rows recorded and not chained yet (all accounts)")
        .register(metrics);
    var catalog = new JdbcCatalog(db);
    objects = new JdbcObjectStore(db);
    accounts = new AccountService(new JdbcAccountStore(db), audit, clock, random);
    tokens = new TokenService(new JdbcTokenStore(db), accounts, catalog, audit, clock, random);
    PlatformPrincipals principals = principals(cfg.principals());
    var keyPrincipals =
        new KeyService.Principals(principals.platformPrincipals(), principals.searchPrincipals());
    keys =
        new KeyService(
            new JdbcCustomerKeyStore(db),
            registry,
            cfg.platformName(),
            keyPrincipals,
            audit,
            clock,
            random);
    accounts.setChangeGuard(keys);
    var cache = cfg.kekCache();
    availabilityStore = new JdbcAvailabilityStore(db);
    availability =
        new AvailabilityService(
            availabilityStore, registry, cfg.platformName(), audit, clock, random, metrics);
    servedTo.set(availability);
    searchGrants =
        new SearchGrantService(
            new JdbcSearchGrantStore(db),
            new JdbcCustomerKeyStore(db),
            accounts,
            registry,
            keyPrincipals,
            availability::recordEvent,
            clock,
            random);
    keys.setSearchGrants(searchGrants);
    keys.setKeyEvents(availability::recordEvent);
    var policyTemplates = new PolicyTemplates(principals, cfg.platformName());
    keys.setPolicyTemplates(policyTemplates);
    keys.setDependencies(new JdbcKeyDependencyStore(db));
    local.ifPresent(l -> keys.setDevKeys(devKeys(l)));
    keks =
        new KekService(
            new JdbcKekStore(db),
            registry,
            cfg.platformName(),
            new KekCacheConfig(cache.maxEntries(), cache.ttl(), cache.maxUses()),
            clock,
            random,
            availabilityStore,
            availability,
            replicasOf(new JdbcCustomerKeyStore(db)));
    var contentConfig =
        new ContentService.ContentConfig(
            keyRef(cfg.keys().platformKey()),
            keyRef(cfg.keys().backupKey()),
            cfg.maxContentBytes());
    content =
        new ContentService(
            accounts, catalog, keys, keks, objects, blobs, contentConfig, audit, clock, random);
    content.setFallbackWrites(new JdbcFallbackWrites(db));
    io.micrometer.core.instrument.FunctionCounter.builder(
            "cmk.content.uploads.aborted", content, ContentService::abortedUploads)
        .description("Uploads whose body ended early (the client went away); nothing was stored")
        .register(metrics);
    revocation = new RevocationService(availabilityStore, accounts, keks, audit, clock, random);
    availability.addListener(revocation.purgeOnRefusal());
    availability.addListener(revocation.explainWrites());
    var av = cfg.availability();
    jobs =
        new JobService(
            new JdbcJobStore(db),
            accounts,
            keys,
            new JdbcCustomerKeyStore(db),
            keks,
            content,
            objects,
            catalog,
            registry,
            availability,
            revocation,
            new JobService.Config(av.jobBatchSize(), av.jobLease(), av.probeInterval()),
            audit,
            clock,
            random);
    availability.addListener(jobs.recoverWhenBack());
    sessions =
        new SessionService(
            new JdbcSessionStore(db),
            accounts,
            catalog,
            keys,
            keks,
            availability,
            contentConfig,
            audit,
            clock,
            random);
    availability.addListener(sessions.dropOnUnavailable());
    search =
        new SearchIndexService(
            accounts,
            catalog,
            keys,
            keks,
            new JdbcSearchIndexStore(db, clock),
            contentConfig.platformKey(),
            SearchIndexService.Config.defaults(),
            audit,
            clock,
            random);
    var catalogAdmin = new CatalogService(catalog, audit);
    scheduler =
        new ProbeScheduler(
            clock,
            av.probeInterval(),
            List.of(
                () -> availability.probeRound(av.probeInterval()),
                jobs::startPendingRecoveries,
                sessions::dropWhereUnavailable,
                () ->
                    searchGrants.settleRound(
                        accountId -> availability.claimLease(accountId, av.probeInterval()))));
    // Keys not fully available are probed again every 2 s (at most the probe interval), so a key
    // that is back is seen, and its recovery started, within seconds.
    unhealthyProbes =
        new ProbeScheduler(
            clock,
            av.probeInterval().compareTo(UNHEALTHY_PROBE_INTERVAL) < 0
                ? av.probeInterval()
                : UNHEALTHY_PROBE_INTERVAL,
            List.of(() -> availability.probeUnhealthy(av.probeInterval())));
    // Audit retention: the holder of an account's probe lease archives it (the platform log has no
    // account row, hence no lease: any node, serialized by the archive anchor's row lock).
    var auditArchive = new JdbcAuditArchive(db);
    archiver =
        new AuditArchiver(
            audit,
            auditArchive,
            blobs,
            new AuditArchiver.Config(
                cfg.audit().parsedRetention(), cfg.audit().archiveSegmentRows()),
            accountId ->
                accountId.equals(AuditEvent.PLATFORM_ACCOUNT)
                    || availability.claimLease(accountId, av.probeInterval()),
            clock,
            metrics);
    archiveScheduler =
        new ProbeScheduler(clock, cfg.audit().archiveInterval(), List.of(() -> archiver.runOnce()));
    var sweep = cfg.storage().blobs().orphanSweep();
    orphanSweepInterval = sweep.interval();
    var leases = new dev.cmk.service.store.JdbcNodeLeases(db);
    String sweeperId = dev.cmk.service.Ids.newId("node", random);
    orphanSweeper =
        new dev.cmk.service.content.OrphanBlobSweeper(
            blobs,
            objects,
            sweep.grace(),
            () ->
                leases.claim(
                    "blob-orphan-sweep",
                    sweeperId,
                    clock.instant(),
                    clock.instant().plus(sweep.interval().multipliedBy(3))),
            clock,
            metrics);
    var auditService = new AuditService(audit, accounts::require);
    webhooks =
        new dev.cmk.service.events.WebhookService(
            db,
            accounts,
            audit,
            new dev.cmk.service.events.PlatformSecretSealer(
                registry, keyRef(cfg.keys().platformKey()), cfg.platformName()),
            new dev.cmk.service.store.JdbcNodeLeases(db),
            dev.cmk.service.Ids.newId("node", random),
            clock,
            random,
            new dev.cmk.service.events.WebhookService.Settings(
                cfg.webhooks().allowHttpLoopback(),
                cfg.webhooks().retryBase(),
                cfg.webhooks().retryFor(),
                cfg.webhooks().timeout(),
                java.time.Duration.ofSeconds(30)));
    http =
        new HttpServer(
            new HttpServer.Config(
                cfg.server().host(),
                cfg.server().port(),
                cfg.maxContentBytes() + 65_536,
                new HttpServer.Limits(
                    cfg.server().idleTimeout(),
                    cfg.server().minRequestDataRate(),
                    cfg.server().maxUploads(),
                    cfg.server().maxUploadsPerToken(),
                    cfg.server().uploadTimeout())),
            new HttpServer.Services(
                accounts,
                keys,
                content,
                catalog,
                catalogAdmin,
                tokens,
                new IdempotencyService(new JdbcIdempotencyStore(db), clock, av.jobLease()),
                policyTemplates,
                metrics::scrape,
                new HttpServer.Availability(
                    revocation,
                    jobs,
                    sessions,
                    new CoverageService(new JdbcCoverageStore(db), accounts, keys, clock, metrics)),
                search,
                auditService,
                new AuditArchiveService(audit, auditArchive, blobs, auditService),
                webhooks));
    dev.cmk.service.events.OpsGauges.register(db, clock, metrics);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "cmk.http.client.aborts", http, HttpServer::clientAborts)
        .description("Requests that ended because the client closed the connection (mid-upload)")
        .register(metrics);
    cfg.audit()
        .parsedRetention()
        .ifPresent(
            r ->
                LoggerFactory.getLogger(CmkNode.class)
                    .info(
                        "audit retention {}: older rows move to archive segments, checked every {}",
                        r,
                        cfg.audit().archiveInterval()));
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

  /**
   * A stored KEK's root completed with the replicas registered for it, so KEKs read back after a
   * restart fail over like fresh ones.
   */
  private static dev.cmk.service.kek.RootKeys replicasOf(JdbcCustomerKeyStore keys) {
    return (accountId, stored) ->
        keys.listForAccount(accountId).stream()
            .map(dev.cmk.service.key.CustomerKey::ref)
            .filter(r -> r.provider().equals(stored.provider()) && r.keyId().equals(stored.keyId()))
            .findFirst()
            .orElse(stored);
  }

  static KeyRef keyRef(String providerColonId) {
    int i = providerColonId.indexOf(':');
    return KeyRef.of(providerColonId.substring(0, i), providerColonId.substring(i + 1));
  }

  public CmkNode start() {
    http.start();
    background.scheduleWithFixedDelay(this::backgroundTick, 0, 1, TimeUnit.SECONDS);
    archiveThread.scheduleWithFixedDelay(archiveScheduler::tick, 5, 5, TimeUnit.SECONDS);
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
      scheduler.tick();
      unhealthyProbes.tick();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (jobs.runOnce() > 0 && System.nanoTime() < until) {
        scheduler.tick();
        unhealthyProbes.tick();
      }
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).error("background round failed", e);
    }
  }

  private void deliverWebhooks() {
    try {
      webhooks.runOnce();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class).warn("webhook round failed; next round retries", e);
    }
  }

  /** The account webhooks (issue 20). */
  public dev.cmk.service.events.WebhookService webhooks() {
    return webhooks;
  }

  private void sweepOrphans() {
    try {
      orphanSweeper.runOnce();
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(CmkNode.class)
          .warn("orphan blob sweep failed; next round retries", e);
    }
  }

  /** How often pending audit rows are chained: with the batch time, the bound in AUDIT.md. */
  static final long SEQUENCE_EVERY_MS = 100;

  /**
   * Group-commit threads: on PostgreSQL two transactions overlap (one gathers while the other waits
   * for its fsync); H2 stores one commit at a time whatever the threads, so one committer makes the
   * largest batches (fewer, bigger MVStore chunks).
   */
  static int committers(Database db) {
    return db.isPostgres() ? 2 : 1;
  }

  static final int GROUP_COMMIT_MAX = 128;
  static final long GROUP_WINDOW_NS = 500_000;

  private void sequence() {
    try {
      audit.sequencer().runOnce();
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
      webhooks.releaseLeases();
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
    commits.close();
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
