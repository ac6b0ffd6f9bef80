package dev.cmk.service.reprotect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.ServiceFixture;
import dev.cmk.service.SwitchableProvider.Mode;
import dev.cmk.service.account.Account;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.KekCacheConfig;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database restarts in the middle of a recovery job: a real PostgreSQL server is stopped and
 * started again on the same data directory and port. The pool reconnects, the job resumes, and
 * every object is re-protected exactly once.
 */
class PostgresRestartIT {
  @TempDir Path dir;

  private static EmbeddedPostgres start(Path data, int port) throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setPort(port)
        .start();
  }

  @Test
  @Timeout(240)
  void aRecoverySurvivesADatabaseRestart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("pg");
    EmbeddedPostgres pg = start(data, port);
    try {
      try (Connection c = pg.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("create database cmk");
      }
      Database.Config cfg =
          new Database.Config(pg.getJdbcUrl("postgres", "cmk"), "postgres", "postgres", 4);
      try (ServiceFixture f = new ServiceFixture(dir, cfg, KekCacheConfig.defaults())) {
        Account acct = f.accounts.create("Acme", null);
        f.keys.register(acct, "remote", "customer", List.of());
        f.accounts.setLicense(acct.id(), "alice", true);
        f.revocation.setFallback(acct.id(), true);
        f.jobs.setRecoveryMode(acct.id(), "DEK_REWRAP");
        f.scheduler.tick();
        f.remote.setMode(Mode.DOWN);
        f.clock.advance(Duration.ofMinutes(6));
        f.scheduler.tick();
        List<StoredObject> fallback = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          String id = "fb-" + i;
          fallback.add(f.content.put(acct.id(), "mail", "alice", Optional.of(id), bytes(id)));
        }
        f.remote.setMode(Mode.UP);
        f.clock.advance(ServiceFixture.PROBE_INTERVAL);
        f.scheduler.tick();
        Job job = f.jobStore.running(acct.id()).orElseThrow();
        assertThat(f.jobs.runOnce()).isEqualTo(50);

        pg.close(); // stops the server (fast shutdown: every connection is terminated)
        pg = start(data, port);

        for (int i = 0; i < 40 && stillRunning(f, acct); i++) {
          if (f.jobs.runOnce() == 0) {
            f.clock.advance(Duration.ofMinutes(3)); // leases of a batch cut by the restart expire
          }
        }
        JobService.JobReport end = f.jobs.get(acct.id(), job.id());
        assertThat(end.job().status()).isEqualTo(Job.Status.SUCCEEDED);
        assertThat(end.progress().done()).isEqualTo(200);
        for (StoredObject o : fallback) {
          StoredObject now = f.objects.find(acct.id(), o.objectId()).orElseThrow();
          assertThat(now.protection()).isEqualTo(Protection.CMK);
          assertThat(f.content.get(acct.id(), "mail", o.objectId()).plaintext())
              .isEqualTo(bytes(o.objectId()));
        }
      }
    } finally {
      pg.close();
    }
  }

  /** Whether the job still runs; a dead pooled connection (dropped on use) counts as yes. */
  private static boolean stillRunning(ServiceFixture f, Account acct) {
    try {
      return f.jobStore.running(acct.id()).isPresent();
    } catch (RuntimeException deadConnection) {
      return true;
    }
  }

  private static byte[] bytes(String id) {
    return ("content of " + id).getBytes(StandardCharsets.UTF_8);
  }
}
