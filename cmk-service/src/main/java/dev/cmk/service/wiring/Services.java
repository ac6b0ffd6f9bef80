package dev.cmk.service.wiring;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.service.Ids;
import dev.cmk.service.account.AccountLookup;
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
import dev.cmk.service.content.ContentService.ContentConfig;
import dev.cmk.service.content.JdbcFallbackWrites;
import dev.cmk.service.content.JdbcObjectStore;
import dev.cmk.service.content.OrphanBlobSweeper;
import dev.cmk.service.coverage.CoverageService;
import dev.cmk.service.coverage.JdbcCoverageStore;
import dev.cmk.service.events.OpsGauges;
import dev.cmk.service.events.PlatformSecretSealer;
import dev.cmk.service.events.WebhookService;
import dev.cmk.service.idempotency.IdempotencyService;
import dev.cmk.service.idempotency.JdbcIdempotencyStore;
import dev.cmk.service.kek.JdbcKekStore;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.kek.RootKeys;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.DevKeys;
import dev.cmk.service.key.JdbcCustomerKeyStore;
import dev.cmk.service.key.JdbcKeyDependencyStore;
import dev.cmk.service.key.JdbcSearchGrantStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.key.SearchGrantService;
import dev.cmk.service.policy.PolicyTemplates;
import dev.cmk.service.reprotect.JdbcJobStore;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.search.JdbcSearchIndexStore;
import dev.cmk.service.search.SearchIndexService;
import dev.cmk.service.session.JdbcSessionStore;
import dev.cmk.service.session.SessionService;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.GroupCommit;
import dev.cmk.service.store.JdbcNodeLeases;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * The service graph, built in one place and in dependency order. The node ({@code CmkNode}) and the
 * tests ({@code ServiceFixture}) both take their services from here; they differ only in the {@link
 * Settings} and {@link Inputs} they pass (the node's configuration, providers and blob store; the
 * tests' clock, fake providers and directory blobs).
 *
 * <p>No service is completed by a setter after it is built. Each one's collaborators exist before
 * it: the search grants look accounts up in the store ({@link AccountLookup}), so they come before
 * the key service, which takes them (with its policy templates, key events, dependency counts and
 * development keys) by constructor, and the accounts, guarded by the key service, come after it.
 * Where a service must hear from one built after it, it is a listener registered as that one is
 * built: providers report which copy of a key served to a fan-out that exists before them and that
 * availability joins ({@link ServingReports}); revocation, jobs and sessions follow key-state
 * transitions through {@link AvailabilityService#addListener}.
 *
 * <p>The database, blob store and meter registry are the caller's: it opens and closes them. The
 * caller also drives the rounds ({@link #scheduler}, {@link #unhealthyProbes}, {@link
 * #archiveScheduler}, the sweeper, webhooks, the audit sequencer) on its own threads, or by hand in
 * tests.
 */
public final class Services {
  /** How often keys not fully available are probed again, at most (at most the probe interval). */
  static final Duration UNHEALTHY_PROBE_INTERVAL = Duration.ofSeconds(2);

  /**
   * Who the platform is: its name (in every encryption context), its own keys and object limit, its
   * and the search service's principals per provider kind, and the key-policy templates (with them
   * the key_policy check compares a readable policy statement by statement).
   */
  public record Platform(
      String name,
      ContentConfig content,
      KeyService.Principals principals,
      Optional<PolicyTemplates> policyTemplates) {}

  /** The scheduled work: probe interval (and so lease lengths), job lease and batch size. */
  public record Schedule(Duration probeInterval, Duration jobLease, int jobBatchSize) {}

  /**
   * Audit retention into archive segments, how often it runs, and the orphan-blob sweep (only blobs
   * older than {@code orphanSweepGrace} are removed).
   */
  public record Retention(
      AuditArchiver.Config audit,
      Duration archiveInterval,
      Duration orphanSweepInterval,
      Duration orphanSweepGrace) {
    /** Retention off, archive checked hourly, orphans swept every 15 minutes after an hour. */
    public static Retention defaults() {
      return new Retention(
          AuditArchiver.Config.off(),
          Duration.ofHours(1),
          Duration.ofMinutes(15),
          Duration.ofHours(1));
    }
  }

  /** Concurrent writes and audited reads sharing transactions ({@link GroupCommit}). */
  public record GroupCommits(int committers, int maxBatch, Duration window) {}

  /** The values the graph is built from: the node's configuration, or fixed values in tests. */
  public record Settings(
      Platform platform,
      KekCacheConfig kekCache,
      Schedule schedule,
      Retention retention,
      WebhookService.Settings webhooks,
      Optional<GroupCommits> groupCommit) {}

  /**
   * What the graph is built on.
   *
   * @param providers makes the key providers, given where they report which copy of a key served
   *     (replica-served calls make a key degraded)
   * @param devKeys the local provider's development keys, when it is enabled
   */
  public record Inputs(
      Database db,
      BlobStore blobs,
      Function<KeyServingListener, List<KeyProvider>> providers,
      Optional<DevKeys> devKeys,
      Clock clock,
      SecureRandom random,
      MeterRegistry metrics) {}

  public final KeyProviders providers;
  public final Optional<GroupCommit> commits;
  public final JdbcAuditLog audit;
  public final JdbcCatalog catalog;
  public final JdbcObjectStore objects;
  public final JdbcAccountStore accountStore;
  public final JdbcAvailabilityStore availabilityStore;
  public final AvailabilityService availability;
  public final JdbcSearchGrantStore searchGrantStore;
  public final SearchGrantService searchGrants;
  public final KeyService keys;
  public final AccountService accounts;
  public final TokenService tokens;
  public final KekService keks;
  public final ContentService content;
  public final RevocationService revocation;
  public final JdbcJobStore jobStore;
  public final JobService jobs;
  public final SessionService sessions;
  public final SearchIndexService search;
  public final CatalogService catalogAdmin;
  public final IdempotencyService idempotency;
  public final CoverageService coverage;
  public final AuditService auditService;
  public final JdbcAuditArchive auditArchive;
  public final AuditArchiveService auditArchiveService;
  public final AuditArchiver archiver;
  public final OrphanBlobSweeper orphanSweeper;
  public final WebhookService webhooks;

  /** The probe round: probes, recoveries to start, sessions to drop, search grants to settle. */
  public final ProbeScheduler scheduler;

  /** Keys not fully available probed again between rounds, so one that is back is seen at once. */
  public final ProbeScheduler unhealthyProbes;

  /** The audit archive round (retention). */
  public final ProbeScheduler archiveScheduler;

  private final Settings settings;
  private final Inputs in;

  public Services(Settings settings, Inputs in) {
    this.settings = settings;
    this.in = in;
    Database db = in.db();
    ServingReports served = new ServingReports();
    providers = new KeyProviders(in.providers().apply(served));
    commits = settings.groupCommit().map(g -> groupCommit(db, g));
    audit = new JdbcAuditLog(db, in.clock(), commits);
    catalog = new JdbcCatalog(db);
    objects = new JdbcObjectStore(db);
    accountStore = new JdbcAccountStore(db);
    availabilityStore = new JdbcAvailabilityStore(db);
    availability = availability();
    served.join(availability);
    searchGrantStore = new JdbcSearchGrantStore(db);
    searchGrants = searchGrants();
    keys = keys();
    accounts = new AccountService(accountStore, audit, in.clock(), in.random(), keys);
    tokens =
        new TokenService(new JdbcTokenStore(db), accounts, catalog, audit, in.clock(), in.random());
    keks = keks();
    content = content();
    revocation =
        new RevocationService(availabilityStore, accounts, keks, audit, in.clock(), in.random());
    availability.addListener(revocation.purgeOnRefusal());
    availability.addListener(revocation.explainWrites());
    jobStore = new JdbcJobStore(db);
    jobs = jobs();
    availability.addListener(jobs.recoverWhenBack());
    sessions = sessions();
    availability.addListener(sessions.dropOnUnavailable());
    search = search();
    catalogAdmin = new CatalogService(catalog, audit);
    idempotency =
        new IdempotencyService(
            new JdbcIdempotencyStore(db), in.clock(), settings.schedule().jobLease());
    coverage =
        new CoverageService(new JdbcCoverageStore(db), accounts, keys, in.clock(), in.metrics());
    auditService = new AuditService(audit, accounts::require);
    auditArchive = new JdbcAuditArchive(db);
    auditArchiveService = new AuditArchiveService(audit, auditArchive, in.blobs(), auditService);
    archiver = archiver();
    orphanSweeper = orphanSweeper();
    webhooks = webhooks();
    scheduler = probeRounds();
    unhealthyProbes = unhealthyProbeRounds();
    archiveScheduler =
        new ProbeScheduler(
            in.clock(), settings.retention().archiveInterval(), List.of(archiver::runOnce));
    registerMetrics();
  }

  private static GroupCommit groupCommit(Database db, GroupCommits g) {
    return new GroupCommit(db, g.committers(), g.maxBatch(), g.window());
  }

  private String platformName() {
    return settings.platform().name();
  }

  private Duration probeInterval() {
    return settings.schedule().probeInterval();
  }

  private AvailabilityService availability() {
    return new AvailabilityService(
        availabilityStore, providers, platformName(), audit, in.clock(), in.random(), in.metrics());
  }

  private SearchGrantService searchGrants() {
    return new SearchGrantService(
        searchGrantStore,
        new JdbcCustomerKeyStore(in.db()),
        AccountLookup.over(accountStore),
        providers,
        settings.platform().principals(),
        availability::recordEvent,
        in.clock(),
        in.random());
  }

  private KeyService keys() {
    var with =
        new KeyService.Collaborators(
            Optional.of(searchGrants),
            settings.platform().policyTemplates(),
            availability::recordEvent,
            Optional.of(new JdbcKeyDependencyStore(in.db())),
            in.devKeys());
    return new KeyService(
        new JdbcCustomerKeyStore(in.db()),
        providers,
        platformName(),
        settings.platform().principals(),
        with,
        audit,
        in.clock(),
        in.random());
  }

  private KekService keks() {
    return new KekService(
        new JdbcKekStore(in.db()),
        providers,
        platformName(),
        settings.kekCache(),
        in.clock(),
        in.random(),
        availabilityStore,
        availability,
        replicasOf(new JdbcCustomerKeyStore(in.db())));
  }

  /**
   * A stored KEK's root completed with the replicas registered for it, so KEKs read back after a
   * restart fail over like fresh ones.
   */
  private static RootKeys replicasOf(JdbcCustomerKeyStore keys) {
    return (accountId, stored) ->
        keys.listForAccount(accountId).stream()
            .map(CustomerKey::ref)
            .filter(r -> r.provider().equals(stored.provider()) && r.keyId().equals(stored.keyId()))
            .findFirst()
            .orElse(stored);
  }

  private ContentService content() {
    return new ContentService(
        accounts,
        catalog,
        keys,
        keks,
        objects,
        in.blobs(),
        settings.platform().content(),
        new JdbcFallbackWrites(in.db()),
        audit,
        in.clock(),
        in.random());
  }

  private JobService jobs() {
    var s = settings.schedule();
    return new JobService(
        jobStore,
        accounts,
        keys,
        new JdbcCustomerKeyStore(in.db()),
        keks,
        content,
        objects,
        catalog,
        providers,
        availability,
        revocation,
        new JobService.Config(s.jobBatchSize(), s.jobLease(), s.probeInterval()),
        audit,
        in.clock(),
        in.random());
  }

  private SessionService sessions() {
    return new SessionService(
        new JdbcSessionStore(in.db()),
        accounts,
        catalog,
        keys,
        keks,
        availability,
        settings.platform().content(),
        audit,
        in.clock(),
        in.random());
  }

  private SearchIndexService search() {
    return new SearchIndexService(
        accounts,
        catalog,
        keys,
        keks,
        new JdbcSearchIndexStore(in.db(), in.clock()),
        settings.platform().content().platformKey(),
        SearchIndexService.Config.defaults(),
        audit,
        in.clock(),
        in.random());
  }

  /**
   * Audit retention: the holder of an account's probe lease archives it (the platform log has no
   * account row, hence no lease: any node, serialized by the archive anchor's row lock).
   */
  private AuditArchiver archiver() {
    var r = settings.retention();
    r.audit()
        .retention()
        .ifPresent(
            ret ->
                LoggerFactory.getLogger(Services.class)
                    .info(
                        "audit retention {}: older rows move to archive segments, checked every {}",
                        ret,
                        r.archiveInterval()));
    return new AuditArchiver(
        audit,
        auditArchive,
        in.blobs(),
        r.audit(),
        accountId ->
            accountId.equals(AuditEvent.PLATFORM_ACCOUNT)
                || availability.claimLease(accountId, probeInterval()),
        in.clock(),
        in.metrics());
  }

  /** Removes blobs a killed write left without their row (one node at a time: a lease). */
  private OrphanBlobSweeper orphanSweeper() {
    var r = settings.retention();
    var leases = new JdbcNodeLeases(in.db());
    String sweeperId = Ids.newId("node", in.random());
    Clock clock = in.clock();
    return new OrphanBlobSweeper(
        in.blobs(),
        objects,
        r.orphanSweepGrace(),
        () ->
            leases.claim(
                "blob-orphan-sweep",
                sweeperId,
                clock.instant(),
                clock.instant().plus(r.orphanSweepInterval().multipliedBy(3))),
        clock,
        in.metrics());
  }

  private WebhookService webhooks() {
    var sealer =
        new PlatformSecretSealer(
            providers, settings.platform().content().platformKey(), platformName());
    return new WebhookService(
        in.db(),
        accounts,
        audit,
        sealer,
        new JdbcNodeLeases(in.db()),
        Ids.newId("node", in.random()),
        in.clock(),
        in.random(),
        settings.webhooks());
  }

  private ProbeScheduler probeRounds() {
    Duration interval = probeInterval();
    return new ProbeScheduler(
        in.clock(),
        interval,
        List.of(
            () -> availability.probeRound(interval),
            jobs::startPendingRecoveries,
            sessions::dropWhereUnavailable,
            () -> searchGrants.settleRound(id -> availability.claimLease(id, interval))));
  }

  /**
   * Keys not fully available are probed again every 2 s (at most the probe interval), so a key that
   * is back is seen, and its recovery started, within seconds.
   */
  private ProbeScheduler unhealthyProbeRounds() {
    Duration interval = probeInterval();
    return new ProbeScheduler(
        in.clock(),
        interval.compareTo(UNHEALTHY_PROBE_INTERVAL) < 0 ? interval : UNHEALTHY_PROBE_INTERVAL,
        List.of(() -> availability.probeUnhealthy(interval)));
  }

  private void registerMetrics() {
    MeterRegistry metrics = in.metrics();
    FunctionCounter.builder("cmk.audit.chained.rows", audit.sequencer(), s -> s.chainedTotal())
        .description("Audit rows this node chained (seq and hash) from pending")
        .register(metrics);
    Gauge.builder("cmk.audit.pending.rows", audit.sequencer(), s -> s.pendingCount())
        .description("Audit rows recorded and not chained yet (all accounts)")
        .register(metrics);
    FunctionCounter.builder("cmk.content.uploads.aborted", content, ContentService::abortedUploads)
        .description("Uploads whose body ended early (the client went away); nothing was stored")
        .register(metrics);
    OpsGauges.register(in.db(), in.clock(), metrics);
  }

  /**
   * Where providers report which copy of a key served: made before the providers, joined by
   * availability once it is built (it needs the providers to probe). Reports before that find no
   * listener, as none can concern a key yet: nothing has used one.
   */
  static final class ServingReports implements KeyServingListener {
    private final List<KeyServingListener> listeners = new CopyOnWriteArrayList<>();

    void join(KeyServingListener listener) {
      listeners.add(listener);
    }

    @Override
    public void served(dev.cmk.provider.KeyRef key, String servedByKeyId, boolean degraded) {
      for (KeyServingListener l : listeners) {
        l.served(key, servedByKeyId, degraded);
      }
    }
  }
}
