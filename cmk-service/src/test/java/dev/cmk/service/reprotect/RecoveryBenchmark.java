package dev.cmk.service.reprotect;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.content.BulkSeeder;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.JdbcCustomerKeyStore;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recovery time and KMS calls for N objects written under fallback (not run by {@code mvn verify}).
 * Usage: {@code RecoveryBenchmark h2|pg KEK_REWRAP|DEK_REWRAP [objects=100000] [batch=500]}. The
 * objects are spread over 4 services x 5 days = 20 fallback KEKs.
 */
public final class RecoveryBenchmark {
  static final List<String> TYPES = List.of("mail", "chat-message", "voicemail", "doc");
  static final int DAYS = 5;

  private RecoveryBenchmark() {}

  public static void main(String[] args) throws Exception {
    String db = args[0];
    Job.Mode mode = Job.Mode.valueOf(args[1]);
    int objects = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 500;
    Path dir = Files.createTempDirectory("cmk-recovery-bench");
    Database.Config cfg = db.equals("pg") ? TestPostgres.freshDatabase() : Database.embedded(dir);
    try (ServiceFixture f = new ServiceFixture(dir, cfg, KekCacheConfig.defaults())) {
      Account acct = f.accounts.create("Bench", null);
      f.keys.register(acct, "remote", "customer", List.of());
      f.accounts.setLicense(acct.id(), "alice", true);
      f.revocation.setFallback(acct.id(), true);
      f.jobs.setRecoveryMode(acct.id(), mode.name());
      f.remote.setMode(Mode.DOWN);
      long t0 = System.nanoTime();
      int perKek = objects / (TYPES.size() * DAYS);
      for (int day = 0; day < DAYS; day++) {
        for (String type : TYPES) {
          String serviceId = f.catalog.require(type).serviceId();
          try (KekLease kek =
              f.keks.forWrite(
                  acct.id(), serviceId, Protection.FALLBACK, KeyRef.of("local", "backup"))) {
            BulkSeeder.seed(
                f.db,
                f.blobs,
                kek,
                acct.id(),
                type,
                "alice",
                type + "-d" + day + "-",
                perKek,
                mode.perObject(),
                f.clock.instant());
          }
        }
        f.clock.advance(Duration.ofDays(1));
      }
      double seedSecs = (System.nanoTime() - t0) / 1e9;

      f.remote.setMode(Mode.UP);
      // the job's content service counts the blob calls it makes
      CountingBlobs blobs = new CountingBlobs(f.blobs);
      ContentService content =
          new ContentService(
              f.accounts,
              f.catalog,
              f.keys,
              f.keks,
              f.objects,
              blobs,
              new ContentService.ContentConfig(
                  KeyRef.of("local", "platform"), KeyRef.of("local", "backup"), 1 << 20),
              dev.cmk.service.content.FallbackWrites.none(),
              f.audit,
              f.clock,
              new java.security.SecureRandom());
      JobService jobs =
          new JobService(
              f.jobStore,
              f.accounts,
              f.keys,
              new JdbcCustomerKeyStore(f.db),
              f.keks,
              content,
              f.objects,
              f.catalog,
              f.providers,
              f.availability,
              f.revocation,
              new JobService.Config(batch, Duration.ofMinutes(10), Duration.ofSeconds(30)),
              f.audit,
              f.clock,
              new java.security.SecureRandom());
      double remote0 = f.providerCalls("remote");
      double local0 = f.providerCalls("local");
      long t1 = System.nanoTime();
      Job job = jobs.startRecovery(acct.id()).orElseThrow();
      jobs.runUntilIdle(1_000_000);
      double secs = (System.nanoTime() - t1) / 1e9;
      long blobReads = blobs.reads.get();
      long blobWrites = blobs.writes.get();
      JobService.JobReport r = jobs.get(acct.id(), job.id());
      if (r.job().status() != Job.Status.SUCCEEDED || r.progress().done() != job.total()) {
        throw new IllegalStateException("recovery did not finish: " + r);
      }
      long fallbackLeft =
          f.jobStore.count(acct.id(), JobStore.Items.FALLBACK_OBJECTS, KeyRef.of("remote", "x"));
      // spot-check reads of re-protected objects
      for (int i = 0; i < 20 && mode.perObject(); i++) {
        f.content.get(acct.id(), "mail", "mail-d0-" + i);
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %,d | %d | %,d | %.1f s | %,.0f | %d | %d | %d / %d | %.1f s |%n",
          db.equals("pg")
              ? "PostgreSQL "
                  + f.db
                      .jdbi()
                      .withHandle(
                          h -> h.createQuery("show server_version").mapTo(String.class).one())
              : "H2 (embedded file)",
          mode,
          objects,
          TYPES.size() * DAYS,
          job.total(),
          secs,
          job.total() / secs,
          (long) (f.providerCalls("remote") - remote0),
          (long) (f.providerCalls("local") - local0),
          blobReads,
          blobWrites,
          seedSecs);
      if (fallbackLeft != 0) {
        throw new IllegalStateException(fallbackLeft + " objects still under the backup key");
      }
    }
    System.exit(0);
  }

  /** Counts the blob calls of the job (reads: get/open; writes: put). */
  static final class CountingBlobs implements BlobStore {
    final BlobStore delegate;
    final AtomicLong reads = new AtomicLong();
    final AtomicLong writes = new AtomicLong();

    CountingBlobs(BlobStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public void put(String key, byte[] envelope) {
      writes.incrementAndGet();
      delegate.put(key, envelope);
    }

    @Override
    public void put(String key, BlobWriter writer) {
      writes.incrementAndGet();
      delegate.put(key, writer);
    }

    @Override
    public Optional<byte[]> get(String key) {
      reads.incrementAndGet();
      return delegate.get(key);
    }

    @Override
    public Optional<InputStream> open(String key) {
      reads.incrementAndGet();
      return delegate.open(key);
    }

    @Override
    public void delete(String key) {
      writes.incrementAndGet();
      delegate.delete(key);
    }
  }
}
