package dev.cmk.service;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.ContentService.ContentConfig;
import dev.cmk.service.kek.CountingKeyProvider;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.JdbcAccountStore;
import dev.cmk.service.store.JdbcCatalog;
import dev.cmk.service.store.JdbcCustomerKeyStore;
import dev.cmk.service.store.JdbcKekStore;
import dev.cmk.service.store.JdbcObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * The service wired for tests: local provider (plus a switchable "remote" one), H2 or PostgreSQL.
 */
public final class ServiceFixture implements AutoCloseable {
  public final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
  public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  public final LocalKeyProvider local;
  public final SwitchableProvider remote;
  public final Database db;
  public final AccountService accounts;
  public final KeyService keys;
  public final KekService keks;
  public final ContentService content;
  public final JdbcObjectStore objects;
  public final DirectoryBlobStore blobs;

  public ServiceFixture(Path dir, Database.Config dbConfig, KekCacheConfig cache) {
    SecureRandom random = new SecureRandom();
    local = new LocalKeyProvider(dir.resolve("keys.p12"), "test".toCharArray(), random);
    for (String k : List.of("platform", "backup", "customer", "customer2")) {
      local.createKey(k);
    }
    remote = new SwitchableProvider("remote", local);
    KeyProviders providers =
        new KeyProviders(
            List.<KeyProvider>of(
                new CountingKeyProvider(local, metrics), new CountingKeyProvider(remote, metrics)));
    db = Database.open(dbConfig);
    accounts = new AccountService(new JdbcAccountStore(db), clock, random);
    keys = new KeyService(new JdbcCustomerKeyStore(db), providers, "cmk-test", clock, random);
    keks = new KekService(new JdbcKekStore(db), providers, "cmk-test", cache, clock, random);
    objects = new JdbcObjectStore(db);
    blobs = new DirectoryBlobStore(dir.resolve("blobs"));
    content =
        new ContentService(
            accounts,
            new JdbcCatalog(db),
            keys,
            keks,
            objects,
            blobs,
            new ContentConfig(
                KeyRef.of("local", "platform"), KeyRef.of("local", "backup"), 1 << 20),
            clock,
            random);
  }

  public static ServiceFixture h2(Path dir) {
    return new ServiceFixture(dir, Database.embedded(dir), KekCacheConfig.defaults());
  }

  public double providerCalls() {
    return CountingKeyProvider.total(metrics);
  }

  @Override
  public void close() {
    db.close();
  }
}
