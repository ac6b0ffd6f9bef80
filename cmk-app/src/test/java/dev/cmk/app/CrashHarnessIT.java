package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash harness: a real child-process node ({@link NodeProcess}) under concurrent load (8
 * clients writing 1 KiB–1 MiB bodies and reading them back, a licensed user, so content is under
 * the account's own key) is killed with SIGKILL at random moments and started again on the same
 * data. After every restart {@link WriteLedger#verify} checks what a 2xx promises. Black-box: HTTP
 * and the product's own audit verifier only, so it keeps checking whatever the write path becomes.
 *
 * <p>{@code mvn verify} kills each node {@value #DEFAULT_KILLS} times per database; {@code
 * -Dcmk.crash.kills=20} is the long mode. On PostgreSQL the drill also kills the database server
 * itself (a private one: the shared test server must not be killed) once.
 */
class CrashHarnessIT {
  static final int DEFAULT_KILLS = 3;
  static final int KILLS = Integer.getInteger("cmk.crash.kills", DEFAULT_KILLS);
  static final int CLIENTS = Integer.getInteger("cmk.crash.clients", 8);
  static final String OPERATOR = "cmk_crash_harness_operator_token_0123456789";

  @TempDir Path dir;

  @Test
  void h2() throws Exception {
    drill("h2", "", "", "", null, null);
  }

  @Test
  void postgres() throws Exception {
    Database.Config db = TestPostgres.freshDatabase();
    drill("postgresql", db.url(), db.user(), db.password(), null, null);
  }

  /** A private PostgreSQL whose postmaster is also killed with SIGKILL once, mid-load. */
  @Test
  void postgresServerKilled() throws Exception {
    int pgPort = NodeProcess.freePort();
    Path pgData = dir.resolve("pg");
    EmbeddedPostgres[] pg = {startPostgres(pgData, pgPort)};
    try {
      try (Connection c = pg[0].getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("create database cmk");
      }
      String url = pg[0].getJdbcUrl("postgres", "cmk");
      drill(
          "postgresql (its server killed too)",
          url,
          "postgres",
          "postgres",
          round -> {
            if (round != 1) {
              return;
            }
            // under load, with writes in flight: the database dies first, then the node
            try {
              long pid =
                  Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0));
              ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
              // SIGKILL the postmaster and, as a crash of the machine's database would, its
              // backends: nothing gets to flush or shut down cleanly.
              List<ProcessHandle> all =
                  new java.util.ArrayList<>(postmaster.descendants().toList());
              all.add(postmaster);
              new ProcessBuilder(
                      concat("kill", "-9", all.stream().map(p -> Long.toString(p.pid())).toList()))
                  .inheritIO()
                  .start()
                  .waitFor();
              postmaster.onExit().get();
              System.out.println("crash harness: killed PostgreSQL (postmaster " + pid + ") -9");
              Thread.sleep(1000); // the node answers errors meanwhile: those writes are in doubt
            } catch (Exception e) {
              throw new IllegalStateException("cannot kill PostgreSQL", e);
            }
          },
          round -> {
            if (round != 1) {
              return;
            }
            try {
              // releases the embedded server's in-JVM lock on the data directory (its stop of the
              // dead postmaster fails and is only logged)
              pg[0].close();
              pg[0] = startPostgres(pgData, pgPort); // crash recovery from its WAL
            } catch (Exception e) {
              throw new IllegalStateException("cannot restart PostgreSQL", e);
            }
          });
    } finally {
      pg[0].close();
    }
  }

  private static List<String> concat(String a, String b, List<String> rest) {
    List<String> all = new java.util.ArrayList<>(List.of(a, b));
    all.addAll(rest);
    return all;
  }

  private static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setPort(port)
        // the embedded server's default is synchronous_commit=off: test what production runs
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("fsync", "on")
        .start();
  }

  /**
   * One drill: {@link #KILLS} rounds of load, SIGKILL and restart, each verified; then the orphan
   * sweeper must remove every blob a killed write left without its row.
   *
   * @param beforeKill runs under load right before the node's kill of each round (round number from
   *     1): the PostgreSQL server drill kills the database there
   * @param beforeRestart runs after the kill, before the node starts again (restarts PostgreSQL)
   */
  private void drill(
      String label,
      String dbUrl,
      String dbUser,
      String dbPassword,
      Consumer<Integer> beforeKill,
      Consumer<Integer> beforeRestart)
      throws Exception {
    Path data = dir.resolve("node");
    Files.createDirectories(data);
    Path keystore = data.resolve("local-keys.p12");
    // the customer's key, in the local provider's keystore (the node loads it at start)
    new LocalKeyProvider(keystore, "cmk-dev-only".toCharArray(), new SecureRandom())
        .createKey("crash-cmk");
    int port = NodeProcess.freePort();
    Path config = dir.resolve("cmk.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "server: { host: 127.0.0.1, port: " + port + " }",
            "storage:",
            "  dataDir: " + data,
            "  databaseUrl: \"" + dbUrl + "\"",
            "  databaseUser: \"" + dbUser + "\"",
            "  databasePassword: \"" + dbPassword + "\"",
            "  blobs: { orphanSweep: { interval: PT3S, grace: PT15S } }",
            "local: { enabled: true, keystore: " + keystore + ", keystorePassword: cmk-dev-only }",
            "maxContentBytes: 2097152",
            ""));
    NodeProcess node =
        NodeProcess.fromClasspath()
            .serveArgs("--config", config.toString())
            .port(port)
            .env("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR)
            .log(dir.resolve("node.log"))
            .build();
    node.start();
    WriteLedger ledger = setUp(node.base());
    long totalAcked = 0;
    long orphansFound = 0;
    java.util.Set<String> orphanFiles = new java.util.HashSet<>();
    try {
      for (int round = 1; round <= KILLS; round++) {
        long ackedBefore = ledger.acked.size();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = ledger.startClients(CLIENTS, "r" + round, node::base, stop, false);
        // a random moment: 1.5 to 6 s into the load
        Thread.sleep(1500 + ThreadLocalRandom.current().nextLong(4500));
        if (beforeKill != null) {
          beforeKill.accept(round);
        }
        int exit = node.kill();
        assertThat(exit).as("SIGKILL (128 + 9)").isEqualTo(137);
        stop.set(true);
        WriteLedger.join(clients);
        if (beforeRestart != null) {
          beforeRestart.accept(round);
        }
        node.start();
        WriteLedger.Check c = ledger.verify(node.base(), dir);
        for (String id : ledger.absentIds) {
          if (Files.exists(data.resolve("blobs").resolve(ledger.account).resolve(id))) {
            orphanFiles.add(id);
          }
        }
        ledger.absentIds.clear();
        orphansFound = orphanFiles.size();
        totalAcked = ledger.acked.size();
        System.out.printf(
            "crash harness [%s] kill %d/%d (exit %d): acknowledged %d (+%d), lost %d, in doubt"
                + " present %d / absent %d, audit rows %d: %s%n",
            label,
            round,
            KILLS,
            exit,
            totalAcked,
            totalAcked - ackedBefore + c.lost(),
            c.lost(),
            c.present(),
            c.absent(),
            c.auditRows(),
            c.auditVerdict());
      }
      // the sweeper (interval 3 s, grace 15 s) removes the blobs killed writes left behind
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      java.util.Set<String> remaining = new java.util.HashSet<>(orphanFiles);
      while (!remaining.isEmpty() && System.nanoTime() < deadline) {
        remaining.removeIf(
            id -> !Files.exists(data.resolve("blobs").resolve(ledger.account).resolve(id)));
        Thread.sleep(500);
      }
      double removedMetric = metric(node.base(), "cmk_blob_orphans_removed_total");
      // every node life's removals, from its log (the metric starts at 0 with each process)
      java.util.Set<String> removedKeys = new java.util.HashSet<>();
      for (String line : Files.readAllLines(dir.resolve("node.log"))) {
        int at = line.indexOf("removed orphan blob ");
        if (at >= 0) {
          removedKeys.add(line.substring(at + 20).split(" ")[0]);
        }
      }
      for (String key : removedKeys) {
        if (key.startsWith(ledger.account + "/")) {
          orphanFiles.add(key.substring(ledger.account.length() + 1));
        }
      }
      orphansFound = orphanFiles.size();
      System.out.printf(
          "crash harness [%s] RESULT: kills %d, write attempts %d, acknowledged %d, lost %d,"
              + " in doubt present %d / absent %d, reads %d, orphans found %d / removed %d"
              + " (cmk_blob_orphans_removed_total on the last node: %.0f), violations %d%n",
          label,
          KILLS,
          ledger.attempts.get(),
          totalAcked,
          ledger.violations.stream().filter(v -> v.startsWith("LOST")).count(),
          ledger.inDoubtPresent,
          ledger.inDoubtAbsent,
          ledger.reads.get(),
          orphansFound,
          removedKeys.size(),
          removedMetric,
          ledger.violations.size());
      System.out.println("  writes not acknowledged, by answer: " + ledger.failures);
      ledger.violations.stream().limit(20).forEach(v -> System.out.println("  " + v));
      assertThat(ledger.violations).isEmpty();
      // a database that is down is a 503 database_unavailable with Retry-After, never a 500
      assertThat(ledger.failures.keySet())
          .as("write answers during the drill")
          .noneMatch(answer -> answer.startsWith("500"));
      assertThat(totalAcked).as("writes acknowledged across the drill").isPositive();
      assertThat(remaining).as("orphan blobs left after the sweeper's grace").isEmpty();
    } finally {
      node.close();
      // the node's log outlives the temporary directory: what a failed drill's reader needs
      Path kept =
          Path.of("target", "crash-harness-" + label.replaceAll("[^a-z0-9]+", "-") + ".log");
      Files.createDirectories(kept.getParent());
      Files.copy(dir.resolve("node.log"), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** An account with the local customer key, a licensed user and a chat service token. */
  private WriteLedger setUp(String base) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String account =
        call(http, base, OPERATOR, "POST", "/v1/accounts", Map.of("name", "Crash"), 201)
            .get("id")
            .asText();
    String admin =
        call(
                http,
                base,
                OPERATOR,
                "POST",
                "/v1/tokens",
                Map.of("role", "admin", "accountId", account),
                201)
            .get("secret")
            .asText();
    String service =
        call(
                http,
                base,
                OPERATOR,
                "POST",
                "/v1/tokens",
                Map.of("role", "service", "accountId", account, "services", List.of("chat")),
                201)
            .get("secret")
            .asText();
    call(
        http,
        base,
        admin,
        "PUT",
        "/v1/accounts/" + account + "/key",
        Map.of("provider", "local", "keyId", "crash-cmk"),
        201);
    call(
        http,
        base,
        admin,
        "PUT",
        "/v1/accounts/" + account + "/users/alice/license",
        Map.of("cmkLicensed", true),
        200);
    return new WriteLedger(account, service, admin, "alice", "chat-message");
  }

  static JsonNode call(
      HttpClient http,
      String base,
      String token,
      String method,
      String path,
      Object body,
      int expect)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(
                    method,
                    HttpRequest.BodyPublishers.ofString(WriteLedger.JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expect) {
      throw new IllegalStateException(
          method + " " + path + " → " + r.statusCode() + " " + r.body());
    }
    return WriteLedger.JSON.readTree(r.body());
  }

  static double metric(String base, String name) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
