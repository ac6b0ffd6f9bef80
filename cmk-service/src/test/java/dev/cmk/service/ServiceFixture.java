package dev.cmk.service;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.audit.AuditService;
import dev.cmk.service.audit.JdbcAuditLog;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.JdbcAvailabilityStore;
import dev.cmk.service.availability.ProbeScheduler;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.catalog.JdbcCatalog;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.ContentService.ContentConfig;
import dev.cmk.service.content.JdbcObjectStore;
import dev.cmk.service.events.WebhookService;
import dev.cmk.service.kek.CountingKeyProvider;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.key.JdbcSearchGrantStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.key.SearchGrantService;
import dev.cmk.service.reprotect.JdbcJobStore;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.search.SearchIndexService;
import dev.cmk.service.session.SessionService;
import dev.cmk.service.store.Database;
import dev.cmk.service.wiring.Services;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The service wired for tests by the node's own wiring ({@link Services}): local provider (plus a
 * switchable "remote" one), H2 or PostgreSQL, a clock the test moves and directory blobs. {@link
 * #secondNode()} makes another node on the same database, blobs and providers, with its own caches,
 * the way two servers behind a load balancer share one PostgreSQL.
 */
public final class ServiceFixture implements AutoCloseable {
  public static final Duration PROBE_INTERVAL = Duration.ofSeconds(30);

  public final Path dir;
  public final Database.Config dbConfig;
  public final KekCacheConfig cacheConfig;
  public final Services services;
  public final MutableClock clock;
  public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  public final LocalKeyProvider local;
  public final SwitchableProvider remote;
  public final KeyProviders providers;
  public final Database db;
  public final AccountService accounts;
  public final JdbcAccountStore accountStore;
  public final KeyService keys;
  public final KekService keks;
  public final ContentService content;
  public final JdbcObjectStore objects;
  public final DirectoryBlobStore blobs;
  public final JdbcCatalog catalog;
  public final JdbcAvailabilityStore availabilityStore;
  public final AvailabilityService availability;
  public final RevocationService revocation;
  public final ProbeScheduler scheduler;
  public final JdbcJobStore jobStore;
  public final JobService jobs;
  public final SessionService sessions;
  public final SearchIndexService search;
  public final JdbcSearchGrantStore searchGrantStore;
  public final SearchGrantService searchGrants;
  private final List<KeyProvider> extraProviders;
  private final KeyService.Principals principals;
  public final JdbcAuditLog audit;
  public final AuditService auditService;

  public ServiceFixture(Path dir, Database.Config dbConfig, KekCacheConfig cache) {
    this(dir, dbConfig, cache, null, null, null, List.of(), KeyService.Principals.none());
  }

  private ServiceFixture(
      Path dir,
      Database.Config dbConfig,
      KekCacheConfig cache,
      MutableClock sharedClock,
      LocalKeyProvider sharedLocal,
      SwitchableProvider sharedRemote,
      List<KeyProvider> extraProviders,
      KeyService.Principals principals) {
    this.dir = dir;
    this.extraProviders = List.copyOf(extraProviders);
    this.principals = principals;
    this.dbConfig = dbConfig;
    this.cacheConfig = cache;
    this.clock =
        sharedClock != null ? sharedClock : new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    SecureRandom random = new SecureRandom();
    if (sharedLocal != null) {
      local = sharedLocal;
      remote = sharedRemote;
    } else {
      local = new LocalKeyProvider(dir.resolve("keys.p12"), "test".toCharArray(), random);
      for (String k : List.of("platform", "backup", "customer", "customer2", "customer3")) {
        local.createKey(k);
      }
      remote = new SwitchableProvider("remote", local);
    }
    db = Database.open(dbConfig);
    blobs = new DirectoryBlobStore(dir.resolve("blobs"));
    services =
        new Services(
            settings(cache, principals),
            new Services.Inputs(
                db, blobs, served -> counted(), Optional.empty(), clock, random, metrics));
    providers = services.providers;
    audit = services.audit;
    accountStore = services.accountStore;
    accounts = services.accounts;
    keys = services.keys;
    availabilityStore = services.availabilityStore;
    availability = services.availability;
    searchGrantStore = services.searchGrantStore;
    searchGrants = services.searchGrants;
    keks = services.keks;
    objects = services.objects;
    catalog = services.catalog;
    content = services.content;
    revocation = services.revocation;
    jobStore = services.jobStore;
    jobs = services.jobs;
    sessions = services.sessions;
    search = services.search;
    auditService = services.auditService;
    scheduler = services.scheduler;
  }

  /** The tests' platform: local platform and backup keys, 1 MiB objects, no policy templates. */
  private static Services.Settings settings(KekCacheConfig cache, KeyService.Principals p) {
    var content =
        new ContentConfig(KeyRef.of("local", "platform"), KeyRef.of("local", "backup"), 1 << 20);
    return new Services.Settings(
        new Services.Platform("cmk-test", content, p, Optional.empty()),
        cache,
        new Services.Schedule(PROBE_INTERVAL, Duration.ofMinutes(2), 50),
        Services.Retention.defaults(),
        WebhookService.Settings.defaults(),
        Optional.empty());
  }

  /** Every provider counted, as the node counts its providers' calls. */
  private List<KeyProvider> counted() {
    List<KeyProvider> all = new ArrayList<>();
    all.add(new CountingKeyProvider(local, metrics));
    all.add(new CountingKeyProvider(remote, metrics));
    extraProviders.forEach(p -> all.add(new CountingKeyProvider(p, metrics)));
    return all;
  }

  public static ServiceFixture h2(Path dir) {
    return new ServiceFixture(dir, Database.embedded(dir), KekCacheConfig.defaults());
  }

  /**
   * On H2, with further providers (e.g. a fake cloud KMS with grants) and the principals the
   * key-policy and search-grant checks use.
   */
  public static ServiceFixture h2(
      Path dir, List<KeyProvider> extraProviders, KeyService.Principals principals) {
    return on(dir, Database.embedded(dir), extraProviders, principals);
  }

  /** On the database {@code dbConfig} names (H2 or PostgreSQL), with further providers. */
  public static ServiceFixture on(
      Path dir,
      Database.Config dbConfig,
      List<KeyProvider> extraProviders,
      KeyService.Principals principals) {
    return new ServiceFixture(
        dir, dbConfig, KekCacheConfig.defaults(), null, null, null, extraProviders, principals);
  }

  /** Another node on the same database, blob directory, providers and clock. */
  public ServiceFixture secondNode() {
    return new ServiceFixture(
        dir, dbConfig, cacheConfig, clock, local, remote, extraProviders, principals);
  }

  public double providerCalls() {
    return CountingKeyProvider.total(metrics);
  }

  public double providerCalls(String kind) {
    return CountingKeyProvider.total(metrics, kind);
  }

  /** Sets the account's two switches directly in the store. */
  public Account setOptions(Account a, boolean fallback, boolean dropCalls) {
    Account changed = new Account(a.id(), a.name(), a.region(), fallback, dropCalls, a.createdAt());
    accountStore.update(changed);
    return changed;
  }

  @Override
  public void close() {
    db.close();
  }
}
